// Shared helpers for the language core's tests: experiments built around a few statements, `[|...|]`
// marker fixtures for exact ranges, and an applyEdits that turns quick fixes into the text they produce.
import assert from 'node:assert/strict';
import { analyze, formatShape, LineMap } from '../../language/index';
import type { Analysis, Diagnostic, DiagnosticCode, Range, TextEdit } from '../../language/index';

export { analyze, formatShape };

/** Sizes every shape test can use: no data block, so each dim's size is known and comes from `dims`. */
export const DIMS = 'dims { batch = 4, time = 10, vocab = 50, embed = 8, hidden = 16, classes = 3, feat = 6 }';

/**
 * An experiment with the standard dims, an int sequence `ids`, a float sequence `seq`, a float vector
 * `vec`, and the given model lines. Every tensor is consumed by nothing on purpose: shape tests look at
 * summaries, and `unused` warnings are filtered out by `errors()`.
 */
export function experiment(lines: string | string[], extra = ''): string {
  const body = (Array.isArray(lines) ? lines : [lines]).map((l) => `  ${l}`).join('\n');
  return [
    DIMS,
    'model {',
    '  input ids: int[batch, time] < vocab',
    '  input seq: float[batch, time, feat]',
    '  input vec: float[batch, feat]',
    body,
    '}',
    extra,
  ].join('\n');
}

export function check(text: string, uri = 'file:///test.rnn'): Analysis {
  return analyze(text, { uri });
}

/** Diagnostics that are not `unused` warnings. */
export function errors(a: Analysis): Diagnostic[] {
  return a.diagnostics.filter((d) => d.code !== 'unused');
}

export function codes(a: Analysis): DiagnosticCode[] {
  return errors(a).map((d) => d.code);
}

/** Fails with every diagnostic listed, so a failing test says what fired. */
export function assertClean(a: Analysis, what = 'the experiment'): void {
  const errs = errors(a);
  assert.equal(errs.length, 0, `${what} should check clean; got:\n${errs.map(show).join('\n')}`);
}

export function show(d: Diagnostic): string {
  return `${d.range.start.line + 1}:${d.range.start.character + 1}-${d.range.end.line + 1}:${d.range.end.character + 1} ${d.code}: ${d.message}`;
}

/** Exactly one diagnostic with this code (unused warnings aside, unless the code is `unused`). */
export function one(a: Analysis, code: DiagnosticCode): Diagnostic {
  const pool = code === 'unused' ? a.diagnostics : errors(a);
  const hits = pool.filter((d) => d.code === code);
  assert.equal(hits.length, 1, `expected one ${code}; got:\n${a.diagnostics.map(show).join('\n') || '(no diagnostics)'}`);
  return hits[0];
}

export function none(a: Analysis, code: DiagnosticCode): void {
  const hits = a.diagnostics.filter((d) => d.code === code);
  assert.equal(hits.length, 0, `expected no ${code}; got:\n${hits.map(show).join('\n')}`);
}

/** The shape of the statement that defines `name` (its first output), formatted. */
export function shapeOf(a: Analysis, name: string): string {
  const s = a.summaries.find((x) => x.label.split(',').map((p) => p.trim())[0] === name);
  assert.ok(s, `no statement defines ${name}; statements: ${a.summaries.map((x) => x.label).join(' | ')}`);
  assert.ok(s.shape, `${name} has no inferred shape; diagnostics:\n${a.diagnostics.map(show).join('\n')}`);
  return formatShape(s.shape);
}

/** Builds an experiment around one statement `out = ...` and returns the formatted shape of `out`. */
export function shapeOfStatement(stmt: string, name = 'out'): string {
  const a = check(experiment(stmt));
  assertClean(a, stmt);
  return shapeOf(a, name);
}

/**
 * A marker fixture: `[|` and `|]` wrap the ranges of interest. Returns the text without markers and
 * the ranges (LSP positions) in order of their opening markers.
 */
export function fixture(marked: string): { text: string; ranges: Range[] } {
  let text = '';
  const opens: number[] = [];
  const spans: { start: number; end: number; order: number }[] = [];
  let order = 0;
  for (let i = 0; i < marked.length; i++) {
    if (marked.startsWith('[|', i)) { opens.push(text.length); spans.push({ start: text.length, end: -1, order: order++ }); i++; continue; }
    if (marked.startsWith('|]', i)) {
      const open = [...spans].reverse().find((s) => s.end < 0);
      assert.ok(open, 'a |] marker without [|');
      open.end = text.length;
      i++;
      continue;
    }
    text += marked[i];
  }
  assert.ok(spans.every((s) => s.end >= 0), 'a [| marker without |]');
  const map = new LineMap(text);
  return { text, ranges: spans.sort((a, b) => a.order - b.order).map((s) => map.range(s.start, s.end)) };
}

/** Applies non-overlapping edits (as LSP does: all positions refer to the original text). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const map = new LineMap(text);
  const withOffsets = edits.map((e, i) => ({ s: map.offset(e.range.start), e: map.offset(e.range.end), t: e.newText, i }));
  // Back to front; inserts at one position keep their array order (LSP), so the later one goes in first.
  withOffsets.sort((a, b) => b.s - a.s || b.e - a.e || b.i - a.i);
  let out = text;
  for (const e of withOffsets) out = out.slice(0, e.s) + e.t + out.slice(e.e);
  return out;
}

/** Applies the diagnostic's quick fix whose title matches (the preferred or only one by default). */
export function applyFix(text: string, d: Diagnostic, title?: RegExp): string {
  const fixes = d.quickFixes ?? [];
  assert.ok(fixes.length > 0, `${show(d)} has no quick fix`);
  const fix = title ? fixes.find((f) => title.test(f.title)) : fixes.find((f) => f.preferred) ?? (fixes.length === 1 ? fixes[0] : undefined);
  assert.ok(fix, `no quick fix matching ${title ?? 'preferred'} among: ${fixes.map((f) => f.title).join(' | ')}`);
  return applyEdits(text, fix.edits);
}

/** The text a range covers. */
export function textAt(text: string, r: Range): string {
  const map = new LineMap(text);
  return text.slice(map.offset(r.start), map.offset(r.end));
}
