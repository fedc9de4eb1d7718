// What every pass of the checker shares: the text, the diagnostics it reports, the symbol table the editor
// reads, and the dimensions bound so far. Passes hand each other plain data; only these accumulate.
import type { LineMap } from '../syntax/lexer';
import type { DataHost, Diagnostic, Dim, DimInfo, Position, QuickFix, Range, Related, SymbolInfo } from '../types';

export interface CheckOptions { uri: string; path?: string; host?: DataHost }

export interface ReportExtra { fix?: string; quickFixes?: QuickFix[]; related?: Related[]; severity?: Diagnostic['severity'] }

export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly symbols: SymbolInfo[] = [];
  /** Every dimension bound so far: by the dims block, the data, or an input's type. */
  readonly dims = new Map<string, DimInfo>();
  private readonly dimSymbols = new Map<string, SymbolInfo>();
  // One Dim per binding, shared by every shape that uses it (dims are never mutated): a 2,000-line model
  // looks up `hidden` a thousand times.
  private readonly dimOf = new Map<DimInfo, Dim>();

  constructor(readonly text: string, readonly map: LineMap, readonly opts: CheckOptions) {}

  report(code: Diagnostic['code'], range: Range, message: string, extra: ReportExtra = {}): void {
    const d: Diagnostic = { range, severity: extra.severity ?? (code === 'unused' ? 2 : 1), code, message };
    if (extra.fix) d.fix = extra.fix;
    if (extra.related?.length) d.related = extra.related;
    if (extra.quickFixes?.length) d.quickFixes = extra.quickFixes;
    this.diagnostics.push(d);
  }

  /** A guess at a misspelt name: the message's fix and the quick fix that applies it. */
  didYouMean(guess: string | undefined, range: Range): { fix?: string; quickFixes?: QuickFix[] } {
    return guess ? { fix: `did you mean ${guess}?`, quickFixes: [{ title: `Change to ${guess}`, edits: [{ range, newText: guess }], preferred: true }] } : {};
  }

  src(node: { start: number; end: number }): string { return this.text.slice(node.start, node.end); }
  position(offset: number): Position { return this.map.position(offset); }
  lineOf(r: Range): number { return r.start.line + 1; }

  /** Did the parser report an error inside this range? */
  syntaxErrorIn(r: Range): boolean {
    return this.diagnostics.some((d) => d.code === 'syntax' && d.range.start.line >= r.start.line && d.range.start.line <= r.end.line);
  }

  lookupDim(name: string): Dim | undefined {
    const d = this.dims.get(name);
    if (!d) return undefined;
    let dim = this.dimOf.get(d);
    if (!dim) { dim = { name, size: d.size, sizes: d.sizes }; this.dimOf.set(d, dim); }
    return dim;
  }

  /** The editor's symbol for a dimension: made at its first binding, referenced at every later use. */
  dimSymbol(name: string, def: Range, detail: string): SymbolInfo {
    const known = this.dimSymbols.get(name);
    if (known) return known;
    const s: SymbolInfo = { kind: 'dim', name, definition: def, references: [], detail };
    this.dimSymbols.set(name, s);
    this.symbols.push(s);
    return s;
  }
  dimRef(name: string, r: Range): void { this.dimSymbols.get(name)?.references.push(r); }
}
