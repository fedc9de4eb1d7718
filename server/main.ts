// The language server's entry point (bundled to dist/server.js; `unroll-lsp` and `unroll lsp` start it).
// Transport from argv: `--stdio` (the default when none is given), `--node-ipc` or `--socket=N`, as
// vscode-languageclient passes it.
import { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter, type Connection } from 'vscode-languageserver/node';
import { createHost } from './dataHost';
import { startServer } from './server';

const TRANSPORTS = ['--stdio', '--node-ipc', '--pipe'];
const viaStdio = process.argv.includes('--stdio') || !process.argv.slice(2).some((a) => TRANSPORTS.includes(a) || a.startsWith('--socket') || a.startsWith('--pipe'));

function stdioConnection(): Connection {
  const reader = new StreamMessageReader(process.stdin);
  // A frame the reader cannot parse (no Content-Length) leaves its buffer out of step with the stream: every
  // later message would be lost. Say why on stderr (editors show it in their LSP log) and exit.
  reader.onError((e) => {
    process.stderr.write(`unroll-lsp: cannot read the client's messages (${e.message.split('\n')[0]}); each LSP message needs a "Content-Length: N" header. Exiting.\n`);
    process.exit(1);
  });
  return createConnection(ProposedFeatures.all, reader, new StreamMessageWriter(process.stdout));
}

const connection = viaStdio ? stdioConnection() : createConnection(ProposedFeatures.all);

// Last line of defence: a bug anywhere must not end the process the editor depends on.
process.on('uncaughtException', (e) => connection.console.error(`[unroll] uncaught: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) => connection.console.error(`[unroll] unhandled rejection: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));

startServer(connection, { createHost });
