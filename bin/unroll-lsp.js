#!/usr/bin/env node
// `unroll-lsp` (and `unroll lsp`): the Unroll language server over stdio, for any LSP editor (Neovim, Emacs,
// Helix, Zed, Sublime). Runs the bundled server built by `npm install` / `npm run build`.
const path = require('node:path');
const fs = require('node:fs');

function startLsp(args) {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`usage: unroll-lsp [--stdio]   (also: unroll lsp [--stdio])

The Unroll language server for .rnn files. It speaks LSP over stdin/stdout; point your editor's LSP
client at this command (configurations for Neovim, Emacs, Helix, Zed and Sublime: README, "Other editors").
Settings arrive in initializationOptions or workspace/configuration, section "unroll".
`);
    return;
  }
  const server = path.join(__dirname, '..', 'dist', 'server.js');
  if (!fs.existsSync(server)) {
    process.stderr.write(`unroll-lsp: dist/server.js is missing. Run \`npm install\` (or \`npm run build\`) in ${path.dirname(__dirname)} first.\n`);
    process.exit(2);
  }
  require(server);
}

module.exports = { startLsp };
if (require.main === module) startLsp(process.argv.slice(2));
