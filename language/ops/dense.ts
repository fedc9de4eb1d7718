// dense: a fully connected layer on the last dimension.
import { STEP_DIMS } from '../check/arithmetic';
import { dimsText } from '../check/dims';
import type { OpDef } from './types';

export const ACTIVATIONS = ['none', 'relu', 'tanh', 'sigmoid', 'softmax'];

export const dense: OpDef = {
  info: {
    name: 'dense', signature: 'dense(x, size, activation=none)',
    doc: 'A fully connected layer: x @ W + b on the last dimension, then an optional activation.',
    rule: '[.., f] -> [.., size]',
    params: [
      { name: 'x', type: 'tensor', doc: 'any float tensor; acts on its last dimension' },
      { name: 'size', type: 'size', doc: 'output features (a number or a named dim, e.g. vocab)' },
      { name: 'activation', type: 'name', default: 'none', choices: ACTIVATIONS, doc: 'none, relu, tanh, sigmoid or softmax' },
    ],
    outputs: ['out'],
  },
  infer(ctx) {
    const x = ctx.tensor('x');
    const size = ctx.dim('size');
    if (!x || !size) return undefined;
    if (x.elem === 'int') {
      ctx.report({
        code: 'shape-mismatch', range: ctx.argRange('x'),
        message: `dense needs float features; got ids ${ctx.operandText('x')}: int${dimsText(x.dims)}`,
        fix: `embed the ids first: embedding(${ctx.operandText('x')}, vocab, 64)`,
      });
      return undefined;
    }
    if (x.dims.length === 0) return undefined;
    const f = x.dims[x.dims.length - 1];
    if (f.name === 'batch') {
      // A layer on batch would mix the examples of a batch: the features were reduced away earlier.
      ctx.report({
        code: 'shape-mismatch', range: ctx.argRange('x'),
        message: `dense needs features in the last dimension, [.., features]; got ${ctx.operandText('x')}: ${dimsText(x.dims)}, whose last dimension is batch`,
        fix: `keep a feature dimension: check the op that made ${ctx.operandText('x')} (a reduction over the features, or last(...) of a vector)`,
        related: ctx.operandDefinition('x') ? [{ range: ctx.operandDefinition('x')!, message: `${ctx.operandText('x')} gets its shape here` }] : undefined,
      });
      return undefined;
    }
    if (f.name !== undefined && STEP_DIMS.has(f.name)) {
      // Weights sized by the data's steps: predict and export (any length) could not use them.
      ctx.report({
        code: 'shape-mismatch', range: ctx.argRange('x'),
        message: `dense acts on the last dimension, and ${ctx.operandText('x')}: ${dimsText(x.dims)} ends in ${f.name}, the data's steps: its weights would fit one sequence length only`,
        fix: `keep a feature dimension last: reduce over another one first (mean(..., over = ${f.name}) keeps the features), or transpose(${ctx.operandText('x')}, [...]) so ${f.name} is not last`,
        related: ctx.operandDefinition('x') ? [{ range: ctx.operandDefinition('x')!, message: `${ctx.operandText('x')} gets its shape here` }] : undefined,
      });
      return undefined;
    }
    const params = f.size !== undefined && size.size !== undefined ? f.size * size.size + size.size : undefined;
    return { shape: { elem: 'float', dims: [...x.dims.slice(0, -1), size], masked: x.masked }, params, paramRule: 'in*out + out' };
  },
};
