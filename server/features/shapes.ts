// Shape text in the user's chosen style, runtime shapes, and the static-vs-runtime comparison.
import { formatDim, type Shape, type StateValue } from '../core';
import type { RuntimeDim, ServerSettings } from '../protocol';

export type ShapeStyle = ServerSettings['shapeStyle'];

export function isState(v: Shape | StateValue | undefined): v is StateValue {
  return v !== undefined && (v as StateValue).kind === 'state';
}

/** `[batch 32, time 100, hidden 256]` (no element type or bound: inlay hints stay short). */
export function styledShape(s: Shape, style: ShapeStyle): string {
  return `[${s.dims.map((d) => formatDim(d, style)).join(', ')}]`;
}

export function styledRuntime(dims: RuntimeDim[], style: ShapeStyle): string {
  const parts = dims.map(([name, size, least]) => {
    const sizes = least === undefined || least === size ? String(size) : `${least}..${size}`;
    if (!name) return sizes;
    if (style === 'names') return name;
    if (style === 'sizes') return sizes;
    return `${name} ${sizes}`;
  });
  return `[${parts.join(', ')}]`;
}

/**
 * Why a runtime shape contradicts the static one, or undefined when they agree. An unknown static size is
 * not a contradiction (the run is what fills it in); a varying dim agrees with any of its sizes.
 */
export function runtimeDisagreement(stat: Shape, ran: RuntimeDim[]): string | undefined {
  if (stat.dims.length !== ran.length) return `it has ${ran.length} dimensions, the checker inferred ${stat.dims.length}`;
  for (let i = 0; i < ran.length; i++) {
    const d = stat.dims[i];
    const [name, size, least] = ran[i];
    if (name && d.name && name !== d.name) return `dimension ${i + 1} is \`${name}\`, the checker inferred \`${d.name}\``;
    const label = d.name ?? name ?? `dimension ${i + 1}`;
    // A width that varies (batches grouped by length) agrees with a static size it stays within: max_len is a cap.
    if (least !== undefined) {
      const cap = d.size ?? (d.sizes?.length ? Math.max(...d.sizes) : undefined);
      if (cap !== undefined && size > cap) return `\`${label}\` reached ${size}, the checker allows at most ${cap}`;
      continue;
    }
    if (d.size !== undefined && d.size !== size) return `\`${label}\` was ${size}, the checker inferred ${d.size}`;
    if (d.size === undefined && d.sizes && d.sizes.length && !d.sizes.includes(size)) {
      return `\`${label}\` was ${size}, the checker allows ${d.sizes.join(', ')}`;
    }
  }
  return undefined;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
