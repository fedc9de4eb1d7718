// Greedy word accuracy and phoneme error rate of a trained pronounce run on its held-out words (the data
// block's valid split), decoding each word as `unroll predict` does. Compare with torch_pronounce.py.
// Usage: node --import tsx bench/pronounce/eval.ts [RUN (default pronounce)] [--root examples]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { split } from '../../engine/data/tables';
import { predict } from '../../engine/runtime/predict';
import { loadRun } from '../../engine/runtime/run-loader';

function editDistance(a: string[], b: string[]): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) { const t = d[j]; d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1)); prev = t; }
  }
  return d[b.length];
}

async function main() {
  const args = process.argv.slice(2);
  const ri = args.indexOf('--root');
  const root = ri >= 0 ? args[ri + 1] : join(__dirname, '..', '..', 'examples');
  const ref = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--root') ?? 'pronounce';
  const run = await loadRun(ref, root);
  const rows = readFileSync(join(__dirname, '..', '..', 'examples', 'data', 'cmudict.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const seed = run.analysis.train?.seed ?? 0;
  const { valid } = split(rows.length, 0.1, seed);
  const t0 = Date.now();
  let right = 0, errs = 0, n = 0;
  for (const i of valid) {
    const [spelling, phonemes] = rows[i];
    const hyp = String((await predict(run, { run: ref, input: spelling })).output).split(' ').filter(Boolean);
    const want = phonemes.split(' ');
    if (hyp.join(' ') === want.join(' ')) right++;
    errs += editDistance(hyp, want);
    n += want.length;
  }
  console.log(`engine run ${run.runId} (${run.analysis.experiment}), ${valid.length} held-out words, greedy: word accuracy ${(right / valid.length).toFixed(4)}, phoneme error rate ${(errs / n).toFixed(4)} [${((Date.now() - t0) / 1000).toFixed(0)} s]`);
}

main().catch((e) => { console.error(e); process.exit(1); });
