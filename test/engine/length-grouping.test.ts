// Batches grouped by length (engine/data/lengths.ts): a classifier's and an encoder-decoder's batches are as
// wide as their rows need, not max_len, and that changes nothing but the time spent: one training step on a
// batch at its own width gives the same loss and the same updated weights as the same rows padded to the caps.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../language/index';
import { compileExperiment } from '../../engine/compile/index';
import { loadDataset, type Batch, type Dataset, type HostTensor } from '../../engine/data/index';
import { lengthPlan, quantileWidths } from '../../engine/data/lengths';
import { epochRng } from '../../engine/data/batches';
import { readLatestCheckpoint } from '../../engine/runs/checkpoint';
import { train } from '../../engine/runtime/trainer';
import { checkGrouping } from '../../engine/runtime/grouping';

const WORDS = ['good', 'bad', 'film', 'plot', 'slow', 'fun', 'dull', 'great', 'actor', 'scene'];

/** Rows of 1..maxWords words (a few far longer than max_len), labels from the words. */
function reviews(n: number, seed: number): string {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const rows = ['text,label'];
  for (let i = 0; i < n; i++) {
    const len = i % 17 === 0 ? 70 + Math.floor(rnd() * 30) : 1 + Math.floor(rnd() * rnd() * 30);
    const words = Array.from({ length: len }, () => WORDS[Math.floor(rnd() * WORDS.length)]);
    rows.push(`${words.join(' ')},${words.filter((w) => w === 'good' || w === 'great').length > len / 5 ? 'pos' : 'neg'}`);
  }
  return rows.join('\n') + '\n';
}

function pairs(n: number): string {
  const rows = ['source,target'];
  for (let i = 0; i < n; i++) {
    const len = 1 + ((i * 7) % 11);
    const src = Array.from({ length: len }, (_, k) => 'abcdefgh'[(i + k * 3) % 8]).join('');
    rows.push(`${src},${[...src].reverse().join('').slice(0, 1 + (i % 9))}`);
  }
  return rows.join('\n') + '\n';
}

async function setup(text: string, csv: string) {
  const dir = mkdtempSync(join(tmpdir(), 'unroll-lengths-'));
  writeFileSync(join(dir, 'data.csv'), csv);
  const file = join(dir, 'e.rnn');
  const a = analyze(text, { uri: `file://${file}`, path: file });
  assert.deepEqual(a.diagnostics.filter((d) => d.severity === 1).map((d) => d.message), []);
  const dataset = await loadDataset(a.data!, { seed: 7, baseDir: dir });
  const model = compileExperiment(a, dataset.dims);
  return { a, dataset, model, dir };
}

/** The same rows padded out to `to` along each padded tensor's dimension: front for x and its mask, back for the target. */
function widen(b: Batch, to: Record<string, number>, pad: number): Batch {
  const grow = (t: HostTensor, W: number, front: boolean, fill: number): HostTensor => {
    const [B, w] = t.dims;
    const data = t.dtype === 'int32' ? new Int32Array(B * W).fill(fill) : new Float32Array(B * W).fill(fill);
    for (let r = 0; r < B; r++) data.set(t.data.subarray(r * w, (r + 1) * w), r * W + (front ? W - w : 0));
    return { dtype: t.dtype, dims: [B, W], data };
  };
  const xDim = 'src' in to ? 'src' : 'time';
  const tensors: Record<string, HostTensor> = { ...b.tensors, x: grow(b.tensors.x, to[xDim], true, pad) };
  if ('tgt' in to) for (const k of ['y', 'y_in']) tensors[k] = grow(b.tensors[k], to.tgt, false, pad);
  if ('tgt' in to) tensors['mask/tgt'] = grow(b.tensors['mask/tgt'], to.tgt, false, 0);
  const mask = grow(b.mask!, to[xDim], true, 0);
  return { ...b, tensors, mask, dims: { ...b.dims, ...to } };
}

/** One training step on one batch from the run's initial weights: the loss and every weight after it. */
async function oneStep(model: ReturnType<typeof compileExperiment>, dataset: Dataset, batch: Batch, lossFn: string) {
  const runDir = mkdtempSync(join(tmpdir(), 'unroll-step-'));
  const losses: number[] = [];
  const one: Dataset = { ...dataset, trainSize: 1, validSize: 0, *trainBatches() { yield batch; }, *validBatches() {} };
  await train({
    runId: 't', runDir, model, dataset: one, device: 'cpu', threads: 1, seed: 3, epochs: 1, steps: 1,
    optimizer: { name: 'adam', params: { lr: 0.01 } }, lossFn, metrics: [], shouldStop: () => false,
    events: { metrics: (m) => { if (m.kind === 'step') losses.push(m.loss); }, checkpoint: () => {}, log: () => {} },
  });
  return { loss: losses[0], tensors: readLatestCheckpoint(runDir)!.state.tensors };
}

function assertSameStep(a: Awaited<ReturnType<typeof oneStep>>, b: Awaited<ReturnType<typeof oneStep>>): void {
  assert.ok(Math.abs(a.loss - b.loss) < 1e-5, `loss ${a.loss} at its own width, ${b.loss} padded`);
  for (const [name, t] of Object.entries(a.tensors)) {
    if (!name.startsWith('param/')) continue;
    const u = b.tensors[name].data;
    let worst = 0;
    t.data.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - u[i])); });
    assert.ok(worst < 1e-5, `${name} differs by ${worst} after the step`);
  }
}

const classifier = (cell: string, pool: string) => `experiment c
data classify "data.csv" { max_len = 60, batch = 8, valid = 0.2 }
model {
  input x: int[batch, time] < vocab
  input y: int[batch] < classes
  e = embedding(x, vocab, 6)
  h, _ = ${cell}
  p = dense(${pool}, 1, activation = sigmoid)
}
train { loss = binary_cross_entropy(p, y), optimizer = adam(lr = 0.01), clip = 5 }
`;

describe('batches grouped by length', () => {
  it('widths are the length quantiles and always include the longest row', () => {
    assert.deepEqual(quantileWidths([1, 2, 3, 4, 5, 6, 7, 8], 4, 8), [2, 4, 6, 8]);
    assert.deepEqual(quantileWidths([3, 3, 3, 3], 4, 9), [3, 9]);
  });

  it('an epoch trains the rows it trained before, each batch as wide as its longest row needs, the widths mixed, the same under the seed', () => {
    const lens = Array.from({ length: 400 }, (_, i) => 1 + ((i * 37) % 90));
    const rows = Array.from({ length: 400 }, (_, i) => i);
    const plan = lengthPlan({ time: lens }, { time: 100 }, rows.slice(0, 360), rows, 20);
    const order = rows.slice(0, 360);
    const grouped = plan.train(order.slice(), epochRng(1, 1));
    const again = plan.train(order.slice(), epochRng(1, 1));
    assert.deepEqual(grouped, again);
    assert.deepEqual(grouped.flatMap((b) => b.idx).sort((a, b) => a - b), order.slice().sort((a, b) => a - b));
    for (const b of grouped) {
      assert.ok(plan.widths.time.includes(b.dims.time));
      assert.ok(b.idx.every((i) => lens[i] <= b.dims.time), 'a row longer than its batch would be cut');
    }
    const widths = grouped.map((b) => b.dims.time);
    assert.ok(new Set(widths).size >= 4, `widths ${widths}`);
    assert.notDeepEqual(widths, [...widths].sort((a, b) => a - b), 'batches are shuffled across widths');
    const p = plan.padding(grouped);
    assert.ok(p.grouped < 0.15 && p.full > 0.4, `padding ${JSON.stringify(p)}`);
    plan.grouped = false;
    assert.ok(plan.train(order.slice(), epochRng(1, 1)).every((b) => b.dims.time === 100));
  });

  for (const [what, cell, pool] of [
    ['a 2-layer LSTM read at its last step', 'lstm(e, 5, layers = 2)', 'last(h)'],
    ['a bidirectional GRU averaged over time', 'gru(e, 5, bidirectional = true)', 'mean(h, time)'],
    ['an RNN max-pooled over time', 'rnn(e, 5)', 'max(h, time)'],
  ] as const) {
    it(`classify, ${what}: one step at the batch's own width equals the step padded to max_len`, async () => {
      const { dataset, model } = await setup(classifier(cell, pool), reviews(160, 5));
      assert.equal(checkGrouping(dataset, model), undefined);
      const batch = [...dataset.trainBatches(1)].find((b) => b.dims.time < 30)!;
      assert.ok(batch, 'some batch is narrower than max_len');
      const own = await oneStep(model, dataset, batch, 'binary_cross_entropy');
      const padded = await oneStep(model, dataset, widen(batch, { time: 60 }, dataset.vocab!.pad ?? 0), 'binary_cross_entropy');
      assertSameStep(own, padded);
    });
  }

  it('pairs with attention: one step at the batch\'s own source and target widths equals the step at the longest source and target', async () => {
    const { dataset, model } = await setup(`experiment p
data pairs "data.csv" { batch = 6, valid = 0.1 }
model {
  input x: int[batch, src] < vocab
  input y_in: int[batch, tgt] < vocab
  input y: int[batch, tgt] < vocab
  enc, s = lstm(embedding(x, vocab, 5), 6)
  dec, _ = lstm(embedding(y_in, vocab, 5), 6, init = s)
  c, w = attention(dec, enc, score = general)
  logits = dense(concat(c, dec), vocab)
}
train { loss = cross_entropy(logits, y), optimizer = adam(lr = 0.01) }
`, pairs(120));
    const { src, tgt } = dataset.dims;
    const batch = [...dataset.trainBatches(1)].find((b) => b.dims.src < src && b.dims.tgt < tgt)!;
    assert.ok(batch, 'some batch is narrower than the longest source and target');
    const own = await oneStep(model, dataset, batch, 'cross_entropy');
    const padded = await oneStep(model, dataset, widen(batch, { src, tgt }, dataset.vocab!.pad!), 'cross_entropy');
    assertSameStep(own, padded);
  });

  it('a model whose weights depend on the width (time flattened into a dense layer) pads every batch to max_len, and says why', async () => {
    const { dataset, model } = await setup(`experiment f
data classify "data.csv" { max_len = 60, batch = 8, valid = 0.2 }
model {
  input x: int[batch, time] < vocab
  input y: int[batch] < classes
  e = embedding(x, vocab, 4)
  h, _ = lstm(e, 3)
  f = reshape(h, [batch, time * 3])
  p = dense(f, 1, activation = sigmoid)
}
train { loss = binary_cross_entropy(p, y), optimizer = adam(lr = 0.01) }
`, reviews(80, 2));
    assert.equal(dataset.grouping!.grouped, true);
    const note = checkGrouping(dataset, model);
    assert.match(note ?? '', /padded to time 60: (the shape of .* depends on time|it cannot be built at other sizes than time 60)/);
    assert.ok([...dataset.trainBatches(1)].every((b) => b.dims.time === 60));
  });
});
