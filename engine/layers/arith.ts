// Arithmetic between tensors, broadcast by name (language.md, "Expressions"): the smaller side is transposed
// into the larger side's order and given size-1 axes where it lacks a dimension; ONNX's Add/Sub/Mul/Div then
// broadcast it. The axes are matched exactly as the checker matched them (language/check/broadcast.ts).
import type { ArithOp } from '../../language/check/arithmetic';
import { largerSide, matchAxes } from '../../language/check/broadcast';
import { EngineError, type LayerCtx, type TVal } from './types';

export type { ArithOp };
const ONNX: Record<ArithOp, string> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div' };

export function elementwise(ctx: LayerCtx, op: ArithOp, a: TVal, b: TVal): TVal {
  const axes = (t: TVal) => t.shape.map((size, i) => ({ name: t.names[i], size }));
  const bigLeft = largerSide(axes(a), axes(b)) === 'left';
  const [big, small] = bigLeft ? [a, b] : [b, a];
  const aligned = align(ctx, big, small, matchAxes(axes(big), axes(small)));
  const [l, r] = bigLeft ? [big.v, aligned] : [aligned, big.v];
  return { v: ctx.g.op1(ONNX[op], [l, r]), shape: big.shape, names: big.names, masked: a.masked || b.masked, elem: 'float' };
}

/** `k op x` or `x op k` with a number k. */
export function scalar(ctx: LayerCtx, op: ArithOp, x: TVal, k: number, tensorFirst: boolean): TVal {
  const c = ctx.g.constFloat(k);
  return { ...x, v: ctx.g.op1(ONNX[op], tensorFirst ? [x.v, c] : [c, x.v]) };
}

/** `small` in `big`'s axis order, with a size-1 axis wherever it lacks one of big's dimensions. */
function align(ctx: LayerCtx, big: TVal, small: TVal, match: number[]): string {
  if (match.some((m) => m < 0)) throw new EngineError(`cannot broadcast [${small.names}] against [${big.names}]: a dimension is missing (the checker should have said so)`);
  const order = match.map((m, i) => [m, i] as const).sort((x, y) => x[0] - y[0]).map(([, i]) => i);
  let v = small.v;
  if (order.some((o, i) => o !== i)) v = ctx.g.op1('Transpose', [v], { perm: order });
  const missing = big.shape.map((_, i) => i).filter((i) => !match.includes(i));
  if (missing.length) v = ctx.g.op1('Unsqueeze', [v, ctx.g.constInt64(missing)]);
  return v;
}
