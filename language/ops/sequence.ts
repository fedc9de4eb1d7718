// last, first, repeat: moving between sequences and single vectors.
import { dimsText } from '../check/dims';
import type { OpCtx, OpDef } from './types';

function pick(name: 'last' | 'first'): OpDef {
  return {
    info: {
      name, signature: `${name}(x)`,
      doc: `Takes the ${name} real step of each sequence (padded steps are skipped using the mask, so bucketed data gets each sentence's own ${name} word).`,
      rule: '[batch, time, f] -> [batch, f]',
      params: [{ name: 'x', type: 'tensor', doc: 'a sequence [batch, time, f]' }],
      outputs: ['out'],
    },
    infer(ctx: OpCtx) {
      const x = ctx.tensor('x');
      if (!x) return undefined;
      if (x.dims.length < 2 || x.dims[0].name !== 'batch') {
        ctx.report({ code: 'shape-mismatch', range: ctx.argRange('x'), message: `${name} needs a sequence [batch, time, ..]; got ${ctx.operandText('x')}: ${dimsText(x.dims)}`, fix: x.dims.length < 2 ? `${ctx.operandText('x')} has no time dimension to drop; remove ${name}(...)` : 'keep batch first' });
        return undefined;
      }
      // Float features are [batch, time, f]: a float [batch, f] (a state's h, an earlier last(...)) has no
      // time, and taking its "last step" would silently drop the features instead.
      if (x.elem === 'float' && x.dims.length === 2) {
        const t = ctx.operandText('x');
        ctx.report({
          code: 'shape-mismatch', range: ctx.argRange('x'),
          message: `${name} needs a sequence of vectors [batch, time, features]; got ${t}: float${dimsText(x.dims)}, one vector per example with no time to drop (${name} would drop ${x.dims[1].name ?? x.dims[1].size} instead)`,
          fix: `${t} is already one step per example: use ${t} itself`,
        });
        return undefined;
      }
      const dims = [x.dims[0], ...x.dims.slice(2)];
      return { shape: { elem: x.elem, dims, bound: x.bound }, params: 0 };
    },
  };
}
export const last = pick('last');
export const first = pick('first');

export const repeat: OpDef = {
  info: {
    name: 'repeat', signature: 'repeat(x, D)',
    doc: 'Repeats a vector along a new time dimension D: the decoder input of an encoder-decoder (Keras RepeatVector).',
    rule: '[batch, f] -> [batch, D, f]',
    params: [{ name: 'x', type: 'tensor', doc: 'one vector per example, [batch, f]' }, { name: 'D', type: 'size', doc: 'the new dimension (a named dim such as tgt, or a number)' }],
    outputs: ['out'],
  },
  infer(ctx) {
    const x = ctx.tensor('x');
    const d = ctx.dim('D');
    if (!x || !d) return undefined;
    if (x.dims.length !== 2 || x.dims[0].name !== 'batch') {
      ctx.report({ code: 'shape-mismatch', range: ctx.argRange('x'), message: `repeat needs one vector per example, [batch, f]; got ${ctx.operandText('x')}: ${dimsText(x.dims)}`, fix: x.dims.length === 3 ? `take one step first: repeat(last(${ctx.operandText('x')}), ...)` : undefined });
      return undefined;
    }
    return { shape: { elem: x.elem, dims: [x.dims[0], d, x.dims[1]] }, params: 0 };
  },
};
