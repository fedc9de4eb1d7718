// The `unroll` settings section, normalised into what the language server reads (server/protocol.ts
// ServerSettings). Pure: no `vscode` import, so it is unit-tested in plain Node.
import type { ServerSettings } from '../server/protocol';

export type TraceLevel = 'off' | 'messages' | 'verbose';
export interface ClientSettings extends ServerSettings { trace: { server: TraceLevel } }

const SHAPE_STYLES = ['names-and-sizes', 'names', 'sizes'] as const;
const TRACE_LEVELS = ['off', 'messages', 'verbose'] as const;

function pick<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}
function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}
function obj(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/**
 * `raw` is `workspace.getConfiguration('unroll')` read as a plain object (dotted keys nest:
 * `unroll.inlayHints.enabled` -> `{ inlayHints: { enabled } }`). A hand-edited settings.json can hold any
 * value, so every field falls back to its default instead of passing garbage to the server.
 */
export function normaliseSettings(raw: unknown): ClientSettings {
  const r = obj(raw);
  const inlay = obj(r.inlayHints);
  const diag = obj(r.diagnostics);
  const debounce = diag.debounceMs;
  return {
    inlayHints: { enabled: bool(inlay.enabled, true), runtime: bool(inlay.runtime, true) },
    shapeStyle: pick(r.shapeStyle, SHAPE_STYLES, 'names-and-sizes'),
    diagnostics: {
      debounceMs: typeof debounce === 'number' && Number.isFinite(debounce) ? Math.min(5000, Math.max(0, Math.round(debounce))) : 0,
    },
    trace: { server: pick(obj(r.trace).server, TRACE_LEVELS, 'off') },
  };
}
