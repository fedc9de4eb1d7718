// Runs the benchmarks: every bench/*.bench.ts, or the ones named. Each runs in its own Node process (one
// after another, so they do not compete for the CPU); arguments after `--` go to each selected bench.
// Usage: npm run bench [-- NAME ...] [-- -- ARGS ...]
//        node --import tsx bench/run.ts lsp -- --runs 100
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = __dirname;
const available = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).map((f) => f.slice(0, -'.bench.ts'.length)).sort();
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const names = (dash >= 0 ? argv.slice(0, dash) : argv).map((n) => n.replace(/^bench\//, '').replace(/\.bench\.ts$/, ''));
const passThrough = dash >= 0 ? argv.slice(dash + 1) : [];

const unknown = names.filter((n) => !available.includes(n));
if (unknown.length) {
  console.error(`unknown bench ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
const selected = names.length ? names : available;
let failed = 0;
for (const name of selected) {
  console.log(`\n=== bench/${name}.bench.ts ${passThrough.join(' ')}`.trimEnd());
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, `${name}.bench.ts`), ...passThrough], { stdio: 'inherit' });
  if (r.status !== 0) { failed++; console.error(`bench/${name}.bench.ts exited with ${r.status ?? r.signal}`); }
}
process.exit(failed ? 1 : 0);
