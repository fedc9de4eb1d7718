// Activations and dropout: shape unchanged.
import { EngineError, type LayerCtx, type TVal } from './types';

const ACT: Record<string, string> = { relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid', softmax: 'Softmax' };

export function activation(ctx: LayerCtx, act: string, x: TVal): TVal {
  const type = ACT[act];
  if (!type) throw new EngineError(`unknown activation '${act}' (use none, relu, tanh, sigmoid or softmax)`);
  const v = ctx.g.op1(type, [x.v], type === 'Softmax' ? { axis: -1 } : {});
  return { ...x, v };
}

/**
 * Inverted dropout (PyTorch's): in training, multiply by mask/(1-p) with mask ~ Bernoulli(1-p); identity
 * otherwise. The mask comes from uniform numbers the trainer feeds each step (ctx.uniform), so the autodiff
 * treats it as a constant (the gradient is the same Mul by the mask).
 */
export function dropoutValue(ctx: LayerCtx, v: string, shape: number[], p: number): string {
  if (!ctx.training || p <= 0) return v;
  if (p >= 1) throw new EngineError(`dropout probability must be below 1; got ${p}`);
  const { g } = ctx;
  const u = ctx.uniform(shape);
  const keep = g.op1('Less', [u, g.constFloat(1 - p)]);
  const scale = g.op1('Mul', [g.op1('Cast', [keep], { to: 1 }), g.constFloat(1 / (1 - p))]);
  return g.op1('Mul', [v, scale]);
}

export function dropout(ctx: LayerCtx, x: TVal, p: number): TVal {
  return { ...x, v: dropoutValue(ctx, x.v, x.shape, p) };
}
