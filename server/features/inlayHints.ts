// Inlay hints: each model statement's output shape at the end of its line, and what actually ran there
// (`ran: [batch 32, time 37, ...]`) once the engine has reported runtime shapes.
import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver';
import type { DocContext } from '../document';
import type { ServerSettings } from '../protocol';
import type { RuntimeShapes } from '../runtime';
import { before } from '../syntax';
import { formatCount, isState, styledRuntime, styledShape } from './shapes';

export function inlayHints(ctx: DocContext, range: Range, settings: ServerSettings, runtime?: RuntimeShapes): InlayHint[] {
  if (!settings.inlayHints.enabled) return [];
  const out: InlayHint[] = [];
  const style = settings.shapeStyle;
  for (const s of ctx.analysis.summaries) {
    if (s.nested) continue; // a call inside another: its shape is on hover, the line's hint is the statement's
    const at = s.hintAt;
    if (before(at, range.start) || before(range.end, at)) continue;
    // `_, enc = lstm(...)` discards the sequence: show the state the statement is kept for.
    const first = s.label.split(',')[0].trim();
    const stateOnly = first === '_' && isState(s.state);
    const shape = stateOnly ? s.state!.h : s.shape ?? (isState(s.state) ? s.state.h : undefined);
    const prefix = stateOnly ? `${s.label.split(',')[1]?.trim() ?? 'state'}.h ` : '';
    if (shape) {
      const tooltip = [
        s.op === 'input' ? 'input' : s.op,
        s.params !== undefined ? `${formatCount(s.params)} parameters` : undefined,
        s.rule ? `rule: ${s.rule}` : undefined,
      ].filter(Boolean).join(' · ');
      out.push({ position: at, label: `: ${prefix}${styledShape(shape, style)}`, kind: InlayHintKind.Type, paddingLeft: true, tooltip });
    }
    if (runtime && settings.inlayHints.runtime) {
      const ran = runtime.lookup(ctx.uri, s);
      if (ran) {
        const runId = runtime.get(ctx.uri)?.runId;
        // Name what ran when it is not the statement's first output (`_, enc = lstm(...)`: `enc.h`).
        const first = s.label.split(',')[0].trim();
        const v = ctx.analysis.values.get(ran.name);
        const which = ran.name !== first ? `${ran.name}${isState(v) ? '.h' : ''} ` : isState(v) ? `${ran.name}.h ` : '';
        out.push({
          position: at, label: `ran: ${which}${styledRuntime(ran.dims, style)}`, kind: InlayHintKind.Type, paddingLeft: true,
          tooltip: `Shape observed by the engine${runId ? ` in run ${runId}` : ''}`,
        });
      }
    }
  }
  return out;
}
