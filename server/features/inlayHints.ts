// Inlay hints: each model statement's output shape at the end of its line, and what actually ran there
// (`ran: [batch 32, time 37, ...]`) once the engine has reported runtime shapes.
import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver';
import { OPS } from '../core';
import type { DocContext } from '../document';
import type { ServerSettings } from '../protocol';
import { secondaryOutputs, type RuntimeShapes } from '../runtime';
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
    const entry = runtime && settings.inlayHints.runtime ? runtime.get(ctx.uri) : undefined;
    const ran = entry && runtime!.lookup(ctx.uri, s);
    if (ran) {
      // Name what ran when it is not the statement's first output (`_, enc = lstm(...)`: `enc.h`).
      const v = ctx.analysis.values.get(ran.name);
      const which = ran.name !== first ? `${ran.name}${isState(v) ? '.h' : ''} ` : isState(v) ? `${ran.name}.h ` : '';
      out.push(ranHint(at, `ran: ${which}${styledRuntime(ran.dims, style)}`, entry!.runId));
    }
    // Attention's weights (`ctx, w = attention(...)`): hints of their own, so an editor that cuts a line's
    // hints (VS Code past editor.inlayHints.maximumLength, which the extension sets to 0 for .rnn) cuts whole ones.
    for (const o of secondaryOutputs(s, entry)) {
      out.push({ position: at, label: `${o.name}: ${styledShape(o.shape, style)}`, kind: InlayHintKind.Type, paddingLeft: true, tooltip: `${s.op}'s ${OPS[s.op]?.outputs[1] ?? 'second output'}` });
      if (o.ran && o.name !== ran?.name) out.push(ranHint(at, `ran: ${o.name} ${styledRuntime(o.ran, style)}`, entry!.runId));
    }
  }
  return out;
}

function ranHint(position: InlayHint['position'], label: string, runId: string): InlayHint {
  return { position, label, kind: InlayHintKind.Type, paddingLeft: true, tooltip: `Shape observed by the engine in run ${runId}` };
}
