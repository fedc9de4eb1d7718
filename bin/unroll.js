#!/usr/bin/env node
// The `unroll` command: runs the bundled CLI (built by `npm install` / `npm run build`).
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error('unroll: dist/cli.js is missing. Run `npm install` (or `npm run build`) in ' + path.dirname(__dirname) + ' first.');
  process.exit(2);
}

// onnxruntime-node crashes (SIGSEGV) when it loads in a worker thread of a process whose command line is
// longer than about 14 KB (a long review to predict, a long --prime). Such a command runs in a child with a
// short command line instead, its arguments sent over IPC. The child leads its own process group, so a
// terminal's Ctrl-C reaches it once, forwarded from here, and its exit (code or signal) becomes ours.
const LONG_COMMAND_LINE = 8 * 1024;
const args = process.argv.slice(2);
if (args[0] === 'lsp') {
  require('./unroll-lsp.js').startLsp(args.slice(1));
} else if (process.env.UNROLL_ARGS_VIA_IPC === '1') {
  delete process.env.UNROLL_ARGS_VIA_IPC;
  process.once('message', (argv) => {
    process.disconnect();
    require(cli).cliMain(argv);
  });
} else if (args.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0) > LONG_COMMAND_LINE) {
  const { spawn } = require('node:child_process');
  const child = spawn(process.execPath, [...process.execArgv, __filename], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'], env: { ...process.env, UNROLL_ARGS_VIA_IPC: '1' }, detached: true,
  });
  child.send(args);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  require(cli).cliMain();
}
