// A tiny hand-built model for runtime tests: y = x W + b with MSE loss and plain SGD written out in ONNX ops,
// with the same inputs and outputs the compiler's graphs have. Lets the runtime be tested without the
// compiler, and with exact expectations (the update is simple enough to check by hand).
import { Graph } from '../../engine/onnx/graph';
import type { Batch, DatasetLike, GraphIO, ModelLike } from '../../engine/runtime/types';
import { Rng } from '../../engine/runtime/init';

export const FEATURES = 3;
export const TRUE_W = [0.5, -1, 2];
export const TRUE_B = 0.25;

function build(dims: Record<string, number>, train: boolean): { bytes: Uint8Array; io: GraphIO } {
  const B = dims.batch;
  const g = new Graph(train ? 'linear_train' : 'linear_forward');
  const x = g.input('x', 'float32', [B, FEATURES]);
  const y = g.input('y', 'float32', [B, 1]);
  const w = g.input('param/w', 'float32', [FEATURES, 1]);
  const b = g.input('param/b', 'float32', [1]);
  const inputs: GraphIO['inputs'] = [
    { name: 'x', dtype: 'float32', shape: [B, FEATURES] },
    { name: 'y', dtype: 'float32', shape: [B, 1] },
    { name: 'param/w', dtype: 'float32', shape: [FEATURES, 1] },
    { name: 'param/b', dtype: 'float32', shape: [1] },
  ];
  const pred = g.op1('Add', [g.op1('MatMul', [x, w]), b]);
  const err = g.op1('Sub', [pred, y]);
  const loss = g.op1('ReduceMean', [g.op1('Mul', [err, err])], { keepdims: 0 });
  g.output(g.alias(loss, 'loss'));
  // "accuracy": share of predictions within 0.5 of the target, as [sum, count].
  const close = g.op1('Cast', [g.op1('Less', [g.op1('Abs', [err]), g.constFloat(0.5)])], { to: 1 });
  const acc = g.op1('Concat', [g.op1('Reshape', [g.op1('ReduceSum', [close], { keepdims: 0 }), g.constInt64([1])]), g.constFloat([B], [1])], { axis: 0 });
  g.output(g.alias(acc, 'metric/accuracy'));
  const outputs = ['loss', 'metric/accuracy'];
  if (train) {
    const lr = g.input('lr', 'float32', []);
    g.input('step', 'float32', []);
    inputs.push({ name: 'lr', dtype: 'float32', shape: [] }, { name: 'step', dtype: 'float32', shape: [] });
    // d loss / d pred = 2 err / B
    const dpred = g.op1('Mul', [err, g.constFloat(2 / B)]);
    const dw = g.op1('MatMul', [g.op1('Transpose', [x], { perm: [1, 0] }), dpred]);
    const db = g.op1('Reshape', [g.op1('ReduceSum', [dpred], { keepdims: 0 }), g.constInt64([1])]);
    const norm = g.op1('Sqrt', [g.op1('Add', [g.op1('ReduceSum', [g.op1('Mul', [dw, dw])], { keepdims: 0 }), g.op1('ReduceSum', [g.op1('Mul', [db, db])], { keepdims: 0 })])]);
    g.output(g.alias(norm, 'grad_norm'));
    g.output(g.alias(g.op1('Sub', [w, g.op1('Mul', [dw, lr])]), 'param/w:next'));
    g.output(g.alias(g.op1('Sub', [b, g.op1('Mul', [db, lr])]), 'param/b:next'));
    outputs.push('grad_norm', 'param/w:next', 'param/b:next');
  } else {
    g.output(g.alias(pred, 'pred'));
    outputs.push('pred');
  }
  return { bytes: g.toBytes(), io: { inputs, outputs } };
}

export const linearModel: ModelLike = {
  params: [
    { name: 'w', shape: [FEATURES, 1], init: { kind: 'uniform', scale: 0.1 } },
    { name: 'b', shape: [1], init: { kind: 'zeros' } },
  ],
  optimizerSlots: [],
  trainStep: (dims) => build(dims, true),
  forward: (dims) => build(dims, false),
  shapes: (dims) => ({ x: [['batch', dims.batch], ['features', FEATURES]], pred: [['batch', dims.batch], ['out', 1]] }),
};

function makeBatch(rng: Rng, B: number): Batch {
  const x = new Float32Array(B * FEATURES);
  const y = new Float32Array(B);
  for (let i = 0; i < B; i++) {
    let s = TRUE_B;
    for (let j = 0; j < FEATURES; j++) {
      const v = rng.uniform(-1, 1);
      x[i * FEATURES + j] = v;
      s += v * TRUE_W[j];
    }
    y[i] = s;
  }
  return { tensors: { x: { dtype: 'float32', dims: [B, FEATURES], data: x }, y: { dtype: 'float32', dims: [B, 1], data: y } }, dims: { batch: B }, tokens: B };
}

/** Deterministic batches: the same seed and epoch give the same batches in the same order. */
export function linearDataset(opts: { seed?: number; batches?: number; batch?: number; valid?: number; scaleY?: number } = {}): DatasetLike {
  const seed = opts.seed ?? 1;
  const n = opts.batches ?? 8;
  const B = opts.batch ?? 16;
  const nv = opts.valid ?? 2;
  return {
    dims: { batch: B, features: FEATURES },
    trainSize: n,
    validSize: nv,
    *trainBatches(epoch: number) {
      const rng = new Rng(seed, `train-${epoch}`);
      for (let i = 0; i < n; i++) {
        const b = makeBatch(rng, B);
        if (opts.scaleY) (b.tensors.y.data as Float32Array).forEach((v, k, a) => (a[k] = v * opts.scaleY!));
        yield b;
      }
    },
    *validBatches() {
      const rng = new Rng(seed, 'valid');
      for (let i = 0; i < nv; i++) yield makeBatch(rng, B);
    },
    encode: () => [],
    decode: () => '',
    save: () => ({ kind: 'linear-test' }),
  };
}
