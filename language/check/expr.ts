// Pass 3: expressions. `inferExpr` gives the shape of any expression tree an op argument can hold: a name, a
// state field (`s.h`), a call nested in another call, arithmetic, parentheses. Every op rule reads its
// tensor arguments through it. Each call and each operation is recorded for the engine as one statement;
// nested ones get a generated name (`last#1`) no user can write.
import type { BinaryExpr, CallExpr, Expr, UnaryExpr } from '../syntax/tree';
import { OP_DEFS } from '../ops/index';
import type { ModelStatement, Position, Range, Shape, StatementSummary, TensorRef, TextEdit } from '../types';
import { ARITH_RULE, inferArithmetic, type Operand } from './arithmetic';
import { checkCall, type CallResult, type CallRow } from './call';
import type { CheckContext } from './context';
import type { DimResolver } from './dimensions';
import { formatDim, formatShape } from './dims';
import type { Scope } from './scope';
import { closest } from './suggest';

/** The most operations one expression may chain (the checker recurses once per operation). */
export const MAX_OPERATIONS = 256;

/** What the expression pass records: the engine's statements and the summary's rows, in execution order. */
export interface Recorded { model: ModelStatement[]; summaries: StatementSummary[] }

/** A statement `name = a + b`: the arithmetic is recorded under the statement's name, not a generated one. */
export interface ArithRow { name: string; label: string; range: Range; hintAt: Position }

export class ExprChecker {
  readonly out: Recorded = { model: [], summaries: [] };
  /** Calls and operations nested in other expressions so far: each gets a generated name. */
  private nestedCount = 0;
  /** Inside an arithmetic expression's operands (its depth was measured at the outermost operation). */
  private inArithmetic = false;

  constructor(
    readonly cx: CheckContext,
    readonly scope: Scope,
    readonly dimsOf: DimResolver,
    /** The tensors the data provides, for "declare it" fixes. */
    private readonly provided: ReadonlyMap<string, Shape>,
    /** Inserts a line at the top of the model block (the "declare input" fix). */
    readonly modelInsertEdit: (line: string) => TextEdit | undefined,
  ) {}

  /** The shape of an expression used as a tensor (a state, too, when `allowState`), or {} after an error. */
  inferExpr(e: Expr, allowState: boolean): Operand {
    if (e.kind === 'missing') { this.scope.markUsed(e); return {}; }
    if (e.kind === 'ident' || e.kind === 'member') return this.name(e, allowState);
    if (e.kind === 'call') return this.nestedCall(e);
    if (e.kind === 'binary' || e.kind === 'unary') return this.arithmetic(e);
    this.cx.report('bad-argument', e.range, `expected a tensor name, got ${this.cx.src(e)}`);
    return {};
  }

  /** A tensor name or a state's field. */
  private name(e: Extract<Expr, { kind: 'ident' | 'member' }>, allowState: boolean): Operand {
    const id = e.kind === 'ident' ? e.name : e.object.name;
    const idRange = e.kind === 'ident' ? e.range : e.object.range;
    const ent = this.scope.get(id);
    if (!ent) { this.unknownName(id, idRange); return {}; }
    ent.used = true;
    // Most tensors are read once: an exact one-element array, not push's 17-slot growth (a long model keeps
    // one per statement alive until the next keystroke).
    if (ent.symbol.references.length === 0) ent.symbol.references = [idRange];
    else ent.symbol.references.push(idRange);
    if (ent.unknown) return {};
    const ref: TensorRef = { name: id, range: e.range };
    const v = ent.value;
    if (e.kind === 'member') {
      const f = e.field.name;
      const cx = this.cx;
      if (v.kind !== 'state') { cx.report('bad-argument', e.field.range, `${id} is a tensor, not a recurrent state; it has no field ${f}`, { fix: `use ${id} itself` }); return {}; }
      if (f !== 'h' && f !== 'c') { cx.report('bad-argument', e.field.range, `a ${v.cell} state has ${v.cell === 'lstm' ? 'h and c' : 'h'}; got .${f}`, { fix: `use ${id}.h` }); return {}; }
      if (f === 'c' && !v.c) { cx.report('bad-argument', e.field.range, `a ${v.cell} state has h only (c belongs to lstm)`, { fix: `use ${id}.h` }); return {}; }
      ref.field = f;
      return { value: f === 'h' ? v.h : v.c!, ref, def: ent.def };
    }
    if (v.kind === 'state' && !allowState) {
      this.cx.report('shape-mismatch', e.range, `${id} is the state of a ${v.cell} (h${v.c ? ', c' : ''}), not a tensor`, {
        fix: `use ${id}.h for the top layer's final output [batch, ${formatDim(v.size)}]`,
        quickFixes: [{ title: `Use ${id}.h`, edits: [{ range: e.range, newText: `${id}.h` }], preferred: true }],
      });
      return {};
    }
    return { value: v, ref, def: ent.def };
  }

  /** A name that is not in scope: data not declared, used too early, an op, or a typo. */
  private unknownName(id: string, idRange: Range): void {
    const { cx, scope } = this;
    const p = this.provided.get(id);
    if (p) {
      const edit = this.modelInsertEdit(`input ${id}: ${shapeDecl(p)}`);
      cx.report('unknown-name', idRange, `${id} is not declared in the model; the data provides ${id}: ${formatShape(p)}`, {
        fix: `declare it: input ${id}: ${shapeDecl(p)}`,
        quickFixes: edit ? [{ title: `Declare input ${id}`, edits: [edit], preferred: true }] : undefined,
      });
      return;
    }
    const later = scope.laterNames.get(id);
    if (later && later.start.line >= idRange.start.line && !(later.start.line === idRange.start.line && later.start.character === idRange.start.character)) {
      cx.report('unknown-name', idRange, `${id} is used before it is defined (on line ${later.start.line + 1})`, { fix: 'move this statement below the one that defines it', related: [{ range: later, message: `${id} is defined here` }] });
      return;
    }
    if (OP_DEFS[id]) { cx.report('unknown-name', idRange, `${id} is an op, not a tensor: call it on a tensor`, { fix: `call it: ${OP_DEFS[id].info.signature}` }); return; }
    const guess = closest(id, scope.names());
    // The tensor the typo meant is read here: no "computed but nothing reads it" on its statement (that fix
    // would delete correct code).
    const meant = guess ? scope.get(guess) : undefined;
    if (meant) meant.used = true;
    cx.report('unknown-name', idRange, `unknown tensor ${id}${scope.size ? `; in scope: ${listSome(scope.names(), scope.size)}` : ''}`, {
      fix: guess ? `did you mean ${guess}?` : this.provided.size ? `declare an input, e.g. input x: int[batch, time] < vocab` : undefined,
      quickFixes: cx.didYouMean(guess, idRange).quickFixes,
    });
  }

  /**
   * A call inside another call's arguments (`dense(last(h), classes)`): checked like a statement of its own.
   * It stands for its first output (a nested `lstm(...)` gives its sequence, not its state).
   */
  private nestedCall(e: CallExpr): Operand {
    const name = `${e.callee.name}#${++this.nestedCount}`;
    const wasIn = this.inArithmetic;
    this.inArithmetic = false; // a call's arguments are expressions of their own, measured afresh
    let r: CallResult;
    try { r = this.call(e, [name], [e.range], { label: shorten(this.cx.src(e)), range: e.range, hintAt: this.cx.position(e.end), nested: true }); } finally { this.inArithmetic = wasIn; }
    if (!r.shape) return {};
    return { value: r.shape, ref: { name, range: e.range }, def: e.range };
  }

  /** One op call, as a statement (`outNames` its targets) or nested (one generated name). */
  call(v: CallExpr, outNames: string[], outRanges: Range[], row: CallRow): CallResult {
    return checkCall(v, outNames, outRanges, row, this);
  }

  /**
   * Arithmetic on tensors (`h + lstm(h, hidden)`, `0.5 * x`): its shape (broadcast by name, arithmetic.ts),
   * recorded for the engine as an op of its own (`add`, `sub`, `mul`, `div`, or `scalar` with a number).
   */
  arithmetic(e: BinaryExpr | UnaryExpr, row?: ArithRow): Operand {
    const cx = this.cx;
    // Each operation is checked recursively: a chain of thousands (`e + e + ... + e`) would run out of stack.
    // Measured once, at the outermost operation (its operands are inside the limit then).
    if (!this.inArithmetic && operationDepth(e) > MAX_OPERATIONS) {
      this.scope.markUsed(e);
      cx.report('bad-argument', e.range, `this expression chains more than ${MAX_OPERATIONS} operations`, { fix: 'split it into statements of their own (s1 = ..., s2 = s1 + ...)' });
      return {};
    }
    const outer = !this.inArithmetic;
    this.inArithmetic = true;
    let r: ReturnType<typeof inferArithmetic>;
    try {
      r = inferArithmetic(e, { tensor: (x) => this.inferExpr(x, false), report: (c, rg, m, x) => cx.report(c, rg, m, x ?? {}), src: (x) => cx.src(x) });
    } finally { if (outer) this.inArithmetic = false; }
    if (!r) return {};
    const name = row?.name ?? `${r.op}#${++this.nestedCount}`;
    const range = row?.range ?? e.range;
    const operands = r.kind === 'tensors' ? [r.left, r.right] : [r.tensor];
    const params = r.kind === 'scalar' ? { op: r.op, k: r.k, tensorFirst: r.tensorFirst } : {};
    const nested = row ? {} : { nested: true as const };
    this.out.model.push({ kind: 'op', outputs: [name], outputRanges: [range], op: r.kind === 'scalar' ? 'scalar' : r.op, operands, params, range, opRange: e.range, ...nested });
    this.out.summaries.push({
      label: row?.label ?? shorten(cx.src(e)), op: r.op, shape: r.shape, params: 0, rule: ARITH_RULE, range,
      hintAt: row?.hintAt ?? cx.position(e.end), ...(row ? {} : { nested: { output: name, opRange: e.range } }),
    });
    return { value: r.shape, ref: { name, range: e.range }, def: e.range };
  }
}

/** How deep the operations of an expression nest (iteratively: the point is to avoid deep recursion). */
function operationDepth(e: Expr): number {
  let max = 0;
  const stack: [Expr, number][] = [[e, 1]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (x.kind !== 'binary' && x.kind !== 'unary') continue;
    if (d > max) max = d;
    if (max > MAX_OPERATIONS) return max;
    if (x.kind === 'binary') stack.push([x.left, d + 1], [x.right, d + 1]);
    else stack.push([x.operand, d + 1]);
  }
  return max;
}

/** A nested expression's summary label: its text on one line, cut to 40 characters. */
function shorten(text: string, max = 40): string {
  const t = text.replace(/\s+/g, ' ');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** A shape as an input declaration writes it (`int[batch, time] < vocab`). */
export function shapeDecl(s: Shape): string {
  return `${s.elem}[${s.dims.map((d) => d.name ?? d.size).join(', ')}]${s.bound ? ' < ' + (s.bound.name ?? s.bound.size) : ''}`;
}

/** The first names of a scope, and how many more (a message must not grow with the file). */
function listSome(names: Iterable<string>, count: number, max = 12): string {
  const first: string[] = [];
  for (const n of names) { if (first.length >= max) break; first.push(n); }
  return count > max ? `${first.join(', ')} and ${count - max} more` : first.join(', ');
}

export type { Operand };
