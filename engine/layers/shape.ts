// repeat, concat, reshape, transpose: by dimension name, as the language defines them.
import { EngineError, prod, type LayerCtx, type TVal } from './types';

/** repeat(x, D): [batch, f] -> [batch, D, f]. */
export function repeat(ctx: LayerCtx, x: TVal, times: number, name?: string): TVal {
  const { g } = ctx;
  const shape = [x.shape[0], times, ...x.shape.slice(1)];
  const u = g.op1('Unsqueeze', [x.v, g.constInt64([1])]);
  // Expand by broadcasting [B, 1, f] against [1, D, 1]: no batch size in the graph (export keeps it free).
  const v = g.op1('Expand', [u, g.constInt64(shape.map((_, i) => (i === 1 ? times : 1)))]);
  return { v, shape, names: [x.names[0], name, ...x.names.slice(1)], elem: x.elem };
}

/** concat(a, b, ..., over=D): D defaults to the last dimension. */
export function concat(ctx: LayerCtx, xs: TVal[], over?: string): TVal {
  const a = xs[0];
  let ax = a.shape.length - 1;
  if (over) {
    ax = a.names.indexOf(over);
    if (ax < 0) throw new EngineError(`concat(over=${over}): ${over} is not a dimension of the first operand`);
  }
  for (const x of xs) {
    if (x.shape.length !== a.shape.length || x.shape.some((s, i) => i !== ax && s !== a.shape[i])) {
      throw new EngineError(`concat: shapes [${a.shape}] and [${x.shape}] differ outside the concat dimension`);
    }
  }
  const v = ctx.g.op1('Concat', xs.map((x) => x.v), { axis: ax });
  const shape = [...a.shape];
  shape[ax] = xs.reduce((s, x) => s + x.shape[ax], 0);
  const names = [...a.names];
  names[ax] = xs.every((x) => x.names[ax]) ? xs.map((x) => x.names[ax]).join('+') : undefined;
  return { v, shape, names, masked: xs.some((x) => x.masked) && ax !== 1, elem: a.elem };
}

export function reshape(ctx: LayerCtx, x: TVal, sizes: number[], names: (string | undefined)[]): TVal {
  if (prod(sizes) !== prod(x.shape)) {
    throw new EngineError(`reshape: [${sizes}] holds ${prod(sizes)} values but the input [${x.shape}] holds ${prod(x.shape)}`);
  }
  const v = ctx.g.op1('Reshape', [x.v, ctx.g.constInt64(sizes)]);
  // A mask stays meaningful only while [batch, time] lead the shape.
  const masked = x.masked && sizes[0] === x.shape[0] && sizes[1] === x.shape[1] && names[1] === x.names[1];
  return { v, shape: sizes, names, masked, elem: x.elem };
}

/** The permutation that puts dimensions in the named order (an unnamed one by its size); also the PyTorch export's. */
export function transposePerm(names: (string | undefined)[], shape: number[], target: { name?: string; size?: number }[]): number[] {
  const used = new Set<number>();
  return target.map((d) => {
    let i = d.name !== undefined ? names.findIndex((n, k) => n === d.name && !used.has(k)) : -1;
    if (i < 0 && d.name === undefined) i = shape.findIndex((s, k) => names[k] === undefined && s === d.size && !used.has(k));
    if (i < 0) throw new EngineError(`transpose: ${d.name ?? d.size} is not a dimension of the input [${names.map((n, k) => n ?? shape[k]).join(', ')}]`);
    used.add(i);
    return i;
  });
}

/** transpose(x, [names...]): the permutation that puts x's dimensions in the named order. */
export function transpose(ctx: LayerCtx, x: TVal, target: { name?: string; size?: number }[]): TVal {
  const perm = transposePerm(x.names, x.shape, target);
  if (perm.length !== x.shape.length) throw new EngineError(`transpose: the target names ${perm.length} dimensions; the input has ${x.shape.length}`);
  const v = ctx.g.op1('Transpose', [x.v], { perm });
  return { v, shape: perm.map((p) => x.shape[p]), names: perm.map((p) => x.names[p]), masked: x.masked && perm[0] === 0 && perm[1] === 1, elem: x.elem };
}
