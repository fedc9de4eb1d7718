// mean, max, sum over a named dimension.
import { dimsText } from '../check/dims';
import type { OpDef } from './types';

function reduce(name: 'mean' | 'max' | 'sum'): OpDef {
  return {
    info: {
      name, signature: `${name}(x, over=D)`,
      doc: `The ${name} over dimension D (by name); padded steps are ignored when the data is masked.`,
      rule: 'drops D',
      params: [{ name: 'x', type: 'tensor', doc: 'a float tensor' }, { name: 'over', type: 'dim', doc: 'the dimension to reduce, by name (e.g. time)' }],
      outputs: ['out'],
    },
    infer(ctx) {
      const x = ctx.tensor('x');
      if (!x) return undefined;
      if (!ctx.has('over')) {
        ctx.report({ code: 'bad-argument', range: ctx.callRange, message: `${name} needs the dimension to reduce: over = one of ${dimsText(x.dims)}`, fix: `write ${name}(${ctx.operandText('x')}, over = ${x.dims[1]?.name ?? x.dims[0]?.name ?? 'time'})`, quickFixes: x.dims.length > 1 && x.dims[1].name ? [{ title: `Reduce over ${x.dims[1].name}`, edits: [ctx.setArg('over', x.dims[1].name!)] }] : undefined });
        return undefined;
      }
      const over = ctx.str('over');
      const i = x.dims.findIndex((d) => d.name === over);
      if (i < 0) {
        ctx.report({ code: 'shape-mismatch', range: ctx.argRange('over'), message: `${name} over ${over}: ${ctx.operandText('x')} has no dimension named ${over}; its shape is ${dimsText(x.dims)}`, fix: `reduce over one of ${x.dims.filter((d) => d.name).map((d) => d.name).join(', ')}` });
        return undefined;
      }
      const dims = x.dims.filter((_, j) => j !== i);
      return { shape: { elem: x.elem, dims }, params: 0 };
    },
  };
}
export const mean = reduce('mean');
export const max = reduce('max');
export const sum = reduce('sum');
