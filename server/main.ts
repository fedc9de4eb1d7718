// The language server's entry point (bundled to dist/server.js). Transport from argv: `--stdio`,
// `--node-ipc` or `--socket=N`, as vscode-languageclient passes it.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { createHost } from './dataHost';
import { startServer } from './server';

const connection = createConnection(ProposedFeatures.all);

// Last line of defence: a bug anywhere must not end the process the editor depends on.
process.on('uncaughtException', (e) => connection.console.error(`[unroll] uncaught: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) => connection.console.error(`[unroll] unhandled rejection: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));

startServer(connection, { createHost });
