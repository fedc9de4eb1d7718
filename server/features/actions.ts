// Code actions (quick fixes carried by diagnostics) and code lenses above `model` (Train, Summary).
import { CodeActionKind, type CodeAction, type CodeLens, type Diagnostic as LspDiagnostic, type Range } from 'vscode-languageserver';
import type { QuickFix } from '../core';
import type { DocContext } from '../document';
import { Commands, SUMMARY_COMMAND } from '../protocol';
import { overlaps, sameRange } from '../syntax';
import { coreDiagnostics, SOURCE, type DiagnosticData } from './diagnostics';
import { formatCount } from './shapes';

export function codeActions(ctx: DocContext, range: Range, contextDiagnostics: LspDiagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  const ours = coreDiagnostics(ctx);
  const seen = new Set<string>();
  for (const d of contextDiagnostics) {
    if (d.source !== SOURCE) continue;
    // Prefer the fixes computed for this very version; fall back to what the diagnostic carried.
    const match = ours.find((o) => o.code === d.code && sameRange(o.range, d.range));
    const fixes: QuickFix[] = match?.quickFixes ?? (d.data as DiagnosticData | undefined)?.quickFixes ?? [];
    for (const f of fixes) addFix(out, seen, ctx, f, d);
  }
  // Fixes for diagnostics under the cursor that the client did not pass along (e.g. a quick-fix menu opened
  // on the range only).
  for (const o of ours) {
    if (!o.quickFixes || !overlaps(o.range, range)) continue;
    for (const f of o.quickFixes) addFix(out, seen, ctx, f);
  }
  return out;
}

function addFix(out: CodeAction[], seen: Set<string>, ctx: DocContext, f: QuickFix, d?: LspDiagnostic): void {
  const key = `${f.title}|${JSON.stringify(f.edits)}`;
  if (seen.has(key)) return;
  seen.add(key);
  out.push({
    title: f.title, kind: CodeActionKind.QuickFix, isPreferred: f.preferred, diagnostics: d ? [d] : undefined,
    edit: { changes: { [ctx.uri]: f.edits.map((e) => ({ range: e.range, newText: e.newText })) } },
  });
}

/**
 * Lenses above `model`: Train and the summary. `clientCommands` are the commands the client runs itself
 * (VS Code's extension declares them); elsewhere the summary lens runs the server's SUMMARY_COMMAND and
 * there is no Train lens (training runs in the editor's terminal: `unroll train FILE`).
 */
export function codeLenses(ctx: DocContext, clientCommands: ReadonlySet<string> = new Set(Object.values(Commands))): CodeLens[] {
  const model = ctx.syntax.blocks.find((b) => b.kind === 'model');
  if (!model) return [];
  const range = model.keyword.range;
  const total = ctx.analysis.totalParams;
  const summary = total !== undefined ? `Summary: ${formatCount(total)} parameters` : 'Summary: parameters not yet known';
  const out: CodeLens[] = [];
  if (clientCommands.has(Commands.train)) out.push({ range, command: { title: 'Train', command: Commands.train, arguments: [ctx.uri] } });
  const show = clientCommands.has(Commands.showSummary) ? Commands.showSummary : SUMMARY_COMMAND;
  out.push({ range, command: { title: summary, command: show, arguments: [ctx.uri] } });
  return out;
}
