// Core diagnostics -> LSP diagnostics: codes, `source: 'unroll'`, related information, quick fixes (the
// core's, plus "did you mean" for unknown names, ops and arguments where the core offers none), and the
// `runtime-shape` diagnostics that compare what ran with what the checker inferred.
import type { Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import { BLOCK_KEYS, INITS, LOSSES, METRICS, OPS, OPTIMIZERS, SOURCES, type CoreDiagnostic, type QuickFix, type Shape, type StatementSummary } from '../core';
import type { DocContext } from '../document';
import type { RuntimeDim } from '../protocol';
import { secondaryOutputs, type RuntimeShapes } from '../runtime';
import { callContext, IDENT_RE } from '../syntax';
import { dimsInScope, didYouMean, tensorsInScope } from './names';
import { isState, runtimeDisagreement, styledRuntime, styledShape } from './shapes';

export const SOURCE = 'unroll';

/** What the server stores in an LSP diagnostic's `data`, so code actions can rebuild the fixes. */
export interface DiagnosticData { quickFixes?: QuickFix[] }

export function diagnosticsFor(ctx: DocContext, runtime?: RuntimeShapes): LspDiagnostic[] {
  const out: LspDiagnostic[] = [];
  for (const d of coreDiagnostics(ctx)) out.push(toLsp(ctx, d));
  if (runtime) out.push(...runtimeShapeDiagnostics(ctx, runtime).map((d) => toLsp(ctx, d)));
  return out;
}

/** The core's diagnostics with did-you-mean fixes added where the core gave none. */
export function coreDiagnostics(ctx: DocContext): CoreDiagnostic[] {
  return ctx.analysis.diagnostics.map((d) => (d.quickFixes && d.quickFixes.length ? d : withSuggestions(ctx, d)));
}

function toLsp(ctx: DocContext, d: CoreDiagnostic): LspDiagnostic {
  const out: LspDiagnostic = {
    range: d.range,
    severity: d.severity,
    code: d.code,
    source: SOURCE,
    message: d.fix ? `${d.message}\nFix: ${d.fix}` : d.message,
  };
  if (d.related && d.related.length) {
    out.relatedInformation = d.related.map((r) => ({ location: { uri: ctx.uri, range: r.range }, message: r.message }));
  }
  if (d.quickFixes && d.quickFixes.length) out.data = { quickFixes: d.quickFixes } satisfies DiagnosticData;
  return out;
}

function textOf(ctx: DocContext, d: CoreDiagnostic): string {
  return ctx.text.slice(ctx.doc.offsetAt(d.range.start), ctx.doc.offsetAt(d.range.end));
}

function withSuggestions(ctx: DocContext, d: CoreDiagnostic): CoreDiagnostic {
  if (d.code !== 'unknown-name' && d.code !== 'unknown-op' && d.code !== 'bad-argument') return d;
  const word = textOf(ctx, d);
  if (!IDENT_RE.test(word)) return d;
  const candidates = candidatesFor(ctx, d, word);
  if (!candidates) return d;
  const picks = didYouMean(word, candidates);
  if (!picks.length) return d;
  return {
    ...d,
    quickFixes: picks.map((p, i) => ({ title: `Change '${word}' to '${p}'`, edits: [{ range: d.range, newText: p }], preferred: i === 0 })),
  };
}

function candidatesFor(ctx: DocContext, d: CoreDiagnostic, word: string): string[] | undefined {
  const line = ctx.syntax.lines[d.range.start.line];
  const block = line?.block?.kind;
  const offset = ctx.doc.offsetAt(d.range.start);
  const idx = ctx.syntax.tokenAt(offset);
  const next = idx !== undefined ? ctx.syntax.tokens[idx + 1] : undefined;
  const call = callContext(ctx.syntax, offset);
  const lineKey = line && line.from < line.to ? ctx.syntax.tokens[line.from].text : undefined;

  if (d.code === 'unknown-name') {
    return [
      ...tensorsInScope(ctx).map((t) => t.name),
      ...dimsInScope(ctx).map((t) => t.name),
      ...Object.keys(ctx.analysis.data?.provides ?? {}),
    ];
  }
  if (d.code === 'unknown-op') {
    if (block === 'data') return Object.keys(SOURCES);
    if (block === 'model') return Object.keys(OPS);
    if (block === 'train') {
      if (lineKey === 'loss') return Object.keys(LOSSES);
      if (lineKey === 'optimizer') return Object.keys(OPTIMIZERS);
      if (lineKey === 'metrics') return Object.keys(METRICS);
      if (lineKey === 'init') return Object.keys(INITS);
      return [...Object.keys(LOSSES), ...Object.keys(OPTIMIZERS), ...Object.keys(METRICS), ...Object.keys(INITS)];
    }
    return undefined;
  }
  // bad-argument on an argument or key name written `name = ...`.
  if (next?.text !== '=') return undefined;
  if (call) {
    const info = OPS[call.callee.text] ?? LOSSES[call.callee.text] ?? OPTIMIZERS[call.callee.text] ?? INITS[call.callee.text];
    return info ? info.params.map((p) => p.name) : undefined;
  }
  if (block === 'data') {
    const src = ctx.analysis.data?.source;
    return src && SOURCES[src] ? SOURCES[src].params.map((p) => p.name) : undefined;
  }
  if (block === 'train' || block === 'sample' || block === 'predict') return BLOCK_KEYS[block].map((p) => p.name);
  return undefined;
}

/** A warning on each statement whose runtime shape contradicts its static shape. */
export function runtimeShapeDiagnostics(ctx: DocContext, runtime: RuntimeShapes): CoreDiagnostic[] {
  const entry = runtime.get(ctx.uri);
  if (!entry) return [];
  const out: CoreDiagnostic[] = [];
  const disagree = (s: StatementSummary, what: string, stat: Shape, dims: RuntimeDim[]) => {
    const why = runtimeDisagreement(stat, dims);
    if (!why) return;
    out.push({
      range: s.range,
      severity: 2,
      code: 'runtime-shape',
      message: `\`${what}\` ran as ${styledRuntime(dims, 'names-and-sizes')} in run ${entry.runId}, but the checker inferred ${styledShape(stat, 'names-and-sizes')}: ${why}.`,
      fix: 'If the data or the file changed since that run, train again; otherwise the checker and the engine disagree: report it with this file.',
    });
  };
  for (const s of ctx.analysis.summaries) {
    const ran = runtime.lookup(ctx.uri, s);
    if (!ran) continue;
    const v = ctx.analysis.values.get(ran.name);
    const stat = isState(v) ? v.h : v ?? s.shape;
    if (stat) disagree(s, isState(v) ? `${ran.name}.h` : ran.name, stat, ran.dims);
    // Attention's weights: a shape that ran too.
    for (const o of secondaryOutputs(s, entry)) if (o.ran && o.name !== ran.name) disagree(s, o.name, o.shape, o.ran);
  }
  return out;
}
