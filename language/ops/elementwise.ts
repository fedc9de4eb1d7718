// Ops that keep the shape: dropout, the activations and layer_norm.
import { STEP_DIMS } from '../check/arithmetic';
import type { OpDef } from './types';

function unary(name: string, doc: string): OpDef {
  return {
    info: { name, signature: `${name}(x)`, doc, rule: 'shape unchanged', params: [{ name: 'x', type: 'tensor', doc: 'a float tensor' }], outputs: ['out'] },
    infer(ctx) {
      const x = ctx.tensor('x');
      if (!x) return undefined;
      if (x.elem === 'int') {
        ctx.report({ code: 'shape-mismatch', range: ctx.argRange('x'), message: `${name} needs a float tensor; got ids ${ctx.operandText('x')} (int)`, fix: 'embed or one_hot the ids first' });
        return undefined;
      }
      return { shape: { ...x, dims: [...x.dims] }, params: 0 };
    },
  };
}

export const relu = unary('relu', 'max(x, 0), element by element.');
export const tanh = unary('tanh', 'Hyperbolic tangent, element by element.');
export const sigmoid = unary('sigmoid', '1 / (1 + exp(-x)), element by element: probabilities for binary_cross_entropy.');
export const softmax = unary('softmax', 'Softmax over the last dimension. (cross_entropy takes logits: do not put softmax before it.)');

export const dropout: OpDef = {
  info: {
    name: 'dropout', signature: 'dropout(x, p)', doc: 'While training, zeroes each element with probability p and scales the rest by 1/(1-p); does nothing at inference.',
    rule: 'shape unchanged',
    params: [{ name: 'x', type: 'tensor', doc: 'a float tensor' }, { name: 'p', type: 'float', default: '0.5', doc: 'drop probability in [0, 1)' }],
    outputs: ['out'],
  },
  infer(ctx) {
    const x = ctx.tensor('x');
    if (!x) return undefined;
    const p = ctx.num('p');
    if (!(p >= 0 && p < 1)) ctx.report({ code: 'bad-argument', range: ctx.argRange('p'), message: `dropout's p is a probability in [0, 1); got ${p}`, fix: 'use e.g. p = 0.5' });
    return { shape: { ...x, dims: [...x.dims] }, params: 0 };
  },
};

export const layer_norm: OpDef = {
  info: {
    name: 'layer_norm', signature: 'layer_norm(x)',
    doc: 'Normalises the last dimension to mean 0 and variance 1, then applies a learned scale and shift (PyTorch nn.LayerNorm over the last dimension, eps 1e-5).',
    rule: 'shape unchanged; normalises the last dimension (learned scale and shift)',
    params: [{ name: 'x', type: 'tensor', doc: 'a float tensor; its last dimension is normalised' }],
    outputs: ['out'],
  },
  infer(ctx) {
    const x = ctx.tensor('x');
    if (!x) return undefined;
    if (x.elem === 'int') {
      ctx.report({ code: 'shape-mismatch', range: ctx.argRange('x'), message: `layer_norm needs a float tensor; got ids ${ctx.operandText('x')} (int)`, fix: 'embed or one_hot the ids first' });
      return undefined;
    }
    const f = x.dims[x.dims.length - 1];
    if (!f) {
      ctx.report({ code: 'shape-mismatch', range: ctx.argRange('x'), message: `layer_norm normalises the last dimension; ${ctx.operandText('x')} has none`, fix: 'pass a tensor with a feature dimension, e.g. [batch, time, hidden]' });
      return undefined;
    }
    if (f.name !== undefined && STEP_DIMS.has(f.name)) {
      ctx.report({ code: 'shape-mismatch', range: ctx.argRange('x'), message: `layer_norm normalises the last dimension, and ${ctx.operandText('x')} ends in ${f.name}, the data's steps: its scale and shift would fit one sequence length only`, fix: `normalise the features: a tensor whose last dimension is not ${f.name}` });
      return undefined;
    }
    return { shape: { ...x, dims: [...x.dims] }, params: f.size !== undefined ? 2 * f.size : undefined, paramRule: '2*f (scale and shift)' };
  },
};
