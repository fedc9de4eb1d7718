// Runs every *.test.ts under test/ (except the e2e suite, and the WebGPU suite, which has its own script:
// npm run test:webgpu) with node's test runner, TypeScript via tsx.
// Usage: node test/run.mjs [folder-or-file ...]   e.g. node test/run.mjs test/language
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(p, out) {
  if (statSync(p).isDirectory()) {
    for (const name of readdirSync(p).sort()) {
      if (name === 'fixtures' || name === 'e2e' || name === 'node_modules' || (name === 'webgpu' && !explicit)) continue;
      collect(join(p, name), out);
    }
  } else if (p.endsWith('.test.ts')) out.push(p);
  return out;
}
const roots = process.argv.slice(2);
const explicit = roots.length > 0;
const files = (roots.length ? roots : ['test']).flatMap((r) => collect(r, []));
if (files.length === 0) { console.error('no test files found'); process.exit(1); }
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
