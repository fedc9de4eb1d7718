import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import protobuf from 'protobufjs';
import { Graph } from '../../engine/onnx/graph';
import { ONNX_PROTO } from '../../engine/onnx/onnxProto';

async function run(g: Graph, feeds: Record<string, ort.Tensor>, opset?: number): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(g.toBytes(opset));
  try {
    return (await session.run(feeds)) as Record<string, ort.Tensor>;
  } finally {
    await session.release();
  }
}

test('a MatMul + Add + Tanh graph built by Graph runs in onnxruntime-node with the expected values', async () => {
  const g = new Graph('t');
  const x = g.input('x', 'float32', ['batch', 3]);
  const w = g.initializer('w', { dtype: 'float32', dims: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
  const b = g.constFloat([0.5, -0.5]);
  const y = g.op1('Tanh', [g.op1('Add', [g.op1('MatMul', [x, w]), b])]);
  g.output(y);
  assert.deepEqual(g.dimsOf(y), ['batch', 2]);
  const out = await run(g, { x: new ort.Tensor('float32', Float32Array.from([0.1, 0.2, 0.3, -0.1, 0, 0.1]), [2, 3]) });
  const r = out[y].data as Float32Array;
  const expect = [Math.tanh(0.1 + 0.6 + 1.5 + 0.5), Math.tanh(0.2 + 0.8 + 1.8 - 0.5), Math.tanh(-0.1 + 0.5 + 0.5), Math.tanh(-0.2 + 0.6 - 0.5)];
  assert.deepEqual(out[y].dims, [2, 2]);
  expect.forEach((e, i) => assert.ok(Math.abs(r[i] - e) < 1e-6, `element ${i}: ${r[i]} vs ${e}`));
});

test('constants with the same dtype, dims and values are one initializer', () => {
  const g = new Graph();
  assert.equal(g.constFloat(1), g.constFloat(1));
  assert.equal(g.constFloat([1, 2]), g.constFloat([1, 2]));
  assert.notEqual(g.constFloat([1, 2]), g.constFloat([1, 2], [2, 1]));
  assert.notEqual(g.constFloat(1), g.constInt64(1));
  assert.equal(g.constInt64([0, -1]), g.constInt64([0, -1]));
  assert.equal(g.initializers.size, 5);
});

test('static shapes follow Reshape, Transpose, Slice, Concat, Split, Gather, reductions and Squeeze/Unsqueeze', () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [4, 6, 5]);
  const ids = g.input('ids', 'int64', [4, 6]);
  assert.deepEqual(g.shapeOf(g.op1('Reshape', [x, g.constInt64([0, -1])])), [4, 30]);
  assert.deepEqual(g.shapeOf(g.op1('Transpose', [x], { perm: [1, 0, 2] })), [6, 4, 5]);
  assert.deepEqual(g.shapeOf(g.op1('Slice', [x, g.constInt64([1]), g.constInt64([-1]), g.constInt64([1])])), [4, 4, 5]);
  assert.deepEqual(g.shapeOf(g.op1('Concat', [x, x], { axis: -1 })), [4, 6, 10]);
  const parts = g.op('Split', [x, g.constInt64([2, 4])], { axis: 1 }, { outputs: 2 });
  assert.deepEqual(parts.map((p) => g.shapeOf(p)), [[4, 2, 5], [4, 4, 5]]);
  const emb = g.input('emb', 'float32', [10, 3]);
  assert.deepEqual(g.shapeOf(g.op1('Gather', [emb, ids])), [4, 6, 3]);
  assert.deepEqual(g.shapeOf(g.op1('ReduceSum', [x, g.constInt64([1])], { keepdims: 0 })), [4, 5]);
  assert.deepEqual(g.shapeOf(g.op1('ReduceMean', [x], { axes: [0, 2] })), [1, 6, 1]);
  assert.deepEqual(g.shapeOf(g.op1('ReduceMax', [x], { keepdims: 0 })), []);
  const u = g.op1('Unsqueeze', [x, g.constInt64([0, 4])]);
  assert.deepEqual(g.shapeOf(u), [1, 4, 6, 5, 1]);
  assert.deepEqual(g.shapeOf(g.op1('Squeeze', [u, g.constInt64([0])])), [4, 6, 5, 1]);
  assert.deepEqual(g.shapeOf(g.op1('Expand', [g.constFloat(0), g.constInt64([2, 3])])), [2, 3]);
  assert.deepEqual(g.shapeOf(g.op1('MatMul', [x, g.input('w', 'float32', [5, 7])])), [4, 6, 7]);
  assert.equal(g.dtypeOf(g.op1('Shape', [x])), 'int64');
  assert.equal(g.dtypeOf(g.op1('Less', [x, x])), 'bool');
  assert.throws(() => g.op1('Add', [x, g.input('bad', 'float32', [3])]), /broadcast/);
});

test('graph shapes match what onnxruntime computes for Split, Slice, Gather and LSTM', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [2, 6, 3]);
  const [a, b] = g.op('Split', [x, g.constInt64([1, 5])], { axis: 1 }, { outputs: 2 });
  const s = g.op1('Slice', [x, g.constInt64([5, 2]), g.constInt64([0, 3]), g.constInt64([1, 2]), g.constInt64([-2, 1])]);
  const ids = g.input('ids', 'int64', [4]);
  const gat = g.op1('Gather', [x, ids], { axis: 1 });
  const w = g.constFloat(new Array(1 * 16 * 3).fill(0.1), [1, 16, 3]);
  const r = g.constFloat(new Array(1 * 16 * 4).fill(0.1), [1, 16, 4]);
  // onnxruntime's CPU LSTM rejects layout = 1 (batch-first), so the sequence goes in time-major
  const [y, yh] = g.op('LSTM', [g.op1('Transpose', [x], { perm: [1, 0, 2] }), w, r], { hidden_size: 4 }, { outputs: 2 });
  for (const v of [a, b, s, gat, y, yh]) g.output(v);
  const out = await run(g, {
    x: new ort.Tensor('float32', new Float32Array(36).map((_, i) => i / 36), [2, 6, 3]),
    ids: new ort.Tensor('int64', BigInt64Array.from([0n, 5n, 2n, 2n]), [4]),
  });
  for (const v of [a, b, s, gat, y, yh]) assert.deepEqual(out[v].dims, g.shapeOf(v), v);
});

test('nodes that no output needs are pruned from the bytes; named outputs via alias and opts.name', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [3]);
  g.op1('Exp', [x]); // dead
  const y = g.op('Neg', [x], {}, { name: 'negated' })[0];
  assert.equal(y, 'negated');
  const loss = g.alias(g.op1('ReduceSum', [y], { keepdims: 0 }), 'loss');
  g.output(loss);
  assert.equal(g.liveNodeCount(), 3);
  const out = await run(g, { x: new ort.Tensor('float32', Float32Array.from([1, 2, 3]), [3]) });
  assert.equal((out.loss.data as Float32Array)[0], -6);
  assert.throws(() => g.op1('Neg', ['nope']), /unknown input/);
  assert.throws(() => g.op('Neg', [x], {}, { name: 'negated' }), /already used/);
});

test('float attributes with integral values are written as FLOAT (LeakyRelu alpha = 1 runs)', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [2]);
  const y = g.op1('LeakyRelu', [x], { alpha: 2 });
  const c = g.op1('Cast', [y], { to: 7 });
  g.output(y);
  g.output(c);
  assert.equal(g.dtypeOf(c), 'int64');
  const out = await run(g, { x: new ort.Tensor('float32', Float32Array.from([-1, 3]), [2]) });
  assert.deepEqual(Array.from(out[y].data as Float32Array), [-2, 3]);
  assert.deepEqual(Array.from(out[c].data as BigInt64Array), [-2n, 3n]);
});

test('a graph built in opset-17 form also serializes for opset 18 (Reduce axes as input, Split num_outputs)', async () => {
  const build = () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 4]);
    const m = g.op1('ReduceMean', [x], { axes: [1], keepdims: 0 });
    const l = g.op1('ReduceLogSumExp', [x], { axes: [-1], keepdims: 0 });
    const [a, b] = g.op('Split', [x], { axis: 1 }, { outputs: 2 });
    const s = g.op1('ReduceSum', [g.op1('Add', [a, b]), g.constInt64([1])], { keepdims: 0 });
    for (const v of [m, l, s]) g.output(v);
    return { g, outs: [m, l, s] };
  };
  const x = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, -1, 0, 1, 2]), [2, 4]);
  const { g: g17, outs } = build();
  const r17 = await run(g17, { x }, 17);
  const { g: g18 } = build();
  const r18 = await run(g18, { x }, 18);
  for (const o of outs) assert.deepEqual(Array.from(r18[o].data as Float32Array), Array.from(r17[o].data as Float32Array), o);
  assert.deepEqual(Array.from(r17[outs[2]].data as Float32Array), [10, 2]);
});

test('Concat and Split wider than 15 operands are written as two-level trees with the same results', async () => {
  const g = new Graph();
  const x = g.input('x', 'float32', [2, 40, 3]);
  const steps = g.op('Split', [x], { axis: 1 }, { outputs: 40 });
  const uneven = g.op('Split', [x, g.constInt64(Array.from({ length: 20 }, (_, i) => (i < 10 ? 1 : 3)))], { axis: 1 }, { outputs: 20 });
  const back = g.op1('Concat', [...steps].reverse(), { axis: 1 });
  const back2 = g.op1('Concat', uneven, { axis: 1 });
  g.output(back);
  g.output(back2);
  g.output(steps[17]);
  const bytes = g.toBytes();
  const xs = new Float32Array(240).map((_, i) => i);
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run({ x: new ort.Tensor('float32', xs, [2, 40, 3]) });
  const r = out[back].data as Float32Array;
  for (let b = 0; b < 2; b++) for (let t = 0; t < 40; t++) for (let f = 0; f < 3; f++) assert.equal(r[b * 120 + t * 3 + f], xs[b * 120 + (39 - t) * 3 + f]);
  assert.deepEqual(Array.from(out[back2].data as Float32Array), Array.from(xs));
  assert.deepEqual(Array.from(out[steps[17]].data as Float32Array), [51, 52, 53, 171, 172, 173]);
  const model = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto').decode(bytes) as unknown as {
    graph: { node: { op_type: string; input: string[]; output: string[] }[] };
  };
  const widest = Math.max(...model.graph.node.map((n) => Math.max(n.input.length, n.output.length)));
  assert.ok(widest <= 15, `a written node has ${widest} operands`);
  assert.ok(model.graph.node.filter((n) => n.op_type === 'Split').length > 2, 'the wide Splits became trees');
});
