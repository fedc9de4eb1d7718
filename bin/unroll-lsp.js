#!/usr/bin/env -S node --max-semi-space-size=64
// `unroll-lsp` (and `unroll lsp`): the Unroll language server over stdio, for any LSP editor (Neovim, Emacs,
// Helix, Zed, Sublime). Runs the bundled server built by `npm install` / `npm run build`, with the Node flags
// the VS Code extension starts it with (server/protocol.ts SERVER_NODE_ARGS: a larger young generation, which
// halves the diagnostics p95 on a 2,000-line file for about 100 MB more memory; bench/lsp.bench.ts).
const path = require('node:path');
const fs = require('node:fs');

function startLsp(args) {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`usage: unroll-lsp [--stdio | --version | --help]   (also: unroll lsp ...)

The Unroll language server for .rnn files. It speaks LSP over stdin/stdout; point your editor's LSP
client at this command (configurations for Neovim, Emacs, Helix, Zed and Sublime: README, "Other editors").
Settings arrive in initializationOptions or workspace/configuration, section "unroll".
`);
    return;
  }
  if (args.includes('--version') || args.includes('-v')) {
    process.stdout.write(`${require('../package.json').version}\n`);
    return;
  }
  const unknown = args.filter((a) => a !== '--stdio' && !a.startsWith('--clientProcessId'));
  if (unknown.length) {
    process.stderr.write(`unroll-lsp: unknown option ${unknown[0]}; it takes --stdio (the default), --version or --help\n`);
    process.exit(2);
  }
  // Started by hand in a terminal, it would look like a hang: say what it is waiting for.
  if (process.stdin.isTTY) process.stderr.write('unroll-lsp: the Unroll language server, waiting for an LSP client on stdin (Ctrl-D to quit; --help for editor setup)\n');
  const server = path.join(__dirname, '..', 'dist', 'server.js');
  if (!fs.existsSync(server)) {
    process.stderr.write(`unroll-lsp: dist/server.js is missing. Run \`npm install\` (or \`npm run build\`) in ${path.dirname(__dirname)} first.\n`);
    process.exit(2);
  }
  if (process.execArgv.some((a) => a.startsWith('--max-semi-space-size'))) { require(server); return; }
  // Started without the flags (`unroll lsp`, or `node bin/unroll-lsp.js`): run the server in a child that has
  // them, on this process's stdin and stdout, and exit as it does.
  const { spawn } = require('node:child_process');
  const flags = fs.readFileSync(__filename, 'utf8').split('\n')[0].split(' ').slice(3); // the shebang's
  const child = spawn(process.execPath, [...flags, server, ...args], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

module.exports = { startLsp };
if (require.main === module) startLsp(process.argv.slice(2));
