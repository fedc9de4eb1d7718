#!/usr/bin/env node
// Runs test/electron/suite.ts inside a real desktop VS Code downloaded by @vscode/test-electron (needs
// network access to update.code.visualstudio.com, so it is not part of `npm test`; the code-server e2e in
// test/e2e/ covers the same ground where only npm and apt are reachable).
// usage: npm run test:electron   (VSCODE_VERSION=1.91.0 to pin; default: stable)
// On a headless Linux machine run it under xvfb-run.
import { runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
for (const b of ['dist/client.js', 'dist/server.js']) {
  if (!existsSync(join(ROOT, b))) { console.error(`${b} is missing: run \`npm run build\` first.`); process.exit(1); }
}
// The suite runs in the extension host, which loads CommonJS: bundle it with `vscode` external.
const suite = join(ROOT, 'out/electron/suite.js');
await esbuild.build({ entryPoints: [join(ROOT, 'test/electron/suite.ts')], outfile: suite, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'warning' });

// A private workspace with an example that checks clean and a copy with a typo.
const ws = mkdtempSync(join(tmpdir(), 'unroll-electron-ws-'));
const example = join(ROOT, 'test/e2e/fixtures/smoke.rnn');
cpSync(example, join(ws, 'smoke.rnn'));
writeFileSync(join(ws, 'broken.rnn'), readFileSync(example, 'utf8').replace('lstm(e, 64)', 'lstmx(e, 64)'));

try {
  await runTests({
    version: process.env.VSCODE_VERSION ?? 'stable',
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: suite,
    launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  });
} catch (e) {
  console.error(`electron tests failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
