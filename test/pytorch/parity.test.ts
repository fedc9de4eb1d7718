// The PyTorch export does what the engine does: for every example, on the engine's initial weights and its
// first training batch, the generated model's forward outputs equal the engine's (every statement's tensor),
// and one training step (same dropout masks) gives the engine's loss and updated weights.
// Needs Debian's python3-torch (CI installs it); without it the test says so and skips.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { analyze } from '../../language/index';
import { createFsDataHost } from '../../language/data/index';
import { compileExperiment } from '../../engine/compile/index';
import { loadDataset, type Batch } from '../../engine/data/index';
import { pytorchFiles, writePytorch } from '../../engine/pytorch/index';
import { encodeCheckpoint } from '../../engine/runs/checkpoint';
import { randomFeeds } from '../../engine/runtime/random-feeds';
import { buildFeeds, DEFAULT_LR, initialState } from '../../engine/runtime/trainer';
import type { CachedSession } from '../../engine/runtime/session';
import { PYTHON, pyflakes, SKIP } from './python';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const work = mkdtempSync(join(tmpdir(), 'unroll-pytorch-'));
after(() => { if (!process.env.UNROLL_KEEP_PYTORCH) rmSync(work, { recursive: true, force: true }); });

/** Float32 copies of named tensors, in the checkpoint layout run_format.py reads. */
function save(file: string, tensors: Record<string, { dims: readonly number[]; data: ArrayLike<number> }>): void {
  const out: Record<string, { dims: number[]; data: Float32Array }> = {};
  for (const [k, t] of Object.entries(tensors)) out[k] = { dims: [...t.dims], data: Float32Array.from(t.data as ArrayLike<number>) };
  writeFileSync(file, Buffer.concat(encodeCheckpoint({ epoch: 0, step: 0, stepInEpoch: 0, tensors: out })));
}

async function session(bytes: Uint8Array, io: CachedSession['io']): Promise<CachedSession> {
  return { session: await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 }), io, key: '', createMs: 0 };
}

async function engineRun(file: string, folder = EXAMPLES): Promise<{ dir: string }> {
  const path = join(folder, file);
  const text = readFileSync(path, 'utf8');
  const host = createFsDataHost({ workspaceRoot: folder, maxSyncBytes: 1e9 });
  const a = analyze(text, { uri: pathToFileURL(path).href, path, host });
  const ds = await loadDataset(a.data!, { seed: a.train?.seed ?? 42, baseDir: folder });
  const model = compileExperiment(a, ds.dims);
  const seed = a.train?.seed ?? 42;
  const state = initialState(model, seed);
  const batch: Batch = ds.trainBatches(0)[Symbol.iterator]().next().value!;
  const dir = join(work, file.replace(/\.rnn$/, ''));
  const files = pytorchFiles(a, ds.dims);
  writePytorch(dir, files);

  const fwd = model.forward(batch.dims, { withLoss: true });
  const f = await session(fwd.bytes, fwd.io);
  const outs = await f.session.run(buildFeeds(f, batch, (n) => state.get(n), {}));
  const train = model.trainStep(batch.dims);
  const s = await session(train.bytes, train.io);
  const lr = a.train!.optimizer.params.lr ?? DEFAULT_LR[a.train!.optimizer.name];
  const rng = randomFeeds(train.io, seed, 1);
  const next = await s.session.run({ ...buildFeeds(s, batch, (n) => state.get(n), { lr, step: 1 }), ...rng });

  const weights: Record<string, { dims: readonly number[]; data: ArrayLike<number> }> = {};
  for (const [k, t] of state) if (k.startsWith('param/')) weights[k] = { dims: t.dims, data: t.data as Float32Array };
  save(join(dir, 'weights.bin'), weights);
  const data: Record<string, { dims: readonly number[]; data: ArrayLike<number> }> = {};
  for (const [k, t] of Object.entries(batch.tensors)) data[`batch/${k}`] = { dims: t.dims, data: t.data as ArrayLike<number> };
  if (batch.mask) data.mask = { dims: batch.mask.dims, data: batch.mask.data as ArrayLike<number> };
  for (const [k, t] of Object.entries(rng)) data[k] = { dims: t.dims, data: t.data as Float32Array };
  save(join(dir, 'batch.bin'), data);
  const expect: Record<string, { dims: readonly number[]; data: ArrayLike<number> }> = {};
  for (const [k, t] of Object.entries(outs)) if (t.type === 'float32') expect[`out/${k}`] = { dims: t.dims, data: t.data as Float32Array };
  expect.loss = { dims: [1], data: next.loss.data as Float32Array };
  for (const [k, t] of Object.entries(next)) if (k.startsWith('param/') && k.endsWith(':next')) expect[`next/${k.slice(6, -5)}`] = { dims: t.dims, data: t.data as Float32Array };
  save(join(dir, 'expect.bin'), expect);
  const ints = Object.entries(batch.tensors).filter(([, t]) => t.dtype === 'int32').map(([k]) => k);
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ className: files.className, ints }));
  return { dir };
}

interface Report { metrics: Record<string, [number[], number[]]>; forward: Record<string, { abs?: number; rel?: number; shape?: number[][] }>; next: Record<string, { abs?: number; rel?: number; shape?: number[][] }>; loss?: [number, number]; noise_left?: number }

/** Beyond the examples: gru and rnn states (one field), first() of front-padded rows, bidirectional grus. */
const EXTRA: Record<string, string> = {
  gru_first: `experiment gru_first
dims { embed = 16, hidden = 12 }
data classify "data/reviews.csv" { text = "text", label = "label", max_len = 30, batch = 20 }
model {
  input x: int[batch, time] < vocab
  input y: int[batch] < classes
  e = embedding(x, vocab, embed)
  h, s = gru(e, hidden, bidirectional = true)
  r, t = rnn(e, hidden, activation = relu)
  logits = dense(concat(concat(first(h), s.h), concat(t.h, mean(r, over = time))), classes)
}
train { loss = cross_entropy(logits, y), metrics = [accuracy] }
`,
};

describe('the PyTorch export computes what the engine computes', { skip: SKIP }, () => {
  const extra = mkdtempSync(join(tmpdir(), 'unroll-pytorch-extra-'));
  cpSync(join(EXAMPLES, 'data'), join(extra, 'data'), { recursive: true });
  for (const [name, text] of Object.entries(EXTRA)) writeFileSync(join(extra, `${name}.rnn`), text);
  after(() => rmSync(extra, { recursive: true, force: true }));
  const cases = [...readdirSync(EXAMPLES).filter((f) => f.endsWith('.rnn')).map((f) => [f, EXAMPLES]), ...Object.keys(EXTRA).map((n) => [`${n}.rnn`, extra])];
  for (const [file, folder] of cases) {
    it(`${file}: forward outputs within 1e-5, one step's loss and updated weights within 1e-4 relative (norm-wise, per tensor)`, async () => {
      const { dir } = await engineRun(file, folder);
      // The generated code passes pyflakes' error checks (undefined names, unused imports, ...).
      const flakes = pyflakes(['model.py', 'step.py', 'layers.py', 'run_format.py'].map((f) => join(dir, f)).filter((f) => existsSync(f)));
      if (flakes !== undefined) assert.equal(flakes, '', `${file}: pyflakes`);
      const r = spawnSync(PYTHON!, [join(__dirname, 'check_parity.py'), dir], { encoding: 'utf8' });
      assert.equal(r.status, 0, `check_parity.py failed:\n${r.stderr.slice(-3000)}`);
      const rep = JSON.parse(r.stdout.trim().split('\n').pop()!) as Report;
      assert.ok(Object.keys(rep.forward).length > 0, 'some forward output was compared');
      for (const [n, e] of Object.entries(rep.forward)) {
        assert.equal(e.shape, undefined, `${file}: ${n} has shape ${JSON.stringify(e.shape)}`);
        assert.ok(e.abs! <= 1e-5, `${file}: forward ${n} differs by ${e.abs}`);
      }
      for (const [k, [got, want]] of Object.entries(rep.metrics)) {
        assert.equal(got[1], want[1], `${file}: ${k} counts ${got[1]}, the engine ${want[1]}`);
        assert.ok(Math.abs(got[0] - want[0]) <= 1e-6 * Math.max(1, want[1]), `${file}: ${k} sums ${got[0]}, the engine ${want[0]}`);
      }
      assert.ok(rep.loss, `${file}: a training step ran`);
      assert.ok(Math.abs(rep.loss[0] - rep.loss[1]) <= 1e-4 * Math.max(1, Math.abs(rep.loss[1])), `${file}: loss ${rep.loss[0]} vs the engine's ${rep.loss[1]}`);
      assert.equal(rep.noise_left, 0, `${file}: every dropout mask the engine drew was used`);
      for (const [n, e] of Object.entries(rep.next)) {
        assert.equal(e.shape, undefined, `${file}: ${n} has shape ${JSON.stringify(e.shape)}`);
        assert.ok(e.rel! <= 1e-4, `${file}: updated ${n} differs by ${e.abs} (relative ${e.rel})`);
      }
    });
  }
});
