// One op call: binds its arguments to the op's parameters, evaluates each (tensor arguments through
// inferExpr, so nested calls are checked first), runs the op's shape rule, and records the call for the
// engine and the summary.
import type { CallExpr, Expr } from '../syntax/tree';
import { OP_DEFS } from '../ops/index';
import type { OpCtx, OpDef, OpResult, LayoutOrigin, Report } from '../ops/types';
import { LOSSES } from '../settings/index';
import type { Dim, Position, Range, Shape, StateValue, TensorRef, TextEdit } from '../types';
import type { Operand } from './arithmetic';
import type { CheckContext } from './context';
import { dimsText, sizeProduct } from './dims';
import type { ExprChecker } from './expr';
import { closest } from './suggest';
import { literal, parseDefault, typeProblem } from './values';

/** Where a call's row goes in the summary; `nested`: inside another expression (a generated name). */
export interface CallRow { label: string; range: Range; hintAt: Position; nested?: boolean }
/** `known`: false when the op does not exist. The shapes are absent after an error. */
export interface CallResult { known: boolean; shape?: Shape; state?: StateValue; extra?: Shape[] }

type Bound = Map<string, { expr: Expr; range: Range; nameRange?: Range }>;
type DimList = { dim: Dim; factors: Dim[]; range: Range; text: string }[];

/** A call's evaluated arguments, by kind. Maps are created on first use: most calls fill one or two. */
interface Args { tensors?: Map<string, Operand>; sizes?: Map<string, Dim>; dimLists?: Map<string, DimList>; scalars?: Map<string, unknown>; bad: boolean }

/** Stands in for an argument table that nothing was put into. */
const NONE: ReadonlyMap<string, never> = new Map<string, never>();

export function checkCall(v: CallExpr, outNames: string[], outRanges: Range[], row: CallRow, ex: ExprChecker): CallResult {
  const cx = ex.cx;
  const opName = v.callee.name;
  const def = OP_DEFS[opName];
  if (!def) {
    const inLoss = LOSSES[opName] ? ` (${opName} is a loss: it goes in the train block)` : '';
    const guess = closest(opName, Object.keys(OP_DEFS));
    cx.report('unknown-op', v.callee.range, `unknown op ${opName}${inLoss}; the ops are ${Object.keys(OP_DEFS).join(', ')}`, cx.didYouMean(guess, v.callee.range));
    // Mark operands used so one typo does not also produce `unused` noise.
    for (const a of v.args) ex.scope.markUsed(a.value);
    return { known: false };
  }
  const { bound, bad: badBinding } = bindArgs(v, def, cx);
  const args = evaluateArgs(opName, def, bound, ex);
  if (!args.bad && ambiguousDim(opName, def, bound, args, cx)) args.bad = true;
  const params = engineParams(args);
  let result: OpResult | undefined;
  if (!badBinding && !args.bad) {
    const ctx = new StatementCtx(opName, v, bound, args, ex);
    try { result = def.infer(ctx); } catch (err) { cx.report('syntax', v.range, `internal error in ${opName}'s shape rule: ${(err as Error)?.message ?? err}`, { severity: 2 }); }
  }
  // Exact-size, as for references: most statements have one operand.
  let operands: TensorRef[] = [];
  for (const p of def.info.params) if (p.type === 'tensor') { const r = args.tensors?.get(p.name)?.ref; if (r) operands = operands.length ? operands.concat([r]) : [r]; }
  const shape = result?.shape;
  const nested = row.nested ? { nested: true as const } : {};
  ex.out.model.push({ kind: 'op', outputs: outNames, outputRanges: outRanges, op: opName, operands, params, range: row.range, opRange: v.callee.range, ...nested });
  ex.out.summaries.push({
    label: row.label, op: opName, shape, state: result?.state, extra: result?.extra, params: result ? result.params : undefined,
    rule: def.info.rule, paramRule: result?.paramRule, range: row.range, hintAt: row.hintAt,
    ...(row.nested ? { nested: { output: outNames[0], opRange: v.callee.range } } : {}),
  });
  return { known: true, shape, state: result?.state, extra: result?.extra };
}

/** Binds positional and named arguments to parameters; `bad` when a required one is missing. */
function bindArgs(v: CallExpr, def: OpDef, cx: CheckContext): { bound: Bound; bad: boolean } {
  const info = def.info;
  const opName = v.callee.name;
  const bound: Bound = new Map();
  let positional = 0;
  for (const a of v.args) {
    if (a.name) {
      const p = info.params.find((q) => q.name === a.name!.name);
      if (!p) {
        const guess = closest(a.name.name, info.params.map((q) => q.name));
        cx.report('bad-argument', a.name.range, `${opName} has no argument ${a.name.name}; its arguments are ${info.params.map((q) => q.name).join(', ')}`, {
          fix: guess ? `did you mean ${guess}?` : `see ${info.signature}`, quickFixes: cx.didYouMean(guess, a.name.range).quickFixes,
        });
        continue;
      }
      if (bound.has(p.name)) { cx.report('bad-argument', a.range, `${opName}: ${p.name} is given twice`, { fix: 'remove one' }); continue; }
      bound.set(p.name, { expr: a.value, range: a.value.range, nameRange: a.name.range });
    } else {
      const p = info.params[positional++];
      if (!p || p.type === 'state') { cx.report('bad-argument', a.range, `${opName} takes at most ${info.params.filter((q) => q.type !== 'state').length} arguments: ${info.signature}`, { fix: 'remove the extra argument, or name it (key = value)' }); continue; }
      if (bound.has(p.name)) { cx.report('bad-argument', a.range, `${opName}: ${p.name} is given twice`); continue; }
      bound.set(p.name, { expr: a.value, range: a.value.range });
    }
  }
  let bad = false;
  for (const p of info.params) {
    if (!bound.has(p.name) && p.default === undefined && p.type !== 'state' && p.type !== 'dim') {
      // After a syntax error on the line (`dense(h + h), 1)`) the argument is likely there, past the mistake.
      if (!cx.syntaxErrorIn(v.range)) cx.report('bad-argument', v.range, `${opName} needs ${p.name} (${p.doc}): ${info.signature}`, { fix: `add ${p.name}` });
      bad = true;
    }
  }
  return { bound, bad };
}

/** Evaluates each bound argument by its parameter's type; defaults fill the rest. */
function evaluateArgs(opName: string, def: OpDef, bound: Bound, ex: ExprChecker): Args {
  const cx = ex.cx;
  const a: Args = { bad: false };
  for (const p of def.info.params) {
    const b = bound.get(p.name);
    if (!b) { if (p.default !== undefined) (a.scalars ??= new Map()).set(p.name, parseDefault(p.default)); continue; }
    const e = b.expr;
    if (e.kind === 'missing') { ex.scope.markUsed(e); a.bad = true; continue; }
    switch (p.type) {
      case 'tensor': case 'state': {
        const r = ex.inferExpr(e, p.type === 'state');
        (a.tensors ??= new Map()).set(p.name, r);
        if (!r.value) a.bad = true;
        break;
      }
      case 'size': {
        const r = ex.dimsOf.resolve(e, `${opName}'s ${p.name}`, false);
        if (r.dim) (a.sizes ??= new Map()).set(p.name, r.factors && r.factors.length > 1 ? sizeProduct(r.factors) : r.dim); else a.bad = true;
        break;
      }
      case 'dims': {
        if (e.kind !== 'list') { cx.report('bad-argument', e.range, `${opName}'s ${p.name} is a list of dimensions, e.g. [batch * time, hidden]; got ${cx.src(e)}`); a.bad = true; break; }
        const items: DimList = [];
        for (const it of e.items) {
          const r = ex.dimsOf.resolve(it, `${opName}'s target`, false);
          if (r.dim && !r.factors) cx.report('bad-argument', it.range, `${opName}'s target ${cx.src(it)} is a sum; a target is a dimension or a product of neighbours (batch * time)`, { fix: 'write the dimensions by name, e.g. [batch * time, hidden]' });
          if (!r.dim || !r.factors) { a.bad = true; continue; }
          items.push({ dim: r.dim, factors: r.factors, range: it.range, text: cx.src(it) });
        }
        (a.dimLists ??= new Map()).set(p.name, items);
        break;
      }
      case 'dim': {
        if (e.kind === 'ident' || e.kind === 'string') {
          const n = e.kind === 'ident' ? e.name : e.value;
          (a.scalars ??= new Map()).set(p.name, n);
          if (e.kind === 'ident') cx.dimRef(n, e.range);
        } else { cx.report('bad-argument', e.range, `${opName}'s ${p.name} names a dimension (e.g. over = time); got ${cx.src(e)}`); a.bad = true; }
        break;
      }
      default: {
        const problem = typeProblem(e, p.type, p.choices);
        if (problem) {
          const guess = p.choices && e.kind === 'ident' ? closest(e.name, p.choices) : undefined;
          cx.report('bad-argument', e.range, `${opName}'s ${p.name} ${problem}; got ${cx.src(e)}`, guess ? cx.didYouMean(guess, e.range) : { fix: p.choices ? `use one of ${p.choices.join(', ')}` : `e.g. ${p.name} = ${p.default ?? 1}` });
          a.bad = true;
        }
        else (a.scalars ??= new Map()).set(p.name, literal(e));
      }
    }
  }
  return a;
}

/**
 * `mean(w, over = time)` where w is self-attention's weights [batch, time, time]: two dimensions answer to the
 * name, and picking one silently would be a guess.
 */
function ambiguousDim(opName: string, def: OpDef, bound: Bound, a: Args, cx: CheckContext): boolean {
  for (const p of def.info.params) {
    if (p.type !== 'dim') continue;
    const name = a.scalars?.get(p.name);
    if (typeof name !== 'string' || !bound.has(p.name)) continue;
    for (const [param, t] of a.tensors ?? []) {
      const v = t.value;
      if (!v || v.kind === 'state' || v.dims.filter((d) => d.name === name).length < 2) continue;
      cx.report('shape-mismatch', bound.get(p.name)!.range, `${opName}(${p.name} = ${name}) is ambiguous: ${cx.src(bound.get(param)!.expr)}: ${dimsText(v.dims)} has two dimensions named ${name}`, {
        fix: `reduce a tensor whose dimensions have distinct names (self-attention's weights [batch, ${name}, ${name}] have two)`,
      });
      return true;
    }
  }
  return false;
}

/** The op's settings as the engine reads them (ModelStatement.params). */
function engineParams(a: Args): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  if (a.sizes) for (const [k, d] of a.sizes) params[k] = d;
  if (a.dimLists) for (const [k, l] of a.dimLists) params[k] = l.map((i) => i.dim);
  if (a.scalars) for (const [k, s] of a.scalars) params[k] = s;
  const initRef = a.tensors?.get('init')?.ref;
  if (initRef) params.init = initRef;
  return params;
}

/**
 * The view of one call's resolved arguments that its op's shape rule reads. A class, not an object of
 * closures: a model of 2,000 statements would otherwise allocate some 30,000 closures per keystroke.
 */
class StatementCtx implements OpCtx {
  readonly callRange: Range;
  private readonly tensors: ReadonlyMap<string, Operand>;
  private readonly sizes: ReadonlyMap<string, Dim>;
  private readonly dimLists: ReadonlyMap<string, DimList>;
  private readonly scalars: ReadonlyMap<string, unknown>;
  constructor(readonly op: string, private readonly call: CallExpr, private readonly bound: Bound, args: Args, private readonly ex: ExprChecker) {
    this.callRange = call.range;
    this.tensors = args.tensors ?? NONE;
    this.sizes = args.sizes ?? NONE;
    this.dimLists = args.dimLists ?? NONE;
    this.scalars = args.scalars ?? NONE;
  }
  argRange(p: string): Range { return this.bound.get(p)?.range ?? this.call.callee.range; }
  has(p: string): boolean { return this.bound.has(p); }
  tensor(p: string): Shape | undefined { const v = this.tensors.get(p)?.value; return v && v.kind !== 'state' ? v : undefined; }
  operandText(p: string): string { const b = this.bound.get(p); return b ? this.ex.cx.src(b.expr) : p; }
  operandDefinition(p: string): Range | undefined { return this.tensors.get(p)?.def; }
  layoutOrigin(p: string): LayoutOrigin | undefined { const r = this.tensors.get(p)?.ref; return r ? this.ex.scope.layoutOrigin(r.name) : undefined; }
  stateArg(p: string): Shape | StateValue | undefined { return this.tensors.get(p)?.value; }
  dim(p: string): Dim | undefined { return this.sizes.get(p); }
  num(p: string): number { return Number(this.scalars.get(p)); }
  bool(p: string): boolean { return this.scalars.get(p) === true; }
  str(p: string): string { return String(this.scalars.get(p) ?? ''); }
  dims(p: string): DimList | undefined { return this.dimLists.get(p); }
  lookupDim(name: string): Dim | undefined { return this.ex.cx.lookupDim(name); }
  report(r: Report): void { this.ex.cx.report(r.code, r.range ?? this.call.range, r.message, { fix: r.fix, quickFixes: r.quickFixes, related: r.related }); }
  setArg(p: string, newText: string): TextEdit {
    const b = this.bound.get(p);
    if (b) return { range: b.range, newText };
    // Insert before the closing paren.
    const at = this.ex.cx.position(this.call.close !== undefined ? this.call.close : this.call.end);
    return { range: { start: at, end: at }, newText: `, ${p} = ${newText}` };
  }
}
