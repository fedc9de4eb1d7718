// Diagnostics: when each document is checked (at once, or after the adaptive wait), and publishing the
// result so that an older version's diagnostics never replace a newer one's.
import { performance } from 'node:perf_hooks';
import type { Connection, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { CheckTiming } from './checkTiming';
import { adaptDiagnostics, type ClientSupport } from './clientSupport';
import type { AnalysisCache } from './document';
import { diagnosticsFor } from './features/diagnostics';
import type { RuntimeShapes } from './runtime';

const TRACE = process.env.UNROLL_TRACE_CHECKS === '1';

export interface PublisherDeps {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  cache: AnalysisCache;
  runtime: RuntimeShapes;
  support: () => ClientSupport;
  /** The user's least wait after an edit (settings' diagnostics.debounceMs). */
  minimumWait: () => number;
  fail: (what: string, uri: string | undefined, e: unknown) => void;
  /** False before initialize and after shutdown: nothing is checked or published then. */
  running: () => boolean;
}

export class Publisher {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly timing = new CheckTiming();
  private readonly published = new Map<string, number>();

  constructor(private readonly d: PublisherDeps) {}

  /** A document opened, its data arrived or its runtime shapes changed: check it now. */
  now(uri: string): void { this.schedule(uri, 0); }

  /** A document changed: check it after the wait its check time calls for. */
  changed(uri: string, version: number): void {
    // onDidOpen fires onDidChangeContent too; the open path already checked this version.
    if (this.published.get(uri) === version) return;
    this.schedule(uri, this.timing.delay(uri, this.d.minimumWait(), performance.now()));
  }

  closed(uri: string): void {
    const t = this.timers.get(uri);
    if (t) clearTimeout(t);
    this.timers.delete(uri);
    this.published.delete(uri);
    this.timing.forget(uri);
    void this.d.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  private schedule(uri: string, delay: number): void {
    const t = this.timers.get(uri);
    if (t) clearTimeout(t);
    if (delay <= 0) { this.validate(uri); return; }
    this.timers.set(uri, setTimeout(() => this.validate(uri), delay));
  }

  private validate(uri: string): void {
    this.timers.delete(uri);
    const doc = this.d.documents.get(uri);
    if (!doc || !this.d.running()) return;
    try {
      const started = performance.now();
      const analysed = this.d.cache.peek(uri)?.version === doc.version; // by a hover that came first: not timed
      const ctx = this.d.cache.get(doc);
      if (ctx.failure) this.d.fail('checking', uri, ctx.failure);
      const diagnostics = diagnosticsFor(ctx, this.d.runtime);
      const ended = performance.now();
      if (!analysed) this.timing.record(uri, ended - started, ended);
      // UNROLL_TRACE_CHECKS=1: each check's time on stderr (the bench and performance reports read it).
      if (TRACE) process.stderr.write(`unroll-lsp: checked ${uri} v${ctx.version} in ${(ended - started).toFixed(1)} ms${analysed ? ' (analysed earlier)' : ''}\n`);
      if (ctx.failure) {
        diagnostics.push({
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 1, source: 'unroll',
          message: `Unroll could not check this file (internal error: ${ctx.failure.message}). Hover and completion still work from the text; the trace is in the "Unroll Language Server" output.`,
        });
      }
      // Never let an older version's result replace a newer one.
      const current = this.d.documents.get(uri);
      if (!current || current.version !== ctx.version) return;
      if ((this.published.get(uri) ?? -Infinity) > ctx.version) return;
      this.published.set(uri, ctx.version);
      void this.d.connection.sendDiagnostics(adaptDiagnostics({ uri, version: ctx.version, diagnostics }, this.d.support()));
      // The token-level structure is lazy so diagnostics go out first; build it now, before the editor's next
      // requests (semantic tokens, inlay hints, hover) arrive for this version, unless an edit already made
      // this version stale (its structure would be thrown away unread).
      setImmediate(() => {
        try {
          if (this.d.cache.peek(uri) === ctx && this.d.documents.get(uri)?.version === ctx.version) void ctx.syntax;
        } catch (e) { this.d.fail('tokenizing', uri, e); }
      });
    } catch (e) {
      this.d.fail('checking', uri, e);
    }
  }
}
