// dense: y = x W^T + b over the last dimension (PyTorch's nn.Linear layout, weight [out, in]).
import { activation } from './elementwise';
import type { LayerCtx, TVal } from './types';

export function dense(ctx: LayerCtx, stmt: string, x: TVal, size: number, act: string, sizeName?: string): TVal {
  const { g } = ctx;
  const inF = x.shape[x.shape.length - 1];
  const w = ctx.param(`${stmt}.weight`, [size, inF], ctx.initFor('weight', inF));
  const b = ctx.param(`${stmt}.bias`, [size], ctx.initFor('bias', inF));
  let v: string;
  if (x.shape.length === 2) {
    v = g.op1('Gemm', [x.v, w, b], { transB: 1 });
  } else {
    // MatMul over a 3-d input folds [batch, time] into one GEMM; the Transpose of W is once per step graph.
    const wt = g.op1('Transpose', [w], { perm: [1, 0] });
    v = g.op1('Add', [g.op1('MatMul', [x.v, wt]), b]);
  }
  const y: TVal = { v, shape: [...x.shape.slice(0, -1), size], names: [...x.names.slice(0, -1), sizeName], masked: x.masked, elem: 'float' };
  return act === 'none' || !act ? y : activation(ctx, act, y);
}
