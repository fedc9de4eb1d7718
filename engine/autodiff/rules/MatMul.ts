import type { GradRule } from '../types';
import { reshapeTo, unbroadcast } from '../util';

function swapLast(rank: number): number[] {
  const p = Array.from({ length: rank }, (_, i) => i);
  [p[rank - 2], p[rank - 1]] = [p[rank - 1], p[rank - 2]];
  return p;
}

// y = a @ b (numpy semantics). A 2-D weight b gets a deferred A^T dY term so that all uses of the same weight
// (every step of an unrolled RNN) become one Gemm over all rows.
export const rule: GradRule = (c) => {
  const g = c.g;
  const d = c.dy[0]!;
  const [a, b] = c.x;
  const ad = c.dims(a), bd = c.dims(b);
  if (ad.length === 1 && bd.length === 1) {
    return [c.needs[0] ? g.op1('Mul', [d, b]) : undefined, c.needs[1] ? g.op1('Mul', [d, a]) : undefined];
  }
  if (bd.length === 2 && ad.length >= 2) {
    return [
      c.needs[0] ? g.op1('MatMul', [d, c.cached('Transpose', [b], { perm: [1, 0] })]) : undefined,
      c.needs[1] ? { matmulWeight: { a, dy: d } } : undefined,
    ];
  }
  // general batched case: lift 1-D operands to matrices, multiply, sum broadcast batch axes, drop lifted axes
  let a2 = a, b2 = b, d2 = d;
  if (ad.length === 1) {
    a2 = g.op1('Unsqueeze', [a, g.constInt64([0])]);
    d2 = g.op1('Unsqueeze', [d2, g.constInt64([-2])]);
  }
  if (bd.length === 1) {
    b2 = g.op1('Unsqueeze', [b, g.constInt64([1])]);
    d2 = g.op1('Unsqueeze', [d2, g.constInt64([-1])]);
  }
  const a2d = c.dims(a2), b2d = c.dims(b2);
  let da: string | undefined, db: string | undefined;
  if (c.needs[0]) {
    const p = g.op1('MatMul', [d2, c.cached('Transpose', [b2], { perm: swapLast(b2d.length) })]);
    da = reshapeTo(g, unbroadcast(g, p, c.dims(p), a2d), ad);
  }
  if (c.needs[1]) {
    const p = g.op1('MatMul', [c.cached('Transpose', [a2], { perm: swapLast(a2d.length) }), d2]);
    db = reshapeTo(g, unbroadcast(g, p, c.dims(p), b2d), bd);
  }
  return [da, db];
};
