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
  // The editor is gone when stdin ends, whether or not a message was complete: never wait for more. (Exit
  // code 1: the spec's code for an exit without shutdown; after `exit` the server has already ended.)
  process.stdin.on('end', () => setTimeout(() => process.exit(1), 300)); // answers in flight go out first
  return createConnection(ProposedFeatures.all, reader, new StreamMessageWriter(process.stdout));
}

const connection = viaStdio ? stdioConnection() : createConnection(ProposedFeatures.all);

/** A failure of ours, logged to the client when the connection is up, else one line on stderr (no trace
 *  for the user: UNROLL_DEBUG=1 writes it). */
function report(what: string, e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  if (/Connection is (closed|disposed)/.test(err.message)) process.exit(1); // the editor went away
  try { connection.console.error(`[unroll] ${what}: ${err.stack ?? err.message}`); } catch {
    process.stderr.write(`unroll-lsp: ${what}: ${process.env.UNROLL_DEBUG === '1' ? err.stack : err.message}\n`);
  }
}

// Last line of defence: a bug anywhere must not end the process the editor depends on.
process.on('uncaughtException', (e) => report('uncaught', e));
process.on('unhandledRejection', (e) => report('unhandled rejection', e));

startServer(connection, { createHost });
