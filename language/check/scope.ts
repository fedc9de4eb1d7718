// The model's tensors by name: where each is defined, whether anything reads it, and its value. The
// expression pass resolves names here; the model pass defines them and, at the end, reports the unused.
import type { AssignEntry, Expr, InputEntry } from '../syntax/tree';
import type { LayoutOrigin } from '../ops/types';
import type { Range, Shape, StateValue, SymbolInfo } from '../types';
import type { CheckContext } from './context';

export interface TensorEntry {
  value: Shape | StateValue;
  def: Range;
  used: boolean;
  kind: 'input' | 'op' | 'data';
  symbol: SymbolInfo;
  /** The statement that made it (for the unused quick fix and the layout origin). */
  stmt?: AssignEntry | InputEntry;
  /** Its statement had an error, so its shape is unknown: uses of it are not checked (no follow-on errors). */
  unknown?: boolean;
}

export class Scope {
  readonly entries = new Map<string, TensorEntry>();
  /** Every tensor's value after inference, for the editor (Analysis.values). */
  readonly values = new Map<string, Shape | StateValue>();
  /** Every name the model block defines, and where: a use above its definition is "used before defined". */
  readonly laterNames = new Map<string, Range>();

  constructor(private readonly cx: CheckContext) {}

  get(name: string): TensorEntry | undefined { return this.entries.get(name); }
  has(name: string): boolean { return this.entries.has(name); }
  get size(): number { return this.entries.size; }
  names(): IterableIterator<string> { return this.entries.keys(); }

  /** `detail` (the symbol's one-line description) is written only when an editor feature reads it: on a
   *  large file most are never read, and formatting every shape on every keystroke showed in profiles. */
  define(name: string, range: Range, value: Shape | StateValue, kind: TensorEntry['kind'], stmt: TensorEntry['stmt'], detail: () => string): void {
    if (name === '_') return;
    const prev = this.entries.get(name);
    if (prev) {
      this.cx.report('bad-argument', range, `${name} is already defined on line ${this.cx.lineOf(prev.def)}; each tensor is defined once`, { fix: `give this one another name, e.g. ${name}2`, related: [{ range: prev.def, message: `${name} is defined here` }] });
      return;
    }
    let text: string | undefined;
    const symbol: SymbolInfo = {
      kind: value.kind === 'state' ? 'state' : 'tensor', name, definition: range, references: [],
      get detail() { return (text ??= detail()); },
    };
    this.cx.symbols.push(symbol);
    this.entries.set(name, { value, def: range, used: false, kind, symbol, stmt });
    this.values.set(name, value);
  }

  /** Marks every tensor named inside an expression as used (after an error, to avoid `unused` noise).
   *  Iterative: it runs on the expressions too long or too deep to check (`h + h + ...` 10,000 times). */
  markUsed(root: Expr): void {
    const stack: Expr[] = [root];
    while (stack.length) {
      const e = stack.pop()!;
      if (e.kind === 'ident' || e.kind === 'member') { const ent = this.entries.get(e.kind === 'ident' ? e.name : e.object.name); if (ent) ent.used = true; }
      else if (e.kind === 'call') for (const a of e.args) stack.push(a.value);
      else if (e.kind === 'list') stack.push(...e.items);
      else if (e.kind === 'binary') stack.push(e.left, e.right);
      else if (e.kind === 'unary') stack.push(e.operand);
      else if (e.kind === 'missing') for (const n of e.skipped ?? []) { const ent = this.entries.get(n); if (ent) ent.used = true; }
    }
  }

  /** Follows first operands back to the statement that fixed a tensor's dimension order (see OpCtx). */
  layoutOrigin(name: string): LayoutOrigin | undefined {
    for (let steps = 0, cur: string | undefined = name; cur && steps < 1000; steps++) {
      const stmt: AssignEntry | InputEntry | undefined = this.entries.get(cur)?.stmt;
      if (!stmt) return undefined;
      if (stmt.kind === 'input') return { kind: 'input', range: stmt.range, name: cur };
      const v: Expr = stmt.value;
      if (v.kind !== 'call') return undefined;
      if (v.callee.name === 'transpose' || v.callee.name === 'reshape') return { kind: v.callee.name, range: stmt.range };
      const first: Expr | undefined = v.args.find((a) => !a.name || a.name.name === 'x')?.value;
      cur = first?.kind === 'ident' ? first.name : first?.kind === 'member' ? first.object.name : undefined;
    }
    return undefined;
  }

  /** Tensors nothing reads. Without a train block the last op is the model's output, read by predict. */
  reportUnused(hasTrain: boolean): void {
    let lastOp: TensorEntry | undefined;
    for (const s of this.entries.values()) if (s.kind === 'op' && s.value.kind !== 'state') lastOp = s;
    for (const [name, ent] of this.entries) {
      if (ent.used) continue;
      if (!hasTrain && ent === lastOp) continue;
      if (ent.value.kind === 'state') {
        this.cx.report('unused', ent.def, `the state ${name} is never used`, { fix: 'write _ in its place to discard it', quickFixes: [{ title: `Discard ${name} (write _)`, edits: [{ range: ent.def, newText: '_' }], preferred: true }] });
      } else if (ent.kind === 'input') {
        this.cx.report('unused', ent.def, `input ${name} is never used`, { fix: 'remove the declaration, or use it' });
      } else {
        this.cx.report('unused', ent.def, `${name} is computed but nothing reads it`, { fix: hasTrain ? 'use it in a later statement or the loss, or remove the statement' : 'remove the statement, or use it' });
      }
    }
  }
}
