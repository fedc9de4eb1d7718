// Pass 2: dimensions. The dims block binds names to sizes; every later use of a dimension (an input's type,
// a size argument, a reshape target) is resolved here against what the dims block and the data bound.
import type { Block, Expr, TypeExpr } from '../syntax/tree';
import type { Dim, Shape, TextEdit } from '../types';
import type { CheckContext } from './context';
import { dimProduct, sumDim } from './dims';
import { closest } from './suggest';

/** The largest size a dim may have (2^24): past it no tensor of the engine fits in memory anyway. */
export const MAX_DIM_SIZE = 16_777_216;

/** `dims { NAME = SIZE ... }`: each entry a whole number, each name once. */
export function checkDimsBlock(block: Block, cx: CheckContext): void {
  for (const e of block.entries) {
    if (e.kind !== 'assign') { cx.report('bad-argument', e.range, 'the dims block holds `NAME = SIZE` entries', { fix: 'move inputs into the model block' }); continue; }
    if (e.targets.length !== 1) { cx.report('bad-argument', e.range, 'one dim a line: NAME = SIZE'); continue; }
    const t = e.targets[0];
    const v = e.value;
    if (v.kind === 'missing') continue;
    if (v.kind !== 'number' || !v.integer || v.value < 1) {
      cx.report('bad-argument', v.range, `a dim's size is a whole number >= 1; ${t.name} = ${cx.src(v)} is not`, { fix: `write ${t.name} = 256` });
      continue;
    }
    if (v.value > MAX_DIM_SIZE) {
      cx.report('bad-argument', v.range, `${t.name} = ${v.value > 1e21 ? `a ${cx.src(v).length}-digit number` : v.value.toLocaleString('en-US')} is past the largest size Unroll accepts (${MAX_DIM_SIZE.toLocaleString('en-US')})`, { fix: `write a size such as ${t.name} = 256` });
      // Still defined (size unknown), so its uses are not reported again as unknown dimensions.
      if (!cx.dims.has(t.name)) cx.dims.set(t.name, { name: t.name, origin: 'dims', range: t.range, detail: `dims block: ${t.name} (refused: too large)` });
      continue;
    }
    const prev = cx.dims.get(t.name);
    if (prev) { cx.report('bad-argument', t.range, `dim ${t.name} is defined twice`, { fix: 'remove one of them', related: [{ range: prev.range, message: 'first definition' }] }); continue; }
    cx.dims.set(t.name, { name: t.name, size: v.value, origin: 'dims', range: t.range, detail: `dims block: ${t.name} = ${v.value}` });
    cx.dimSymbol(t.name, t.range, `dim ${t.name} = ${v.value} (dims block)`);
  }
}

/** A dimension as written, resolved: the dim and, for a product (`batch * time`), its factors. */
export interface ResolvedDim { dim?: Dim; factors?: Dim[] }

/** Resolves dimension references. `allowNew`: an unknown name declares a dimension of unknown size. */
export class DimResolver {
  constructor(private readonly cx: CheckContext, private readonly dimsBlock: Block | undefined) {}

  /** A dim reference in a type, a size argument or a reshape list. */
  resolve(e: Expr, ctxText: string, allowNew: boolean): ResolvedDim {
    const cx = this.cx;
    if (e.kind === 'missing') return {};
    if (e.kind === 'number') {
      if (!e.integer || e.value < 1) { cx.report('bad-argument', e.range, `a size is a whole number >= 1; got ${e.text} in ${ctxText}`); return {}; }
      return { dim: { size: e.value }, factors: [{ size: e.value }] };
    }
    if (e.kind === 'ident') return this.named(e.name, e.range, ctxText, allowNew);
    if (e.kind === 'binary' && e.op === '*') return this.product(e, ctxText, allowNew);
    if (e.kind === 'binary' && e.op === '+') {
      // A sum (`hidden + embed`) is a size, as concat makes one; it has no factors, so no reshape reads it.
      const l = this.resolve(e.left, ctxText, allowNew), r = this.resolve(e.right, ctxText, allowNew);
      return l.dim && r.dim ? { dim: sumDim(l.dim, r.dim) } : {};
    }
    if (e.kind === 'unary' && e.operand.kind === 'number') {
      cx.report('bad-argument', e.range, `${cx.src(e)} is not a dimension; reshape and transpose work by name, so -1 is never needed`, { fix: 'write the dimensions by name, e.g. [batch * time, hidden]' });
      return {};
    }
    cx.report('bad-argument', e.range, `expected a dimension (a name or a number) in ${ctxText}, got ${cx.src(e)}`);
    return {};
  }

  private named(name: string, range: Expr['range'], ctxText: string, allowNew: boolean): ResolvedDim {
    const cx = this.cx;
    const d = cx.lookupDim(name);
    if (d) { cx.dimRef(name, range); return { dim: d, factors: [d] }; }
    if (allowNew) {
      cx.dims.set(name, { name, origin: 'op', range, detail: `declared by an input type (no data block binds it)` });
      cx.dimSymbol(name, range, `dim ${name} (size unknown: no data binds it)`);
      return { dim: { name }, factors: [{ name }] };
    }
    const guess = closest(name, [...cx.dims.keys()]);
    const dimsEdit = this.dimsInsertEdit(name);
    cx.report('unknown-name', range, `unknown dimension ${name} in ${ctxText}${cx.dims.size ? `; known dims: ${[...cx.dims.keys()].join(', ')}` : ''}`, {
      fix: guess ? `did you mean ${guess}?` : `define it: dims { ${name} = 256 }`,
      quickFixes: [
        ...(guess ? [{ title: `Change to ${guess}`, edits: [{ range, newText: guess }], preferred: true }] : []),
        ...(dimsEdit ? [{ title: `Add ${name} to dims`, edits: [dimsEdit] }] : []),
      ],
    });
    return {};
  }

  private product(e: Expr, ctxText: string, allowNew: boolean): ResolvedDim {
    // Flattened without recursion: the parser builds `a * b * c ...` left-deep, one level per factor, so a
    // long product would otherwise overflow the stack.
    const leaves: Expr[] = [];
    const stack: Expr[] = [e];
    while (stack.length) {
      const x = stack.pop()!;
      if (x.kind === 'binary' && x.op === '*') stack.push(x.right, x.left); else leaves.push(x);
    }
    const factors: Dim[] = [];
    let ok = true;
    for (const leaf of leaves) {
      const r = this.resolve(leaf, ctxText, allowNew);
      if (r.factors) factors.push(...r.factors); else ok = false;
    }
    if (!ok) return {};
    return { dim: dimProduct(factors), factors };
  }

  private dimsInsertEdit(name: string): TextEdit | undefined {
    const block = this.dimsBlock;
    if (!block || block.close === undefined) return undefined;
    const at = this.cx.position(block.close);
    const oneLine = block.range.start.line === at.line;
    return { range: { start: at, end: at }, newText: oneLine ? `, ${name} = 256 ` : `  ${name} = 256\n` };
  }

  /** An input's declared type (`int[batch, time] < vocab`) as a shape, or undefined after an error. */
  typeToShape(t: TypeExpr, name: string, allowNew: boolean): Shape | undefined {
    const cx = this.cx;
    const elem = t.elem.name;
    if (elem !== 'int' && elem !== 'float') { cx.report('bad-argument', t.elem.range, `the element type is int or float; got ${elem}`, { fix: `input ${name}: int[batch, time] < vocab` }); return undefined; }
    const ds: Dim[] = [];
    for (const d of t.dims) {
      const r = this.resolve(d, `the type of ${name}`, allowNew);
      if (!r.dim) return undefined;
      ds.push(r.dim);
    }
    let bound: Dim | undefined;
    if (t.bound) {
      if (elem !== 'int') cx.report('bad-argument', t.bound.range, `only int tensors have a bound (< vocab); ${name} is float`, { fix: 'remove the bound or make it int' });
      bound = this.resolve(t.bound, `the bound of ${name}`, allowNew).dim;
    }
    const sh: Shape = { elem, dims: ds };
    if (bound) sh.bound = bound;
    return sh;
  }
}
