// One analysed document version: the text, the core's analysis, tokens and the token-level structure.
// Every feature handler takes a DocContext; the cache makes sure each version is analysed once.
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fileURLToPath } from 'node:url';
import { analyze, tokenize, type Analysis, type AnalyzeOptions, type DataHost, type Token } from './core';

export type Analyzer = (text: string, opts: AnalyzeOptions) => Analysis;
import { buildSyntax, type Syntax } from './syntax';

export interface DocContext {
  readonly uri: string;
  readonly version: number;
  readonly doc: TextDocument;
  readonly text: string;
  readonly analysis: Analysis;
  readonly tokens: Token[];
  readonly syntax: Syntax;
  /** Set when the core threw on this version: features answer from tokens alone. */
  readonly failure?: Error;
}

/** The text of one line of a version, without its line break. */
export function lineText(ctx: DocContext, l: number): string {
  const start = ctx.doc.offsetAt({ line: l, character: 0 });
  const next = l + 1 < ctx.doc.lineCount ? ctx.doc.offsetAt({ line: l + 1, character: 0 }) : ctx.text.length;
  return ctx.text.slice(start, next).replace(/\r?\n$/, '').replace(/\r$/, '');
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try { return fileURLToPath(uri); } catch { return undefined; }
}

/** An empty analysis, used when the core throws (it should not; the server must survive if it does). */
export function emptyAnalysis(uri: string): Analysis {
  return {
    uri, diagnostics: [], experiment: '', dims: new Map(), model: [], summaries: [], values: new Map(), symbols: [],
    pending: false, blocks: [],
  };
}

/**
 * Tokens and the token-level structure are computed on first use: publishing diagnostics needs neither, so
 * a keystroke costs one analysis; hover, completion and the rest pay for tokens once per version.
 */
class LazyContext implements DocContext {
  private toks?: Token[];
  private syn?: Syntax;
  constructor(readonly uri: string, readonly version: number, readonly doc: TextDocument, readonly text: string,
    readonly analysis: Analysis, readonly failure?: Error) {}
  get tokens(): Token[] {
    if (!this.toks) {
      // Reuse the core's tokens when the analysis carries them; else lex here (the lexer never throws, but a
      // failure must only cost the token-based features).
      const carried = this.analysis.tokens;
      try { this.toks = Array.isArray(carried) ? carried : tokenize(this.text); } catch { this.toks = []; }
    }
    return this.toks;
  }
  get syntax(): Syntax {
    this.syn ??= buildSyntax(this.tokens, this.doc.lineCount);
    return this.syn;
  }
}

export function createContext(live: TextDocument, host?: DataHost, analyzer: Analyzer = analyze): DocContext {
  // The documents manager updates its TextDocument in place; keep an immutable snapshot of this version so a
  // handler computing offsets from an older context never mixes in newer text.
  const text = live.getText();
  const doc = TextDocument.create(live.uri, live.languageId, live.version, text);
  let analysis: Analysis;
  let failure: Error | undefined;
  try {
    analysis = analyzer(text, { uri: doc.uri, path: uriToPath(doc.uri), host });
  } catch (e) {
    failure = e instanceof Error ? e : new Error(String(e));
    analysis = emptyAnalysis(doc.uri);
  }
  return new LazyContext(doc.uri, doc.version, doc, text, analysis, failure);
}

/** Plain helper for tests and the benchmark: a context straight from text. */
export function contextFromText(text: string, uri = 'file:///test/experiment.rnn', host?: DataHost): DocContext {
  return createContext(TextDocument.create(uri, 'rnn', 1, text), host);
}

export class AnalysisCache {
  private readonly entries = new Map<string, DocContext>();
  constructor(private readonly host: () => DataHost | undefined, private readonly analyzer: Analyzer = analyze) {}

  /** The analysis of exactly this version, computed now if not cached. */
  get(doc: TextDocument): DocContext {
    const hit = this.entries.get(doc.uri);
    if (hit && hit.version === doc.version) return hit;
    // Let go of the stale version first: analysing a large file allocates megabytes, and every object of the
    // old analysis still referenced here would be copied by the young-generation collections it triggers.
    this.entries.delete(doc.uri);
    const ctx = createContext(doc, this.host(), this.analyzer);
    this.entries.set(doc.uri, ctx);
    return ctx;
  }
  peek(uri: string): DocContext | undefined { return this.entries.get(uri); }
  invalidate(uri: string): void { this.entries.delete(uri); }
  delete(uri: string): void { this.entries.delete(uri); }
  uris(): string[] { return [...this.entries.keys()]; }
}
