import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { Graph } from '../../engine/onnx/graph';
import { gradients } from '../../engine/autodiff/index';
import { binaryCrossEntropy, crossEntropy, mse } from '../../engine/losses/index';
import { fdCheck, rng } from './helpers/fd';

async function run(g: Graph, feeds: Record<string, ort.Tensor>) {
  const s = await ort.InferenceSession.create(g.toBytes());
  try {
    return (await s.run(feeds)) as Record<string, ort.Tensor>;
  } finally {
    await s.release();
  }
}
const scalar = (t: ort.Tensor) => (t.data as Float32Array)[0];

test('crossEntropy equals the mean of -log softmax at the target, with correct and count', async () => {
  const B = 2, T = 3, V = 4;
  const r = rng(7);
  const logits = Float32Array.from({ length: B * T * V }, () => 4 * r() - 2);
  const targets = Int32Array.from({ length: B * T }, () => Math.floor(r() * V));
  const g = new Graph();
  const l = g.input('logits', 'float32', [B, T, V]);
  const y = g.input('y', 'int32', [B, T]);
  const res = crossEntropy(g, l, y);
  for (const v of [res.loss, res.total, res.count, res.correct!]) g.output(v);
  const out = await run(g, { logits: new ort.Tensor('float32', logits, [B, T, V]), y: new ort.Tensor('int32', targets, [B, T]) });
  let sum = 0, correct = 0;
  for (let i = 0; i < B * T; i++) {
    const row = Array.from(logits.subarray(i * V, i * V + V));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
    sum += lse - row[targets[i]];
    if (row.indexOf(m) === targets[i]) correct++;
  }
  assert.ok(Math.abs(scalar(out[res.loss]) - sum / (B * T)) < 1e-5);
  assert.ok(Math.abs(scalar(out[res.total]) - sum) < 1e-4);
  assert.equal(scalar(out[res.count]), B * T);
  assert.equal(scalar(out[res.correct!]), correct);
});

test('masked crossEntropy ignores padded tokens: their logits change nothing and get zero gradient', async () => {
  const B = 2, T = 3, V = 5;
  const g = new Graph();
  const l = g.input('logits', 'float32', [B, T, V]);
  const y = g.input('y', 'int64', [B, T]);
  const m = g.input('mask', 'float32', [B, T]);
  const res = crossEntropy(g, l, y, m);
  const dl = gradients(g, res.loss, [l])[l];
  for (const v of [res.loss, res.count, res.correct!, dl]) g.output(v);
  const r = rng(3);
  const base = Float32Array.from({ length: B * T * V }, () => 2 * r() - 1);
  const mask = Float32Array.from([1, 1, 0, 1, 0, 0]);
  const feeds = (lv: Float32Array) => ({
    logits: new ort.Tensor('float32', lv, [B, T, V]),
    y: new ort.Tensor('int64', BigInt64Array.from([1n, 2n, 0n, 4n, 0n, 0n]), [B, T]),
    mask: new ort.Tensor('float32', mask, [B, T]),
  });
  const a = await run(g, feeds(base));
  const changed = base.slice();
  for (const tok of [2, 4, 5]) for (let v = 0; v < V; v++) changed[tok * V + v] = 10 * r();
  const b = await run(g, feeds(changed));
  assert.equal(scalar(a[res.count]), 3);
  assert.ok(Math.abs(scalar(a[res.loss]) - scalar(b[res.loss])) < 1e-6, 'padding does not change the loss');
  const d = a[dl].data as Float32Array;
  for (const tok of [2, 4, 5]) for (let v = 0; v < V; v++) assert.equal(d[tok * V + v], 0);
  // each real token's gradient row sums to zero (softmax - onehot) and is not all zero
  for (const tok of [0, 1, 3]) {
    const row = Array.from(d.subarray(tok * V, tok * V + V));
    assert.ok(Math.abs(row.reduce((s, x) => s + x, 0)) < 1e-6);
    assert.ok(row.some((x) => Math.abs(x) > 1e-3));
  }
});

test('masked crossEntropy of an all-padding batch is 0, not NaN', async () => {
  const g = new Graph();
  const l = g.input('logits', 'float32', [1, 2, 3]);
  const res = crossEntropy(g, l, g.constInt64([0, 1], [1, 2]), g.constFloat([0, 0], [1, 2]));
  g.output(res.loss);
  const out = await run(g, { logits: new ort.Tensor('float32', new Float32Array(6).fill(0.5), [1, 2, 3]) });
  assert.equal(scalar(out[res.loss]), 0);
});

test('crossEntropy, binaryCrossEntropy and mse gradients match finite differences', async () => {
  await fdCheck({
    name: 'cross entropy masked',
    inputs: [{ dims: [2, 3, 4] }],
    build: (g, [l]) => crossEntropy(g, l, g.constInt64([0, 3, 1, 2, 2, 0], [2, 3]), g.constFloat([1, 1, 0, 1, 1, 0], [2, 3])).loss,
  });
  await fdCheck({
    name: 'cross entropy',
    inputs: [{ dims: [5, 4] }],
    build: (g, [l]) => crossEntropy(g, l, g.constInt64([0, 3, 1, 2, 2])).loss,
  });
  await fdCheck({
    name: 'bce',
    inputs: [{ dims: [4, 1] }],
    build: (g, [z]) => binaryCrossEntropy(g, g.op1('Sigmoid', [z]), g.constFloat([1, 0, 0, 1], [4, 1])).loss,
  });
  await fdCheck({ name: 'mse', inputs: [{ dims: [3, 2] }, { dims: [3, 2] }], build: (g, [a, b]) => mse(g, a, b).loss });
});

test('binaryCrossEntropy clamps log at -100 like PyTorch: p = 0 or 1 gives a finite loss; accuracy counts p > 0.5', async () => {
  const g = new Graph();
  const p = g.input('p', 'float32', [4]);
  const y = g.input('y', 'float32', [4]);
  const res = binaryCrossEntropy(g, p, y);
  g.output(res.loss);
  g.output(res.correct!);
  const out = await run(g, { p: new ort.Tensor('float32', Float32Array.from([0, 1, 0.9, 0.2]), [4]), y: new ort.Tensor('float32', Float32Array.from([1, 1, 1, 1]), [4]) });
  const expect = (100 + 0 - Math.log(0.9) - Math.log(0.2)) / 4;
  assert.ok(Math.abs(scalar(out[res.loss]) - expect) < 1e-4, `${scalar(out[res.loss])} vs ${expect}`);
  assert.equal(scalar(out[res.correct!]), 2);
});

test('binaryCrossEntropy has a finite gradient when a sigmoid saturates to exactly 0 or 1', async () => {
  const g = new Graph();
  const z = g.input('z', 'float32', [4]);
  const res = binaryCrossEntropy(g, g.op1('Sigmoid', [z]), g.constFloat([1, 0, 0, 1]));
  const dz = gradients(g, res.loss, [z])[z];
  g.output(res.loss);
  g.output(dz);
  const out = await run(g, { z: new ort.Tensor('float32', Float32Array.from([40, -40, 40, -200]), [4]) });
  assert.ok(Number.isFinite(scalar(out[res.loss])));
  for (const v of out[dz].data as Float32Array) assert.ok(Number.isFinite(v), `gradient ${v}`);
});

test('mse and binaryCrossEntropy refuse a prediction and target of different shapes instead of broadcasting', () => {
  const g = new Graph();
  const a = g.input('a', 'float32', [4, 1]);
  const b = g.input('b', 'float32', [4]);
  assert.throws(() => mse(g, a, b), /prediction has shape \[4, 1\] but the target has \[4\]/);
  assert.throws(() => binaryCrossEntropy(g, a, b), /prediction has shape/);
});

// Ops without a kernel in onnxruntime 1.30's WebGPU provider: a node of these would run on the CPU.
const NO_WEBGPU = ['SoftmaxCrossEntropyLoss', 'NegativeLogLikelihoodLoss', 'LogSoftmax', 'Sum', 'Max', 'Min', 'Sign'];

test('losses and their gradients use no op that lacks a WebGPU kernel (LogSoftmax, Sum, Max, Min, ...)', () => {
  const g = new Graph();
  const l = g.input('l', 'float32', [2, 3, 5]);
  const ce = crossEntropy(g, l, g.input('y', 'int32', [2, 3]), g.input('m', 'float32', [2, 3]));
  const p = g.input('p', 'float32', [4]);
  const bce = binaryCrossEntropy(g, p, g.input('t', 'float32', [4]));
  const o = g.input('o', 'float32', [4]);
  const m = mse(g, o, g.input('u', 'float32', [4]));
  const total = g.op1('Add', [g.op1('Add', [ce.loss, bce.loss]), m.loss]);
  gradients(g, total, [l, p, o]);
  const types = new Set(g.nodes.map((n) => n.type));
  assert.deepEqual(NO_WEBGPU.filter((t) => types.has(t)), []);
  assert.ok(types.has('ReduceLogSumExp') && types.has('GatherElements'));
});
