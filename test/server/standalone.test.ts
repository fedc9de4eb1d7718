// The server as a command for any editor: `unroll-lsp` (as npm links it: the file run through its shebang)
// and `unroll lsp` answer initialize over stdio with the Node flags the VS Code client uses, and exit when
// the editor closes their stdin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_NODE_ARGS } from '../../server/protocol';
import { buildServer } from './lsp';

const ROOT = join(__dirname, '..', '..');

/** Sends initialize, waits for its answer, closes stdin, and reports the answer and the exit code. */
async function initializeAndClose(cmd: string, args: string[]): Promise<{ name?: string; code: number | null; stderr: string }> {
  const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '', err = '';
  p.stdout.on('data', (d) => { out += String(d); });
  p.stderr.on('data', (d) => { err += String(d); });
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
  p.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const deadline = Date.now() + 15000;
  while (!out.includes('serverInfo') && Date.now() < deadline && p.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  const name = /"serverInfo":\{"name":"([^"]+)"/.exec(out)?.[1];
  p.stdin.end();
  const code = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => { p.kill('SIGKILL'); resolve(null); }, 5000);
    p.on('exit', (c) => { clearTimeout(t); resolve(c); });
  });
  return { name, code, stderr: err };
}

test('unroll-lsp, run through its shebang, answers initialize and exits when stdin closes', async () => {
  await buildServer();
  const r = await initializeAndClose(join(ROOT, 'bin', 'unroll-lsp.js'), []);
  assert.equal(r.name, 'unroll-language-server', r.stderr);
  assert.notEqual(r.code, null, 'exited after stdin closed');
});

test('unroll lsp --stdio does the same', async () => {
  await buildServer();
  const r = await initializeAndClose(process.execPath, [join(ROOT, 'bin', 'unroll.js'), 'lsp', '--stdio']);
  assert.equal(r.name, 'unroll-language-server', r.stderr);
  assert.notEqual(r.code, null, 'exited after stdin closed');
});

test('unroll-lsp starts Node with the same flags as the VS Code client', () => {
  const shebang = readFileSync(join(ROOT, 'bin', 'unroll-lsp.js'), 'utf8').split('\n')[0];
  assert.equal(shebang, `#!/usr/bin/env -S node ${SERVER_NODE_ARGS.join(' ')}`);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(pkg.bin['unroll-lsp'], 'bin/unroll-lsp.js');
});

test('unroll-lsp --version prints the version; an unknown option is refused with the usage', () => {
  const v = spawnSync(process.execPath, [join(ROOT, 'bin', 'unroll-lsp.js'), '--version'], { encoding: 'utf8' });
  assert.equal(v.status, 0);
  assert.equal(v.stdout.trim(), JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  const bad = spawnSync(process.execPath, [join(ROOT, 'bin', 'unroll-lsp.js'), '--bogus'], { encoding: 'utf8', timeout: 5000 });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option --bogus; it takes --stdio/);
});
