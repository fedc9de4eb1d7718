// Refactorings between nested and named forms: "Extract to a named statement" turns a nested call into a
// statement of its own on the line above, and "Inline" puts a tensor that is read once back into the call
// that reads it (and removes its statement). One undoes the other.
import { CodeActionKind, type CodeAction, type Range, type TextEdit } from 'vscode-languageserver';
import type { ModelStatement, StatementSummary } from '../core';
import { lineText, type DocContext } from '../document';
import { contains } from '../syntax';

export function refactorActions(ctx: DocContext, range: Range): CodeAction[] {
  const out: CodeAction[] = [];
  const extract = extractAction(ctx, range);
  if (extract) out.push(extract);
  const inline = inlineAction(ctx, range);
  if (inline) out.push(inline);
  return out;
}

/** The innermost nested call the selection sits in (or covers). */
function extractAction(ctx: DocContext, range: Range): CodeAction | undefined {
  let best: StatementSummary | undefined;
  for (const s of ctx.analysis.summaries) {
    if (!s.nested || !(contains(s.range, range.start) && contains(s.range, range.end))) continue;
    if (!best || size(ctx, s.range) < size(ctx, best.range)) best = s;
  }
  if (!best) return undefined;
  const holder = ctx.analysis.summaries.find((s) => !s.nested && contains(s.range, best!.range.start));
  if (!holder) return undefined;
  const name = freshName(ctx, `${best.op}_out`);
  const call = textOf(ctx, best.range);
  const line = holder.range.start.line;
  const indent = /^\s*/.exec(lineText(ctx, line))![0];
  const edits: TextEdit[] = [
    { range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}${name} = ${call}\n` },
    { range: best.range, newText: name },
  ];
  return { title: `Extract ${short(call)} to a named statement`, kind: CodeActionKind.RefactorExtract, edit: { changes: { [ctx.uri]: edits } } };
}

/** A tensor defined by `name = op(...)` and read exactly once, inside another model statement. */
function inlineAction(ctx: DocContext, range: Range): CodeAction | undefined {
  const sym = ctx.analysis.symbols.find((s) => s.kind === 'tensor' && (contains(s.definition, range.start) || s.references.some((r) => contains(r, range.start))));
  if (!sym || sym.references.length !== 1) return undefined;
  const st = ctx.analysis.model.find((m): m is Extract<ModelStatement, { kind: 'op' }> => m.kind === 'op' && !m.nested && m.outputs.length === 1 && m.outputs[0] === sym.name);
  if (!st) return undefined;
  const use = sym.references[0];
  const reader = ctx.analysis.summaries.find((s) => !s.nested && contains(s.range, use.start));
  if (!reader || reader.range.start.line <= st.range.end.line) return undefined;
  const call = textOf(ctx, { start: st.opRange.start, end: st.range.end });
  const from = { line: st.range.start.line, character: 0 };
  const to = { line: st.range.end.line + 1, character: 0 };
  // The statement's lines go only when nothing else (a comment) shares them.
  if (textOf(ctx, { start: st.range.end, end: { line: st.range.end.line, character: lineText(ctx, st.range.end.line).length } }).trim()) return undefined;
  const edits: TextEdit[] = [{ range: { start: from, end: to }, newText: '' }, { range: use, newText: call }];
  return { title: `Inline ${sym.name} into the call that reads it`, kind: CodeActionKind.RefactorInline, edit: { changes: { [ctx.uri]: edits } } };
}

function freshName(ctx: DocContext, base: string): string {
  const taken = new Set(ctx.analysis.symbols.map((s) => s.name));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

function textOf(ctx: DocContext, r: Range): string { return ctx.text.slice(ctx.doc.offsetAt(r.start), ctx.doc.offsetAt(r.end)); }
function size(ctx: DocContext, r: Range): number { return ctx.doc.offsetAt(r.end) - ctx.doc.offsetAt(r.start); }
function short(t: string): string { const one = t.replace(/\s+/g, ' '); return one.length > 30 ? `${one.slice(0, 29)}…` : one; }
