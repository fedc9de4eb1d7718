// embedding and one_hot: ops that read integer ids. Both check that the table covers the ids' range.
import { dimRelation, dimsText, formatDim } from '../check/dims';
import type { Dim, Shape } from '../types';
import type { OpCtx, OpDef } from './types';

/** The ids' bound against a table size: index-range when too small, dim-coincidence when equal by chance. */
export function checkTableCovers(ctx: OpCtx, x: Shape, table: Dim, param: string, what: string): void {
  const bound = x.bound;
  if (!bound) return;
  const rel = dimRelation(table, bound);
  if (rel === 'same') return;
  const boundText = formatDim(bound);
  const fixToBound = bound.name ? [{ title: `Set the ${what} to ${bound.name}`, edits: [ctx.setArg(param, bound.name)], preferred: true }] : undefined;
  if (table.size !== undefined && bound.size !== undefined && table.size < bound.size) {
    ctx.report({
      code: 'index-range', range: ctx.argRange(param),
      message: `${ctx.op} needs a ${what} that covers the ids of ${ctx.operandText('x')} (< ${boundText}); got ${formatDim(table)}, so ids ${table.size}..${bound.size - 1} fall outside it`,
      fix: bound.name ? `use ${bound.name} as the ${what}: ${ctx.op}(${ctx.operandText('x')}, ${bound.name}, ...)` : `make the ${what} at least ${bound.size}`,
      quickFixes: fixToBound,
    });
    return;
  }
  if (rel === 'coincidence') {
    ctx.report({
      code: 'dim-coincidence', range: ctx.argRange(param),
      message: `${ctx.op}'s ${what} ${formatDim(table)} equals ${boundText} only by size; the ids of ${ctx.operandText('x')} are < ${bound.name ?? bound.size}, and the sizes will drift apart when the data changes`,
      fix: bound.name ? `write ${bound.name} instead of ${table.name ?? table.size}` : undefined,
      quickFixes: fixToBound,
    });
    return;
  }
  if (table.name !== undefined && bound.name !== undefined && (table.size === undefined || bound.size === undefined)) {
    // Different names, sizes not known yet: cannot prove coverage.
    ctx.report({
      code: 'index-range', range: ctx.argRange(param),
      message: `${ctx.op}'s ${what} is ${formatDim(table)} but the ids of ${ctx.operandText('x')} are < ${boundText}: nothing says ${table.name} covers ${bound.name}`,
      fix: `use ${bound.name} as the ${what}`, quickFixes: fixToBound,
    });
  }
}

function needIds(ctx: OpCtx, x: Shape): boolean {
  if (x.elem !== 'int') {
    ctx.report({
      code: 'shape-mismatch', range: ctx.argRange('x'),
      message: `${ctx.op} needs integer ids (int[..] < vocab); got ${ctx.operandText('x')}: float${dimsText(x.dims)}`,
      fix: ctx.op === 'embedding' ? 'feed token ids from the data (x: int[batch, time] < vocab), or use dense(...) for float features' : 'feed token ids from the data',
    });
    return false;
  }
  return true;
}

export const embedding: OpDef = {
  info: {
    name: 'embedding', signature: 'embedding(x, vocab, size)',
    doc: 'Looks up a learned vector of `size` numbers for each id in `x`.',
    rule: 'int[..] < vocab -> float[.., size]; the table must cover the ids (vocab >= the ids\' bound)',
    params: [
      { name: 'x', type: 'tensor', doc: 'token ids, int[..] < vocab' },
      { name: 'vocab', type: 'size', doc: 'rows of the table: the ids\' bound, usually `vocab`' },
      { name: 'size', type: 'size', doc: 'length of each vector (a number or a named dim)' },
    ],
    outputs: ['out'],
  },
  infer(ctx) {
    const x = ctx.tensor('x');
    const vocab = ctx.dim('vocab');
    const size = ctx.dim('size');
    if (!x || !vocab || !size) return undefined;
    if (!needIds(ctx, x)) return undefined;
    checkTableCovers(ctx, x, vocab, 'vocab', 'table size');
    const params = vocab.size !== undefined && size.size !== undefined ? vocab.size * size.size : undefined;
    return { shape: { elem: 'float', dims: [...x.dims, size], masked: x.masked }, params, paramRule: 'vocab * size' };
  },
};

export const one_hot: OpDef = {
  info: {
    name: 'one_hot', signature: 'one_hot(x, vocab)',
    doc: 'Turns each id into a vector of zeros with a one at the id.',
    rule: 'int[..] < vocab -> float[.., vocab]',
    params: [
      { name: 'x', type: 'tensor', doc: 'ids, int[..] < vocab' },
      { name: 'vocab', type: 'size', doc: 'vector length: the ids\' bound' },
    ],
    outputs: ['out'],
  },
  infer(ctx) {
    const x = ctx.tensor('x');
    const vocab = ctx.dim('vocab');
    if (!x || !vocab) return undefined;
    if (!needIds(ctx, x)) return undefined;
    checkTableCovers(ctx, x, vocab, 'vocab', 'vector length');
    return { shape: { elem: 'float', dims: [...x.dims, vocab], masked: x.masked }, params: 0 };
  },
};
