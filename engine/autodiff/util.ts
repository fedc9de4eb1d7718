// Small graph helpers shared by the gradient rules.
import type { Dim, Graph } from '../onnx/graph';

export function sameDims(a: Dim[], b: Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Sums `grad` (shape `from`) down to the broadcast source shape `to`: one ReduceSum, plus a Reshape when ranks differ. */
export function unbroadcast(g: Graph, grad: string, from: Dim[], to: Dim[]): string {
  if (sameDims(from, to)) return grad;
  const lead = from.length - to.length;
  if (lead < 0) throw new Error(`unbroadcast: gradient rank ${from.length} below target rank ${to.length}`);
  const axes: number[] = [];
  for (let i = 0; i < from.length; i++) {
    if (i < lead) axes.push(i);
    else if (to[i - lead] === 1 && from[i] !== 1) axes.push(i);
  }
  let out = grad;
  if (axes.length > 0) {
    const keep = lead === 0 ? 1 : 0;
    // keepdims=0 drops exactly the leading axes when those are the only ones reduced
    if (axes.length === lead) return g.op1('ReduceSum', [grad, g.constInt64(axes)], { keepdims: 0 });
    out = g.op1('ReduceSum', [grad, g.constInt64(axes)], { keepdims: keep });
    if (keep === 1) return out;
  }
  return reshapeTo(g, out, to);
}

export function numericDims(d: Dim[], what: string): number[] {
  if (!d.every((x) => typeof x === 'number')) {
    throw new Error(`${what}: the gradient needs static sizes, got [${d.join(', ')}]`);
  }
  return d as number[];
}

export function reshapeTo(g: Graph, v: string, dims: Dim[]): string {
  const cur = g.dimsOf(v);
  if (cur && sameDims(cur, dims)) return v;
  return g.op1('Reshape', [v, g.constInt64(numericDims(dims, 'Reshape'))]);
}

export function zeros(g: Graph, dims: Dim[]): string {
  return g.op1('ConstantOfShape', [g.constInt64(numericDims(dims, 'zeros'), [dims.length])]);
}

/** The gradient of a reduction's output reshaped so that it broadcasts against the input (keepdims form). */
export function keepdimsForm(g: Graph, v: string, inDims: Dim[], axes: number[], keepdims: boolean): string {
  if (keepdims) return v;
  const kept = inDims.map((d, i) => (axes.includes(i) ? 1 : d));
  return reshapeTo(g, v, kept);
}

/** Axes of a Reduce* node (attribute before opset 18, input from ReduceSum-13 / opset 18), normalized; all axes when empty. */
export function reduceAxes(g: Graph, attrs: Record<string, unknown>, axesInput: string | undefined, rank: number): number[] {
  let axes: number[] | undefined;
  if (attrs.axes !== undefined) axes = attrs.axes as number[];
  else if (axesInput) {
    axes = g.constInts(axesInput);
    if (!axes) throw new Error('Reduce: axes must be a constant for the gradient');
  }
  if (!axes || axes.length === 0) return Array.from({ length: rank }, (_, i) => i);
  return axes.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
}

export function attrInt(attrs: Record<string, unknown>, name: string, dflt: number): number {
  const v = attrs[name];
  return typeof v === 'number' ? v : dflt;
}
