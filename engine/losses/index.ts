// Training losses built from plain ONNX ops that have CPU and WebGPU kernels (ReduceLogSumExp, GatherElements,
// Sub, ...): no SoftmaxCrossEntropyLoss or LogSoftmax, and no Max/Min/Sum either (no WebGPU kernels in
// onnxruntime 1.30). Each returns the mean loss and metric values.
import type { Graph } from '../onnx/graph';

export interface LossResult {
  /** float32 scalar: the mean loss that training minimizes (masked mean over real tokens with a mask). */
  loss: string;
  /** float32 scalar: the summed loss over the counted items (sum over an epoch / sum of counts = exact mean). */
  total: string;
  /** float32 scalar: how many items the mean is over (real tokens with a mask). */
  count: string;
  /** float32 scalar: correct predictions among them (classification losses only). */
  correct?: string;
  /** cross_entropy: float32 [..., 1], 1 where the target's logit is the largest (exact_match reads it). */
  hits?: string;
}

function sameShape(g: Graph, a: string, b: string, what: string): void {
  const x = g.dimsOf(a), y = g.dimsOf(b);
  if (x && y && (x.length !== y.length || x.some((d, i) => d !== y[i]))) {
    // a silent broadcast ([B,1] against [B] -> [B,B]) would train on the wrong loss
    throw new Error(`${what}: prediction has shape [${x.join(', ')}] but the target has [${y.join(', ')}]`);
  }
}

function elementCount(g: Graph, v: string, what: string): number {
  const s = g.shapeOf(v);
  if (!s) throw new Error(`${what}: the shape of '${v}' must be known statically`);
  return s.reduce((a, b) => a * b, 1);
}

/**
 * Softmax cross-entropy of logits [..., classes] against integer class ids [...] (int32 or int64). With a mask
 * (float32 0/1 of the targets' shape) padded positions are ignored and the mean is over real tokens; their
 * targets must still be valid class ids (e.g. the pad id), as GatherElements reads them.
 */
export function crossEntropy(g: Graph, logits: string, targets: string, mask?: string): LossResult {
  // Unsqueeze before the Cast to int64: under WebGPU onnxruntime runs an int64 Unsqueeze on the CPU
  const t1 = g.op1('Unsqueeze', [targets, g.constInt64([-1])]);
  const idx = g.dtypeOf(targets) === 'int64' ? t1 : g.op1('Cast', [t1], { to: 7 });
  const lse = g.op1('ReduceLogSumExp', [logits], { axes: [-1], keepdims: 1 });
  const picked = g.op1('GatherElements', [logits, idx], { axis: -1 });
  const nll = g.op1('Sub', [lse, picked]); // [..., 1]
  // correct = the target's logit is the largest. No ArgMax: its int64 result would be compared and cast on the
  // CPU under WebGPU. Differs from argmax == target only on exact ties, where every tied class counts.
  const hit = g.op1('Cast', [g.op1('Equal', [picked, g.op1('ReduceMax', [logits], { axes: [-1], keepdims: 1 })])], { to: 1 });
  if (!mask) {
    const n = elementCount(g, targets, 'crossEntropy');
    const total = g.op1('ReduceSum', [nll], { keepdims: 0 });
    return {
      loss: g.op1('Mul', [total, g.constFloat(1 / n)]),
      total,
      count: g.constFloat(n),
      correct: g.op1('ReduceSum', [hit], { keepdims: 0 }),
      hits: hit,
    };
  }
  const m1 = g.op1('Unsqueeze', [mask, g.constInt64([-1])]);
  const total = g.op1('ReduceSum', [g.op1('Mul', [nll, m1])], { keepdims: 0 });
  const count = g.op1('ReduceSum', [mask], { keepdims: 0 });
  // an all-padding batch gives loss 0 instead of 0/0
  const one = g.constFloat(1);
  const loss = g.op1('Div', [total, g.op1('Where', [g.op1('Less', [count, one]), one, count])]);
  return { loss, total, count, correct: g.op1('ReduceSum', [g.op1('Mul', [hit, m1])], { keepdims: 0 }), hits: hit };
}

/**
 * Binary cross-entropy on probabilities p in (0, 1) against float targets y of the same shape, with PyTorch's
 * clamp of each log at -100 so that p = 0 or 1 gives a finite loss. Correct = (p > 0.5) == (y > 0.5).
 */
export function binaryCrossEntropy(g: Graph, p: string, y: string): LossResult {
  sameShape(g, p, y, 'binaryCrossEntropy');
  const n = elementCount(g, p, 'binaryCrossEntropy');
  const logP = clampedLog(g, p);
  const log1mP = clampedLog(g, g.op1('Sub', [g.constFloat(1), p]));
  // -(y log p + (1 - y) log(1 - p)) = -(log(1-p) + y (log p - log(1-p)))
  const ll = g.op1('Add', [log1mP, g.op1('Mul', [y, g.op1('Sub', [logP, log1mP])])]);
  const total = g.op1('Neg', [g.op1('ReduceSum', [ll], { keepdims: 0 })]);
  const half = g.constFloat(0.5);
  // Equal on floats, not bools (no WebGPU kernel for bool Equal)
  const above = (v: string) => g.op1('Cast', [g.op1('Greater', [v, half])], { to: 1 });
  const hit = g.op1('Cast', [g.op1('Equal', [above(p), above(y)])], { to: 1 });
  return { loss: g.op1('Mul', [total, g.constFloat(1 / n)]), total, count: g.constFloat(n), correct: g.op1('ReduceSum', [hit], { keepdims: 0 }) };
}

/**
 * max(log x, -100) whose gradient stays finite at x = 0: the log reads 1 there, so no 0/0 reaches the
 * backward pass when a sigmoid saturates to exactly 0 or 1 in float32.
 */
function clampedLog(g: Graph, x: string): string {
  const floor = g.constFloat(-100);
  const ok = g.op1('Greater', [x, g.constFloat(0)]);
  const lg = g.op1('Log', [g.op1('Where', [ok, x, g.constFloat(1)])]);
  return g.op1('Where', [ok, g.op1('Clip', [lg, floor]), floor]);
}

/** Mean squared error over all elements (PyTorch's MSELoss with reduction 'mean'). */
export function mse(g: Graph, out: string, y: string): LossResult {
  sameShape(g, out, y, 'mse');
  const n = elementCount(g, out, 'mse');
  const d = g.op1('Sub', [out, y]);
  const total = g.op1('ReduceSum', [g.op1('Mul', [d, d])], { keepdims: 0 });
  return { loss: g.op1('Mul', [total, g.constFloat(1 / n)]), total, count: g.constFloat(n) };
}
