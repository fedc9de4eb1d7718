// Variable-length rows, side by side in one run: `unroll train` (the engine, batches grouped by
// length), the PyTorch export's train.py, and hand-written PyTorch (bench/varlen/reference.py:
// pack_padded_sequence, each batch padded to its longest row; then the same with batches sorted by length, as
// torchtext's BucketIterator makes them). The model is examples/sentiment.rnn's
// (embedding 400, LSTM 256 x 2, last, dense 1; batch 50, max_len 200) on generated reviews with a long-tailed
// length spread (bench/varlen/reviews.ts): `short` (median 14 words, some rows far past max_len) and `long`
// (median 120). Prints ms/step (median after the first two steps), each against the reference, and the LSTM
// work done per second on the rows' real tokens, and the mean step (a rare wide batch shows there); never
// asserts on time. Python programs need python3 with torch.
// Also: the compile cost of a full run of examples/sentiment.rnn (`sentiment`), and examples/spam.rnn (real email)
// against the same model hand-written (`spam`).
// Usage: node --import tsx bench/varlen.bench.ts [short|long|sentiment|spam ...] [--steps N] [--threads 1] [--skip engine,trainpy,reference,sorted]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { reviewsCsv } from './varlen/reviews';

const ROOT = path.join(__dirname, '..');
// Enough steps that each width's first run (ORT's and PyTorch's lazy allocations) is a small part of the median.
const SETS = { short: { rows: 2000, steps: 80 }, long: { rows: 1000, steps: 24 } } as const;
const MAX_LEN = 200, BATCH = 50, EMBED = 400, HIDDEN = 256;

const experiment = (csv: string) => `experiment varlen
dims { embed = ${EMBED}, hidden = ${HIDDEN} }
data classify "${csv}" { text = "text", label = "label", tokens = words, max_len = ${MAX_LEN}, batch = ${BATCH}, valid = 0.05 }
model {
  input x: int[batch, time] < vocab
  input y: int[batch] < classes
  e = embedding(x, vocab, embed)
  h, _ = lstm(e, hidden, layers = 2, dropout = 0.5)
  d = dropout(last(h), 0.5)
  p = dense(d, 1, activation = sigmoid)
}
train { loss = binary_cross_entropy(p, y), optimizer = adam(lr = 1e-3), clip = 5, epochs = 100 }
`;

/** ms: the median step; mean: every step's (a rare wide batch shows here, not in the median); wall: the whole command. */
interface Result { ms: number; mean: number; wall: number }

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): { out: string; wall: number } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}:\n${(r.stderr || r.stdout).slice(-2000)}`);
  return { out: r.stdout, wall: (performance.now() - t0) / 1000 };
}

/** Every step's ms in a run folder's metrics.jsonl. */
function stepTimes(runDir: string): number[] {
  return fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((m) => m.kind === 'step').map((m) => m.ms as number);
}

/** The median leaves out the first two steps (ORT's and PyTorch's lazy allocations); the mean keeps every step. */
function figures(ms: number[], wall: number): Result {
  return { ms: median(ms.slice(2).length ? ms.slice(2) : ms), mean: ms.reduce((a, b) => a + b, 0) / ms.length, wall };
}

/** The first Python that imports torch (a pyenv shim may stand before Debian's python3-torch). */
const PYTHON = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);

const lastLine = (s: string) => s.trim().split('\n').pop()!.trim();
const threadsEnv = (t: number) => ({ OMP_NUM_THREADS: String(t), MKL_NUM_THREADS: String(t) });

function engine(dir: string, file: string, steps: number, threads: number): Result {
  const r = run(process.execPath, [path.join(ROOT, 'bin/unroll.js'), 'train', file, '--steps', String(steps), '--threads', String(threads)], dir);
  return figures(stepTimes(lastLine(r.out)), r.wall);
}

function trainPy(dir: string, file: string, steps: number, threads: number): Result {
  const out = path.join(dir, `export-${path.basename(file, '.rnn')}`);
  run(process.execPath, [path.join(ROOT, 'bin/unroll.js'), 'export', file, out, '--format', 'pytorch', '--force'], dir);
  const r = run(PYTHON!, [path.join(out, 'train.py'), '--steps', String(steps), '--runs', path.join(dir, '.unroll', 'runs')], dir, threadsEnv(threads));
  return figures(stepTimes(lastLine(r.out)), r.wall);
}

function reference(dir: string, csv: string, steps: number, threads: number, sorted = false): Result {
  const r = run(PYTHON!, [path.join(ROOT, 'bench/varlen/reference.py'), csv, '--steps', String(steps), '--max-len', String(MAX_LEN), '--batch', String(BATCH), ...(sorted ? ['--sorted'] : [])], dir, threadsEnv(threads));
  return figures(JSON.parse(lastLine(r.out)).ms, r.wall);
}

/** LSTM FLOPs of one training step on `tokens` real tokens: 2 per multiply-add, forward 4H(in + H) per layer, backward twice that. */
function gflop(tokens: number): number {
  const perToken = 2 * 4 * HIDDEN * (EMBED + HIDDEN) + 2 * 4 * HIDDEN * (HIDDEN + HIDDEN);
  return (3 * perToken * tokens) / 1e9;
}

function lengths(csv: string): { median: number; p95: number; longest: number; meanCapped: number; over: number } {
  const lens = fs.readFileSync(csv, 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.slice(0, l.lastIndexOf(',')).split(' ').length).sort((a, b) => a - b);
  const at = (q: number) => lens[Math.min(lens.length - 1, Math.ceil(q * lens.length) - 1)];
  return { median: at(0.5), p95: at(0.95), longest: lens[lens.length - 1], meanCapped: lens.reduce((a, n) => a + Math.min(n, MAX_LEN), 0) / lens.length, over: lens.filter((n) => n > MAX_LEN).length / lens.length };
}

/** The compile cost of a full run of examples/sentiment.rnn as shipped: its graphs (one per batch shape) against the whole command. */
function sentimentCompile(dir: string, threads: number): void {
  const work = path.join(dir, 'sentiment');
  fs.mkdirSync(path.join(work, '.unroll'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'examples'), path.join(work, 'examples'), { recursive: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/unroll.js'), 'train', 'examples/sentiment.rnn', '--threads', String(threads)], { cwd: work, encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  const c = r.stderr.match(/compiled (\d+) graphs .* in ([\d.]+) s/);
  const acc = [...r.stderr.matchAll(/epoch \d+\/\d+ done .*valid accuracy ([\d.]+)/g)].pop();
  console.log(`\nexamples/sentiment.rnn, a full run: ${wall.toFixed(1)} s; ${c ? `${c[1]} graphs compiled in ${c[2]} s (${((100 * Number(c[2])) / wall).toFixed(0)}% of the run)` : 'no compile line'}; valid accuracy ${acc?.[1] ?? '?'}`);
}

/** examples/spam.rnn (real email, 16% longer than its max_len 400) as shipped, against the same model in hand-written PyTorch. */
function spam(dir: string, steps: number, threads: number, skip: Set<string>): void {
  const work = path.join(dir, 'spam');
  fs.mkdirSync(path.join(work, '.unroll'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'examples'), path.join(work, 'examples'), { recursive: true });
  const csv = path.join(work, 'examples/data/spam.csv');
  if (!fs.existsSync(csv)) { console.log('\nspam: examples/data/spam.csv is missing (npm install prepares it)'); return; }
  console.log(`\nspam (examples/spam.rnn: embedding 64, LSTM 64, batch 32, max_len 400), ${steps} steps each`);
  const ref = skip.has('reference') ? undefined : figures(JSON.parse(lastLine(run(PYTHON!, [path.join(ROOT, 'bench/varlen/reference.py'), csv, '--steps', String(steps), '--max-len', '400', '--batch', '32', '--model', '64,64,1,0'], work, threadsEnv(threads)).out)).ms, 0);
  const eng = skip.has('engine') ? undefined : engine(work, 'examples/spam.rnn', steps, threads);
  for (const [what, r] of [['hand-written PyTorch (pack_padded_sequence)', ref], ['unroll train', eng]] as const) {
    if (r) console.log(`  ${what.padEnd(47)} ${r.ms.toFixed(0).padStart(6)} ms/step${ref ? ` (${(r.ms / ref.ms).toFixed(2)}x)` : ''}  mean ${r.mean.toFixed(0)}${ref ? ` (${(r.mean / ref.mean).toFixed(2)}x)` : ''}`);
  }
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (k: string) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : undefined; };
  const valued = new Set(['--steps', '--threads', '--skip'].map((k) => args.indexOf(k) + 1).filter((i) => i > 0));
  const names = args.filter((a, i) => !a.startsWith('--') && !valued.has(i));
  const threads = Number(opt('--threads') ?? 1);
  const skip = new Set((opt('--skip') ?? '').split(',').filter(Boolean));
  const torch = spawnSync(PYTHON ?? 'python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (!PYTHON) { console.log('python3 with torch is not installed: only the engine runs'); skip.add('trainpy'); skip.add('reference'); }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-varlen-'));
  fs.mkdirSync(path.join(dir, '.unroll'));
  console.log(`variable-length rows: sentiment model, batch ${BATCH}, max_len ${MAX_LEN}, ${threads} thread(s), ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}; torch ${torch.stdout.trim() || '-'}`);
  try {
    const wanted = names.length ? names : ([...Object.keys(SETS), 'sentiment', 'spam'] as string[]);
    if (wanted.includes('sentiment')) sentimentCompile(dir, threads);
    if (wanted.includes('spam')) spam(dir, Number(opt('--steps') ?? 120), threads, skip);
    for (const name of wanted.filter((n): n is keyof typeof SETS => n in SETS)) {
      const set = SETS[name];
      const steps = Number(opt('--steps') ?? set.steps);
      const csv = path.join(dir, `${name}.csv`);
      fs.writeFileSync(csv, reviewsCsv(name, set.rows));
      const file = path.join(dir, `${name}.rnn`);
      fs.writeFileSync(file, experiment(path.basename(csv)));
      const l = lengths(csv);
      const tokens = l.meanCapped * BATCH;
      console.log(`\n${name}: ${set.rows} rows, words per row median ${l.median}, 95th percentile ${l.p95}, longest ${l.longest}; ${(100 * l.over).toFixed(1)}% longer than max_len; ${steps} steps each`);
      const results: [string, Result | undefined][] = [
        ['hand-written PyTorch (pack_padded_sequence)', skip.has('reference') ? undefined : reference(dir, csv, steps, threads)],
        ['  the same, batches sorted by length (torchtext)', skip.has('reference') || skip.has('sorted') ? undefined : reference(dir, csv, steps, threads, true)],
        ['unroll train', skip.has('engine') ? undefined : engine(dir, file, steps, threads)],
        ['the PyTorch export\'s train.py', skip.has('trainpy') ? undefined : trainPy(dir, file, steps, threads)],
      ];
      const ref = results[0][1]?.ms, refMean = results[0][1]?.mean;
      for (const [what, r] of results) {
        if (!r) continue;
        const vs = ref ? ` (${(r.ms / ref).toFixed(2)}x)` : '';
        const mean = refMean ? ` (${(r.mean / refMean).toFixed(2)}x)` : '';
        console.log(`  ${what.padEnd(47)} ${r.ms.toFixed(0).padStart(6)} ms/step${vs.padEnd(9)} mean ${r.mean.toFixed(0).padStart(6)}${mean.padEnd(9)} ${(gflop(tokens) / (r.ms / 1000)).toFixed(1).padStart(5)} GFLOP/s of real-token LSTM work (median step); whole command ${r.wall.toFixed(1)} s`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
