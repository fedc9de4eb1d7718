import type { Contribution, GradRule } from '../types';
import { attrInt } from '../util';

// y = alpha * A' B' + beta * C with A' = transA ? A^T : A, B' likewise. Each input gradient is one Gemm.
export const rule: GradRule = (c) => {
  const g = c.g;
  const d = c.dy[0]!;
  const [a, b, cc] = c.x;
  const ta = attrInt(c.node.attrs, 'transA', 0), tb = attrInt(c.node.attrs, 'transB', 0);
  const alpha = typeof c.node.attrs.alpha === 'number' ? c.node.attrs.alpha : 1;
  const beta = typeof c.node.attrs.beta === 'number' ? c.node.attrs.beta : 1;
  let da: string | undefined;
  if (c.needs[0]) {
    da = ta === 0
      ? g.op1('Gemm', [d, b], { alpha, transB: tb ? 0 : 1 })
      : g.op1('Gemm', [b, d], { alpha, transA: tb, transB: 1 });
  }
  let db: Contribution | undefined;
  if (c.needs[1]) {
    if (alpha === 1 && ta === 0) db = { matmulWeight: { a, dy: d, transposed: tb === 1 } };
    else if (tb === 0) db = g.op1('Gemm', [a, d], { alpha, transA: ta ? 0 : 1 });
    else db = g.op1('Gemm', [d, a], { alpha, transA: 1, transB: ta });
  }
  let dc: Contribution | undefined;
  if (cc !== undefined && cc !== '' && c.needs[2]) {
    const scaled = beta === 1 ? d : g.op1('Mul', [d, g.constFloat(beta)]);
    dc = { unbroadcast: scaled, to: c.dims(cc) };
  }
  return [da, db, dc];
};
