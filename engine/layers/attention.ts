// attention: scores of each query step against every source step, a softmax over the source (padded source
// steps get -1e9 before it, so no weight), and the weighted sum of the values. Scores: dot q.k; general q W k
// (W [f_q, f_k]); additive v . tanh(q W_q^T + k W_k^T) (W_q [f_k, f_q], W_k [f_k, f_k], v [f_k]). Built from
// MatMul, Softmax, Tanh and shape ops: the gradient comes from their rules and the export is standard ONNX.
import type { SCORES } from '../../language/ops/attention';
import { EngineError, stepMask, type LayerCtx, type TVal } from './types';

export type Score = (typeof SCORES)[number];

export function attention(ctx: LayerCtx, stmt: string, query: TVal, keys: TVal, values: TVal, score: Score): { context: TVal; weights: TVal } {
  const { g } = ctx;
  const single = query.shape.length === 2; // one query step [batch, f]: treated as [batch, 1, f]
  const q = single ? g.op1('Unsqueeze', [query.v, g.constInt64([1])]) : query.v;
  const [B, S, Fk] = keys.shape;
  const Tq = single ? 1 : query.shape[1];
  const Fq = query.shape[query.shape.length - 1];
  const kT = g.op1('Transpose', [keys.v], { perm: [0, 2, 1] }); // [B, Fk, S]
  let scores: string; // [B, Tq, S]
  if (score === 'dot') {
    if (Fq !== Fk) throw new EngineError(`attention (dot): query features ${Fq} and key features ${Fk} differ`);
    scores = g.op1('MatMul', [q, kT]);
  } else if (score === 'general') {
    const w = ctx.param(`${stmt}.W`, [Fq, Fk], ctx.initFor('weight', Fq));
    scores = g.op1('MatMul', [g.op1('MatMul', [q, w]), kT]);
  } else {
    const wq = ctx.param(`${stmt}.W_q`, [Fk, Fq], ctx.initFor('weight', Fq));
    const wk = ctx.param(`${stmt}.W_k`, [Fk, Fk], ctx.initFor('weight', Fk));
    const v = ctx.param(`${stmt}.v`, [Fk], ctx.initFor('weight', Fk));
    const pq = g.op1('MatMul', [q, g.op1('Transpose', [wq], { perm: [1, 0] })]); // [B, Tq, Fk]
    const pk = g.op1('MatMul', [keys.v, g.op1('Transpose', [wk], { perm: [1, 0] })]); // [B, S, Fk]
    const e = g.op1('Tanh', [g.op1('Add', [g.op1('Unsqueeze', [pq, g.constInt64([2])]), g.op1('Unsqueeze', [pk, g.constInt64([1])])])]); // [B, Tq, S, Fk]
    scores = g.op1('Squeeze', [g.op1('MatMul', [e, g.op1('Unsqueeze', [v, g.constInt64([1])])]), g.constInt64([3])]);
  }
  const mask = stepMask(ctx, keys); // [B, S], 1 = a real step
  if (mask) scores = g.op1('Add', [scores, g.op1('Unsqueeze', [g.op1('Mul', [g.op1('Sub', [mask, g.constFloat(1)]), g.constFloat(1e9)]), g.constInt64([1])])]);
  const w = g.op1('Softmax', [scores], { axis: -1 });
  const c = g.op1('MatMul', [w, values.v]); // [B, Tq, Fv]
  const Fv = values.shape[2];
  const steps = single ? [B] : [B, Tq];
  const stepNames = single ? [query.names[0]] : [query.names[0], query.names[1]];
  const drop = (t: string) => (single ? g.op1('Squeeze', [t, g.constInt64([1])]) : t);
  return {
    context: { v: drop(c), shape: [...steps, Fv], names: [...stepNames, values.names[2]], masked: query.masked, elem: 'float' },
    weights: { v: drop(w), shape: [...steps, S], names: [...stepNames, keys.names[1]], elem: 'float' },
  };
}
