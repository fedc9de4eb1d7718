#!/usr/bin/env node
// The `unroll` command: runs the bundled CLI (built by `npm install` / `npm run build`).
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error('unroll: dist/cli.js is missing. Run `npm install` (or `npm run build`) in ' + path.dirname(__dirname) + ' first.');
  process.exit(2);
}
require(cli).cliMain();
