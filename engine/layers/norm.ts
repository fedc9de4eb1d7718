// layer_norm: normalises the last dimension, then a learned scale and shift (PyTorch's nn.LayerNorm over the
// last dimension: biased variance, eps 1e-5, weight ones and bias zeros at the start). Built from ReduceMean,
// Sub, Mul, Sqrt, Div and Add, so the gradient comes from those rules and the export is standard ONNX.
import type { LayerCtx, TVal } from './types';

export const LAYER_NORM_EPS = 1e-5;

export function layerNorm(ctx: LayerCtx, stmt: string, x: TVal): TVal {
  const { g } = ctx;
  const f = x.shape[x.shape.length - 1];
  const w = ctx.param(`${stmt}.weight`, [f], { kind: 'ones' });
  const b = ctx.param(`${stmt}.bias`, [f], { kind: 'zeros' });
  const axis = x.shape.length - 1;
  const mean = g.op1('ReduceMean', [x.v], { axes: [axis], keepdims: 1 });
  const d = g.op1('Sub', [x.v, mean]);
  const variance = g.op1('ReduceMean', [g.op1('Mul', [d, d])], { axes: [axis], keepdims: 1 });
  const normed = g.op1('Div', [d, g.op1('Sqrt', [g.op1('Add', [variance, g.constFloat(LAYER_NORM_EPS)])])]);
  return { ...x, v: g.op1('Add', [g.op1('Mul', [normed, w]), b]) };
}
