// Named dimensions: identity, display and arithmetic. Two dims are the same only when their names are
// equal; equal sizes under different names are a coincidence, never a match.
import type { Dim, Shape } from '../types';

export type DimRelation = 'same' | 'coincidence' | 'different';

export function dimRelation(a: Dim, b: Dim): DimRelation {
  if (a.name !== undefined || b.name !== undefined) {
    if (a.name === b.name) return 'same';
    if (a.size !== undefined && a.size === b.size) return 'coincidence';
    return 'different';
  }
  return a.size === b.size ? 'same' : 'different';
}

export function formatDim(d: Dim, style: 'names-and-sizes' | 'names' | 'sizes' = 'names-and-sizes'): string {
  const size = d.size !== undefined ? String(d.size) : d.sizes ? d.sizes.join('|') : '?';
  if (d.name === undefined) return size;
  if (style === 'names') return d.name;
  if (style === 'sizes') return size;
  return `${d.name} ${size}`;
}

export function formatShape(s: Shape, style: 'names-and-sizes' | 'names' | 'sizes' = 'names-and-sizes'): string {
  const body = `[${s.dims.map((d) => formatDim(d, style)).join(', ')}]`;
  const bound = s.bound ? ` < ${s.bound.name ?? s.bound.size ?? '?'}` : '';
  return `${s.elem}${body}${bound}`;
}

/** `[batch 32, time 100]` without the element type: for messages. */
export function dimsText(dims: Dim[]): string {
  return `[${dims.map((d) => formatDim(d)).join(', ')}]`;
}

/** Name of a dim for use in source text: its name, or its size when unnamed. */
export function dimSource(d: Dim): string {
  return d.name ?? String(d.size ?? '?');
}

export function dimProduct(factors: Dim[]): Dim {
  const names = factors.map((f) => f.name ?? String(f.size ?? '?'));
  const allUnnamed = factors.every((f) => f.name === undefined);
  let size: number | undefined = 1;
  for (const f of factors) size = size !== undefined && f.size !== undefined ? size * f.size : undefined;
  if (factors.length === 1) return { ...factors[0] };
  return allUnnamed ? { size } : { name: names.join('*'), size };
}

/**
 * A layer size written as a product (`hidden * 2`, `2 * hidden`, `2 * hidden * 2`): the numbers gathered into
 * one leading factor, so every spelling names the dimension a bidirectional layer's `2*hidden` names. Only
 * for sizes: a reshape target keeps its factors in memory order.
 */
export function sizeProduct(factors: Dim[]): Dim {
  let k = 1;
  const named: Dim[] = [];
  for (const f of factors) {
    if (f.name === undefined && f.size !== undefined) k *= f.size;
    else named.push(f);
  }
  if (!named.length || named.length === factors.length) return dimProduct(factors);
  const base = dimProduct(named);
  return scaleDim(base, k);
}

/** `2*hidden`: a dim scaled by a number (bidirectional outputs). */
export function scaleDim(d: Dim, k: number): Dim {
  if (k === 1) return { ...d };
  // A dim already scaled (`2*hidden`) scales its number: 4*hidden, not 2*2*hidden.
  const scaled = d.name !== undefined ? /^(\d+)\*(.+)$/.exec(d.name) : null;
  return {
    name: scaled ? `${Number(scaled[1]) * k}*${scaled[2]}` : d.name !== undefined ? `${k}*${d.name}` : undefined,
    size: d.size !== undefined ? d.size * k : undefined,
    sizes: d.sizes ? d.sizes.map((s) => s * k) : undefined,
  };
}

export function sumDim(a: Dim, b: Dim): Dim {
  const size = a.size !== undefined && b.size !== undefined ? a.size + b.size : undefined;
  if (a.name === undefined && b.name === undefined) return { size };
  if (a.name !== undefined && a.name === b.name) return { ...scaleDim(a, 2), size }; // 2*hidden twice: 4*hidden
  return { name: `${dimSource(a)}+${dimSource(b)}`, size };
}

/** The factors of a (possibly compound) dim: `batch*time` -> [batch, time]. */
export function factorsOf(d: Dim, lookup: (name: string) => Dim | undefined): Dim[] {
  if (d.name && d.name.includes('*')) {
    const parts = d.name.split('*');
    const fs = parts.map((p) => (/^\d+$/.test(p) ? { size: Number(p) } : lookup(p) ?? { name: p }));
    if (fs.every((f) => f.name !== undefined || f.size !== undefined)) return fs;
  }
  return [d];
}

export function sameShapeDims(a: Dim[], b: Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => dimRelation(d, b[i]) === 'same');
}

export function dimSizeKnown(d: Dim): boolean { return d.size !== undefined; }
