// Reads the `unroll.*` settings from whatever shape the client sends: `{ unroll: {...} }`, the section
// itself, or flat dotted keys (`'unroll.shapeStyle'`). Anything unrecognised keeps its previous value.
import { DEFAULT_SETTINGS, type ServerSettings } from './protocol';

const STYLES = new Set(['names-and-sizes', 'names', 'sizes']);

export function parseSettings(raw: unknown, base: ServerSettings = DEFAULT_SETTINGS): ServerSettings {
  const out: ServerSettings = {
    inlayHints: { ...base.inlayHints },
    shapeStyle: base.shapeStyle,
    diagnostics: { ...base.diagnostics },
  };
  if (!raw || typeof raw !== 'object') return out;
  let obj = raw as Record<string, unknown>;
  if (obj.unroll && typeof obj.unroll === 'object') obj = obj.unroll as Record<string, unknown>;
  const get = (path: string): unknown => {
    const flat = obj[path] ?? obj[`unroll.${path}`];
    if (flat !== undefined) return flat;
    let cur: unknown = obj;
    for (const part of path.split('.')) {
      if (!cur || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, unknown>)[part];
    }
    return cur;
  };
  const enabled = get('inlayHints.enabled');
  if (typeof enabled === 'boolean') out.inlayHints.enabled = enabled;
  const runtime = get('inlayHints.runtime');
  if (typeof runtime === 'boolean') out.inlayHints.runtime = runtime;
  const style = get('shapeStyle');
  if (typeof style === 'string' && STYLES.has(style)) out.shapeStyle = style as ServerSettings['shapeStyle'];
  const debounce = get('diagnostics.debounceMs') ?? get('debounceMs');
  if (typeof debounce === 'number' && Number.isFinite(debounce) && debounce >= 0) out.diagnostics.debounceMs = Math.min(debounce, 5000);
  return out;
}
