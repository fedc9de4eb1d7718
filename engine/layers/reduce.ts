// last / first (mask-aware), mean / max / sum over a named dimension.
import { EngineError, stepMask, type LayerCtx, type TVal } from './types';

/** [batch, time] 0/1 weights that pick each row's last real step: mask[t] * (1 - mask[t+1]), right for rows
 *  padded at the front (classify) and at the back (buckets, the exported model's left-aligned rows). */
function lastStepWeights(ctx: LayerCtx, batch: number, time: number): string {
  const { g } = ctx;
  const m = ctx.mask!;
  if (time === 1) return m;
  const tail = g.op1('Slice', [m, g.constInt64([1]), g.constInt64([batch < 0 || time < 0 ? Number.MAX_SAFE_INTEGER : time]), g.constInt64([1])]);
  // Free sizes (the exported model) pad with Pad; fixed ones concatenate a zeros column (fewer op kinds to train).
  const next = batch < 0 || time < 0
    ? g.op1('Pad', [tail, g.constInt64([0, 0, 0, 1])])
    : g.op1('Concat', [tail, g.constFloat(new Array(batch).fill(0), [batch, 1])], { axis: 1 });
  return g.op1('Mul', [m, g.op1('Sub', [g.constFloat(1), next])]);
}

function pickStep(ctx: LayerCtx, x: TVal, weights: string): TVal {
  const { g } = ctx;
  const w = x.shape.length === 2 ? weights : g.op1('Unsqueeze', [weights, g.constInt64(range(2, x.shape.length))]);
  const v = g.op1('ReduceSum', [g.op1('Mul', [x.v, w]), g.constInt64([1])], { keepdims: 0 });
  return { v, shape: [x.shape[0], ...x.shape.slice(2)], names: [x.names[0], ...x.names.slice(2)], elem: x.elem };
}

/** Inference graphs: one Gather (works with a free time size, as in the exported model). */
function gatherStep(ctx: LayerCtx, x: TVal, index: number): TVal {
  const v = ctx.g.op1('Gather', [x.v, ctx.g.constInt64(index)], { axis: 1 });
  return { v, shape: [x.shape[0], ...x.shape.slice(2)], names: [x.names[0], ...x.names.slice(2)], elem: x.elem };
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

function needSequence(op: string, x: TVal) {
  if (x.shape.length < 2) throw new EngineError(`${op} needs a [batch, time, ...] tensor; got rank ${x.shape.length}`);
}

/**
 * last(x): the last real step of each row. With a mask, a weighted sum with the one-hot of each row's
 * last real step (Mul + ReduceSum: cheap, and plain rules for the autodiff); without one, the final step.
 */
export function last(ctx: LayerCtx, x: TVal): TVal {
  needSequence('last', x);
  const [B, T] = x.shape;
  if (stepMask(ctx, x)) return pickStep(ctx, x, lastStepWeights(ctx, B, T));
  if (!ctx.training) return gatherStep(ctx, x, -1);
  const onehot = new Array(T).fill(0);
  onehot[T - 1] = 1;
  return pickStep(ctx, x, ctx.g.constFloat(onehot, [1, T]));
}

/** [batch, time] 0/1 weights that pick each row's first real step: mask[t] * (1 - mask[t-1]). */
function firstStepWeights(ctx: LayerCtx, batch: number, time: number): string {
  const { g } = ctx;
  const m = ctx.mask!;
  if (time === 1) return m;
  const head = g.op1('Slice', [m, g.constInt64([0]), g.constInt64([batch < 0 || time < 0 ? -1 : time - 1]), g.constInt64([1])]);
  const prev = batch < 0 || time < 0
    ? g.op1('Pad', [head, g.constInt64([0, 1, 0, 0])])
    : g.op1('Concat', [g.constFloat(new Array(batch).fill(0), [batch, 1]), head], { axis: 1 });
  return g.op1('Mul', [m, g.op1('Sub', [g.constFloat(1), prev])]);
}

/**
 * first(x): each row's first real step. Rows padded at the front (classify, pairs) start with padding, so
 * with a mask it is picked like last(x); without one, step 0.
 */
export function first(ctx: LayerCtx, x: TVal): TVal {
  needSequence('first', x);
  const [B, T] = x.shape;
  if (stepMask(ctx, x)) return pickStep(ctx, x, firstStepWeights(ctx, B, T));
  if (!ctx.training) return gatherStep(ctx, x, 0);
  const onehot = new Array(T).fill(0);
  onehot[0] = 1;
  return pickStep(ctx, x, ctx.g.constFloat(onehot, [1, T]));
}

function axisOf(op: string, x: TVal, over: string): number {
  const ax = x.names.indexOf(over);
  if (ax < 0) throw new EngineError(`${op}(over=${over}): the tensor has no dimension ${over} (it has ${x.names.map((n, i) => n ?? x.shape[i]).join(', ')})`);
  return ax;
}

function drop(x: TVal, ax: number, v: string): TVal {
  return { v, shape: x.shape.filter((_, i) => i !== ax), names: x.names.filter((_, i) => i !== ax), masked: ax === 1 ? false : x.masked, elem: x.elem };
}

/** Mask as [batch, time, 1, ...] to broadcast over x. */
function maskLike(ctx: LayerCtx, x: TVal): string {
  const { g } = ctx;
  return x.shape.length === 2 ? ctx.mask! : g.op1('Unsqueeze', [ctx.mask!, g.constInt64(range(2, x.shape.length))]);
}

export function reduce(ctx: LayerCtx, op: 'mean' | 'max' | 'sum', x: TVal, over: string): TVal {
  const { g } = ctx;
  const ax = axisOf(op, x, over);
  const masked = ax === 1 && stepMask(ctx, x) !== undefined;
  if (op === 'sum') {
    const src = masked ? g.op1('Mul', [x.v, maskLike(ctx, x)]) : x.v;
    return drop(x, ax, g.op1('ReduceSum', [src, g.constInt64([ax])], { keepdims: 0 }));
  }
  if (op === 'mean') {
    if (!masked) return drop(x, ax, g.op1('ReduceMean', [x.v], { axes: [ax], keepdims: 0 }));
    // Mean over the real steps only: sum(x * m) / sum(m) per row.
    const m = maskLike(ctx, x);
    const s = g.op1('ReduceSum', [g.op1('Mul', [x.v, m]), g.constInt64([1])], { keepdims: 0 });
    const n = g.op1('ReduceSum', [m, g.constInt64([1])], { keepdims: 0 });
    return drop(x, ax, g.op1('Div', [s, n]));
  }
  // max: padded steps get -1e9 so they never win.
  const src = masked ? g.op1('Add', [x.v, g.op1('Mul', [g.op1('Sub', [maskLike(ctx, x), g.constFloat(1)]), g.constFloat(1e9)])]) : x.v;
  return drop(x, ax, g.op1('ReduceMax', [src], { axes: [ax], keepdims: 0 }));
}
