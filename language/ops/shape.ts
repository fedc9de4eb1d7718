// concat, reshape, transpose: ops that rearrange dimensions. All work by name, so a reshape that only
// works because two sizes are equal is reported instead of silently scrambling the data.
import { dimProduct, dimRelation, dimsText, factorsOf, formatDim, sumDim } from '../check/dims';
import type { Dim } from '../types';
import type { OpCtx, OpDef } from './types';

export const concat: OpDef = {
  info: {
    name: 'concat', signature: 'concat(a, b, over=D)',
    doc: 'Joins two tensors along D (default: the last dimension). Every other dimension must be the same.',
    rule: 'sizes add along D; every other dimension must match',
    params: [
      { name: 'a', type: 'tensor', doc: 'first tensor' },
      { name: 'b', type: 'tensor', doc: 'second tensor' },
      { name: 'over', type: 'dim', doc: 'the dimension to join along, by name (default: the last)' },
    ],
    outputs: ['out'],
  },
  infer(ctx) {
    const a = ctx.tensor('a');
    const b = ctx.tensor('b');
    if (!a || !b) return undefined;
    if (a.dims.length !== b.dims.length) {
      ctx.report({ code: 'shape-mismatch', range: ctx.argRange('b'), message: `concat needs tensors with the same number of dimensions; got ${ctx.operandText('a')}: ${dimsText(a.dims)} and ${ctx.operandText('b')}: ${dimsText(b.dims)}`, fix: 'repeat or reduce one of them so the dimensions line up' });
      return undefined;
    }
    let axis = a.dims.length - 1;
    if (ctx.has('over')) {
      const over = ctx.str('over');
      axis = a.dims.findIndex((d) => d.name === over);
      if (axis < 0 || b.dims[axis]?.name !== over && b.dims.findIndex((d) => d.name === over) < 0) {
        ctx.report({ code: 'shape-mismatch', range: ctx.argRange('over'), message: `concat over ${over}: ${axis < 0 ? ctx.operandText('a') + ': ' + dimsText(a.dims) : ctx.operandText('b') + ': ' + dimsText(b.dims)} has no dimension ${over}`, fix: 'name a dimension both tensors have' });
        return undefined;
      }
    }
    for (let i = 0; i < a.dims.length; i++) {
      if (i === axis) continue;
      const rel = dimRelation(a.dims[i], b.dims[i]);
      if (rel === 'same') continue;
      ctx.report({
        code: rel === 'coincidence' ? 'dim-coincidence' : 'shape-mismatch', range: ctx.argRange('b'),
        message: `concat needs every dimension except the one it joins to be the same; dimension ${i + 1} is ${formatDim(a.dims[i])} in ${ctx.operandText('a')}: ${dimsText(a.dims)} but ${formatDim(b.dims[i])} in ${ctx.operandText('b')}: ${dimsText(b.dims)}${rel === 'coincidence' ? ' (equal only by size)' : ''}`,
        fix: 'join along the dimension that differs (over = ...), or make the others agree',
      });
      return undefined;
    }
    const dims = a.dims.map((d, i) => (i === axis ? sumDim(d, b.dims[i]) : d));
    return { shape: { elem: a.elem, dims, masked: a.masked || b.masked }, params: 0 };
  },
};

function flat(dims: Dim[], ctx: OpCtx): Dim[] {
  return dims.flatMap((d) => factorsOf(d, (n) => ctx.lookupDim(n)));
}
const label = (d: Dim) => d.name ?? String(d.size ?? '?');

export const reshape: OpDef = {
  info: {
    name: 'reshape', signature: 'reshape(x, [D1 * D2, ...])',
    doc: 'Merges neighbouring dimensions (`batch * time`) or splits a merged one, by name. It keeps the memory order; to reorder, use transpose.',
    rule: 'the target uses exactly the source\'s dimensions, in order, merged with * or split; a bare number only where the source has that unnamed size',
    params: [{ name: 'x', type: 'tensor', doc: 'any tensor' }, { name: 'dims', type: 'dims', doc: 'the target dimensions, e.g. [batch * time, hidden]' }],
    outputs: ['out'],
  },
  infer(ctx) {
    const x = ctx.tensor('x');
    const target = ctx.dims('dims');
    if (!x || !target) return undefined;
    const src = flat(x.dims, ctx);
    const dst = target.flatMap((t) => flat(t.factors, ctx));
    const srcText = dimsText(x.dims);
    const ok = src.length === dst.length && src.every((d, i) => dimRelation(d, dst[i]) === 'same');
    if (!ok) {
      // Find the culprit: a target factor that matches a source dim only by size.
      for (const t of target) {
        for (const f of flat(t.factors, ctx)) {
          if (src.some((s) => dimRelation(s, f) === 'same')) continue;
          const twin = src.find((s) => dimRelation(s, f) === 'coincidence');
          if (twin) {
            ctx.report({
              code: 'dim-coincidence', range: t.range,
              message: `reshape to ${t.text} uses ${formatDim(f)}, but ${ctx.operandText('x')}: ${srcText} has no ${label(f)}; it only works because ${label(f)} and ${label(twin)} are both ${f.size}`,
              fix: `use ${label(twin)} (the dimension that is really there): a reshape by name cannot mix up ${label(f)} and ${label(twin)}`,
              quickFixes: [{ title: `Use ${label(twin)}`, edits: [{ range: t.range, newText: t.text.replace(new RegExp(`\\b${label(f)}\\b`), label(twin)) }] }],
            });
            return undefined;
          }
          ctx.report({
            code: 'shape-mismatch', range: t.range,
            message: `reshape target ${t.text} uses ${formatDim(f)}, which ${ctx.operandText('x')}: ${srcText} does not have${f.name === undefined ? ' as an unnamed size' : ''}`,
            fix: `build the target from ${src.map(label).join(', ')} (merge neighbours with *)`,
          });
          return undefined;
        }
      }
      const sameSet = src.length === dst.length && src.every((s) => dst.some((d) => dimRelation(s, d) === 'same'));
      // Every target factor exists in the source, but one stands where another dim of the same size is:
      // MXNet's reshape(out, (-1, batch_size)) when num_hidden == batch_size, i.e. [batch * time, batch].
      if (!sameSet && src.length === dst.length) {
        let k = 0;
        for (const t of target) {
          const fs = flat(t.factors, ctx);
          for (let j = 0; j < fs.length; j++, k++) {
            const f = fs[j], s = src[k];
            if (dimRelation(s, f) !== 'coincidence') continue;
            const parts = t.text.split('*');
            const word = new RegExp(`\\b${label(f)}\\b`);
            const newText = parts.length === fs.length ? parts.map((p, i) => (i === j ? p.replace(word, label(s)) : p)).join('*') : t.text.replace(word, label(s));
            ctx.report({
              code: 'dim-coincidence', range: t.range,
              message: `reshape to [${target.map((x) => x.text).join(', ')}] puts ${formatDim(f)} where ${ctx.operandText('x')}: ${srcText} has ${formatDim(s)}; it only works because ${label(f)} and ${label(s)} are both ${f.size}`,
              fix: `use ${label(s)} (the dimension that is really there)`,
              quickFixes: [{ title: `Use ${label(s)}`, edits: [{ range: t.range, newText }], preferred: true }],
            });
            return undefined;
          }
        }
      }
      ctx.report({
        code: 'shape-mismatch', range: ctx.argRange('dims'),
        message: sameSet
          ? `reshape keeps the memory order of ${ctx.operandText('x')}: ${srcText}; [${target.map((t) => t.text).join(', ')}] reorders it, which scrambles the data`
          : `reshape needs every dimension of ${ctx.operandText('x')}: ${srcText} exactly once, in order; got [${target.map((t) => t.text).join(', ')}]`,
        fix: sameSet ? 'transpose first to reorder, then reshape' : `merge neighbours with *, e.g. [${src.map(label).join(' * ')}]`,
      });
      return undefined;
    }
    return { shape: { elem: x.elem, dims: target.map((t) => dimProduct(flat(t.factors, ctx).map((f) => src.find((s) => dimRelation(s, f) === 'same') ?? f))), bound: x.bound }, params: 0 };
  },
};

export const transpose: OpDef = {
  info: {
    name: 'transpose', signature: 'transpose(x, [D1, D2, ...])',
    doc: 'Reorders dimensions by name.',
    rule: 'the target lists exactly the source\'s dimensions, in any order',
    params: [{ name: 'x', type: 'tensor', doc: 'any tensor' }, { name: 'dims', type: 'dims', doc: 'the new order, e.g. [time, batch, hidden]' }],
    outputs: ['out'],
  },
  infer(ctx) {
    const x = ctx.tensor('x');
    const target = ctx.dims('dims');
    if (!x || !target) return undefined;
    const srcText = dimsText(x.dims);
    const used = new Set<number>();
    const out: Dim[] = [];
    for (const t of target) {
      const i = x.dims.findIndex((d, j) => !used.has(j) && dimRelation(d, t.dim) === 'same');
      if (i < 0) {
        const twin = x.dims.findIndex((d, j) => !used.has(j) && dimRelation(d, t.dim) === 'coincidence');
        ctx.report({
          code: twin >= 0 ? 'dim-coincidence' : 'shape-mismatch', range: t.range,
          message: `transpose target ${t.text} is not a dimension of ${ctx.operandText('x')}: ${srcText}${twin >= 0 ? ` (it only has the same size as ${label(x.dims[twin])})` : ''}`,
          fix: `list each of ${x.dims.map(label).join(', ')} once`,
        });
        return undefined;
      }
      used.add(i);
      out.push(x.dims[i]);
    }
    if (out.length !== x.dims.length) {
      ctx.report({ code: 'shape-mismatch', range: ctx.argRange('dims'), message: `transpose needs all ${x.dims.length} dimensions of ${ctx.operandText('x')}: ${srcText}; got ${target.length}`, fix: `list each of ${x.dims.map(label).join(', ')} once` });
      return undefined;
    }
    return { shape: { elem: x.elem, dims: out, bound: x.bound, masked: x.masked }, params: 0 };
  },
};
