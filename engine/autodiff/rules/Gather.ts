import type { GradRule } from '../types';
import { attrInt, zeros } from '../util';

// Embedding-style gradient: a scatter-add of dy's rows into zeros sums the rows of repeated ids.
// A constant scalar index (one time step of a sequence) is cheaper as Unsqueeze + Pad.
export const rule: GradRule = (c) => {
  const g = c.g;
  const [data, idx] = c.x;
  const xd = c.shape(data);
  const rank = xd.length;
  let axis = attrInt(c.node.attrs, 'axis', 0);
  if (axis < 0) axis += rank;
  const d = c.dy[0]!;
  const ci = g.constInts(idx);
  const idxDims = c.dims(idx);
  const idxSizes = c.shape(idx);
  if (ci && ci.length === 1 && idxDims.length === 0) {
    const i = ci[0] < 0 ? ci[0] + xd[axis] : ci[0];
    const u = g.op1('Unsqueeze', [d, g.constInt64([axis])]);
    const pads = new Array<number>(2 * rank).fill(0);
    pads[axis] = i;
    pads[rank + axis] = xd[axis] - i - 1;
    return [pads.every((p) => p === 0) ? u : g.op1('Pad', [u, g.constInt64(pads)])];
  }
  // ScatterElements, not ScatterND: onnxruntime's CPU ScatterND adds the rows of repeated ids from several
  // threads at once (a race: same seed, different weights), ScatterElements walks each column's updates in
  // index order. Both operands as [N, R] rows: N gathered indices, R values per row.
  const k = idxDims.length;
  const toFront = [axis, ...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis)];
  const front = toFront.map((i) => xd[i]);
  const N = idxSizes.reduce((a, b) => a * b, 1);
  const R = front.slice(1).reduce((a, b) => a * b, 1);
  // int32 ids stay int32 (ScatterElements takes them): WebGPU has no int64 Expand, which would run on the CPU.
  const flatIds = c.cached('Reshape', [idx, g.constInt64([N, 1])]);
  const ids = g.op1('Expand', [flatIds, g.constInt64([N, R])]);
  const rows = (v: string) => g.op1('Reshape', [v, g.constInt64([N, R])]);
  const scatter = (upd: string) => g.op1('Reshape', [
    g.op1('ScatterElements', [zeros(g, [front[0], R]), ids, rows(upd)], { axis: 0, reduction: 'add' }), g.constInt64(front),
  ]);
  if (axis === 0) return [scatter(d), undefined];
  // move the gathered axis to the front, scatter there, move it back
  const dPerm = [
    ...Array.from({ length: k }, (_, i) => axis + i),
    ...Array.from({ length: axis }, (_, i) => i),
    ...Array.from({ length: rank - axis - 1 }, (_, i) => axis + k + i),
  ];
  const back = toFront.map((_, i) => toFront.indexOf(i));
  return [g.op1('Transpose', [scatter(g.op1('Transpose', [d], { perm: dPerm }))], { perm: back }), undefined];
};
