#!/usr/bin/env node
// Reproduces the quality figures of workloads.md with the project's own CLI, on the examples as committed:
//   arithmetic  validation exact match after 100 epochs       (PyTorch: 0.996-1.000)
//   sine        training MSE at step 75, seeds 1..3            (PyTorch: 0.0003-0.0004)
//   char_lm     validation bits/char at each epoch line and at step 3,000 (PyTorch: 2.27 at 3,000)
// Usage: node scripts/quality.mjs [arithmetic] [sine] [char_lm] [--threads N]   (default: all; char_lm takes
// about 11 minutes on one core of a 2-core EPYC). Runs go to a temporary folder; figures print as they come.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const ti = args.indexOf('--threads');
const threads = ti >= 0 ? args[ti + 1] : '1';
const wanted = args.filter((a, i) => !a.startsWith('--') && (ti < 0 || i !== ti + 1));
const all = ['arithmetic', 'sine', 'char_lm'];
const bad = wanted.filter((w) => !all.includes(w));
if (bad.length) { console.error(`unknown workload ${bad.join(', ')}; choose from ${all.join(', ')}`); process.exit(2); }
const selected = wanted.length ? wanted : all;

const work = mkdtempSync(join(tmpdir(), 'unroll-quality-'));
cpSync(join(ROOT, 'examples'), join(work, 'examples'), { recursive: true });

/** Trains one experiment with the CLI; returns its metrics.jsonl lines. */
function train(file) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/unroll.js'), 'train', file, '--threads', threads, '--root', work], { cwd: work, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) { console.error(r.stderr.split('\n').slice(-20).join('\n')); throw new Error(`unroll train ${file} exited ${r.status}`); }
  const runDir = r.stdout.trim().split('\n').at(-1);
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}
const setKey = (file, block, line) => {
  const p = join(work, file);
  writeFileSync(p, readFileSync(p, 'utf8').replace(new RegExp(`(${block} \\{\\n)`), `$1  ${line}\n`));
};
const t0 = Date.now();
const when = () => `[${((Date.now() - t0) / 1000).toFixed(0)} s]`;
console.log(`quality figures, --threads ${threads}, runs in ${work}`);

if (selected.includes('arithmetic')) {
  const lines = train('examples/arithmetic.rnn').filter((m) => m.kind === 'epoch');
  for (const e of [10, 25, 50, 100]) {
    const m = lines.find((l) => l.epoch === e);
    if (m) console.log(`arithmetic epoch ${e}: valid exact_match ${m.valid?.exact_match?.toFixed(4)} ${when()}`);
  }
}
if (selected.includes('sine')) {
  const base = readFileSync(join(work, 'examples/sine.rnn'), 'utf8');
  for (const seed of [1, 2, 3]) {
    writeFileSync(join(work, 'examples/sine.rnn'), base);
    setKey('examples/sine.rnn', 'train', `seed = ${seed}`);
    const steps = train('examples/sine.rnn').filter((m) => m.kind === 'step');
    const at = (s) => steps.find((m) => m.step === s)?.loss.toFixed(4);
    console.log(`sine seed ${seed}: MSE at steps 1, 25, 50, 75: ${at(1)}, ${at(25)}, ${at(50)}, ${at(75)} ${when()}`);
  }
}
if (selected.includes('char_lm')) {
  const lines = train('examples/char_lm.rnn').filter((m) => m.kind === 'epoch');
  for (const m of lines) {
    console.log(`char_lm step ${m.step}: valid ${(m.validLoss / Math.LN2).toFixed(3)} bits/char (${m.validLoss.toFixed(3)} nats, perplexity ${Math.exp(m.validLoss).toFixed(2)}) ${when()}`);
  }
}
