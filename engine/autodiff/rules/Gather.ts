import type { GradRule } from '../types';
import { attrInt, zeros } from '../util';

// Embedding-style gradient: ScatterND(zeros, indices, dy, reduction='add') sums the rows of repeated ids.
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
  if (ci && ci.length === 1 && idxDims.length === 0) {
    const i = ci[0] < 0 ? ci[0] + xd[axis] : ci[0];
    const u = g.op1('Unsqueeze', [d, g.constInt64([axis])]);
    const pads = new Array<number>(2 * rank).fill(0);
    pads[axis] = i;
    pads[rank + axis] = xd[axis] - i - 1;
    return [pads.every((p) => p === 0) ? u : g.op1('Pad', [u, g.constInt64(pads)])];
  }
  // Unsqueeze before the Cast to int64 (ScatterND's index type): under WebGPU an int64 Unsqueeze runs on the CPU
  const u = c.cached('Unsqueeze', [idx, g.constInt64([-1])]);
  const ids = g.dtypeOf(idx) === 'int64' ? u : c.cached('Cast', [u], { to: 7 });
  if (axis === 0) return [g.op1('ScatterND', [zeros(g, xd), ids, d], { reduction: 'add' }), undefined];
  // move the gathered axis to the front, scatter there, move it back
  const k = idxDims.length;
  const toFront = [axis, ...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis)];
  const dPerm = [
    ...Array.from({ length: k }, (_, i) => axis + i),
    ...Array.from({ length: axis }, (_, i) => i),
    ...Array.from({ length: rank - axis - 1 }, (_, i) => axis + k + i),
  ];
  const dT = g.op1('Transpose', [d], { perm: dPerm });
  const scattered = g.op1('ScatterND', [zeros(g, toFront.map((i) => xd[i])), ids, dT], { reduction: 'add' });
  const back = toFront.map((_, i) => toFront.indexOf(i));
  return [g.op1('Transpose', [scattered], { perm: back }), undefined];
};
