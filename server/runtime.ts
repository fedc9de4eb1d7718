// Runtime shapes the engine observed, per document, as forwarded by the client (`unroll/runtimeShapes`).
import type { Shape, StatementSummary } from './core';
import type { RuntimeDim, RuntimeShapesParams } from './protocol';

export interface RuntimeEntry { runId: string; shapes: Map<string, RuntimeDim[]> }

export class RuntimeShapes {
  private readonly byUri = new Map<string, RuntimeEntry>();

  /** Stores a notification's shapes; returns false when the payload is malformed (it is then ignored). */
  update(p: RuntimeShapesParams): boolean {
    if (!p || typeof p.uri !== 'string' || typeof p.runId !== 'string' || typeof p.shapes !== 'object' || p.shapes === null) return false;
    let entry = this.byUri.get(p.uri);
    if (!entry || entry.runId !== p.runId) {
      entry = { runId: p.runId, shapes: new Map() };
      this.byUri.set(p.uri, entry);
    }
    for (const [name, dims] of Object.entries(p.shapes)) {
      if (!Array.isArray(dims) || !dims.every(isRuntimeDim)) continue;
      entry.shapes.set(name.replace(/\s+/g, ''), dims.map(([n, s, least]) => (least === undefined ? [n ?? '', s] : [n ?? '', s, least]) as RuntimeDim));
    }
    return true;
  }
  clear(uri: string): void { this.byUri.delete(uri); }
  get(uri: string): RuntimeEntry | undefined { return this.byUri.get(uri); }

  /**
   * The runtime shape reported for a statement: under one of its output names (the first that has one;
   * `_` never counts), or under its label as written (`dec, _`, meaning the first output).
   */
  lookup(uri: string, s: StatementSummary): { name: string; dims: RuntimeDim[] } | undefined {
    const e = this.byUri.get(uri);
    if (!e) return undefined;
    const label = s.label.replace(/\s+/g, '');
    const names = label.split(',');
    for (const n of names) {
      if (n === '_' || !n) continue;
      const dims = e.shapes.get(n);
      if (dims) return { name: n, dims };
    }
    const dims = e.shapes.get(label);
    return dims && names[0] !== '_' ? { name: names[0], dims } : undefined;
  }
}

/**
 * A statement's secondary outputs (attention's weights, `ctx, w = attention(...)`): each one named in the
 * statement (not `_`), with its static shape and, when the engine reported one, what ran.
 */
export function secondaryOutputs(s: StatementSummary, runtime?: RuntimeEntry): { name: string; shape: Shape; ran?: RuntimeDim[] }[] {
  if (!s.extra?.length || s.nested) return [];
  const names = s.label.split(',').map((n) => n.trim());
  const out: { name: string; shape: Shape; ran?: RuntimeDim[] }[] = [];
  s.extra.forEach((shape, i) => {
    const name = names[i + 1];
    if (!name || name === '_') return;
    out.push({ name, shape, ran: runtime?.shapes.get(name) });
  });
  return out;
}

function isRuntimeDim(d: unknown): d is RuntimeDim {
  return Array.isArray(d) && (d.length === 2 || (d.length === 3 && typeof d[2] === 'number' && Number.isFinite(d[2])))
    && (typeof d[0] === 'string' || d[0] === null) && typeof d[1] === 'number' && Number.isFinite(d[1]);
}
