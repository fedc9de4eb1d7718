import type { GradRule } from '../types';

// dx is dy padded with zeros back to the input's extent (one Pad); a reversed slice (step -1) is reversed back first.
export const rule: GradRule = (c) => {
  const g = c.g;
  const xd = c.shape(c.x[0]);
  const rank = xd.length;
  const starts = g.constInts(c.x[1]), ends = g.constInts(c.x[2]);
  const axes = c.x[3] ? g.constInts(c.x[3]) : starts?.map((_, i) => i);
  const steps = c.x[4] ? g.constInts(c.x[4]) : starts?.map(() => 1);
  if (!starts || !ends || !axes || !steps) throw new Error('Slice: starts, ends, axes and steps must be constants for the gradient');
  const begin = new Array<number>(rank).fill(0), end = new Array<number>(rank).fill(0);
  const revAxes: number[] = [];
  axes.forEach((a0, i) => {
    const a = a0 < 0 ? a0 + rank : a0;
    const n = xd[a];
    const step = steps[i];
    let s = starts[i] < 0 ? starts[i] + n : starts[i];
    let e = ends[i] < 0 ? ends[i] + n : ends[i];
    if (step === 1) {
      s = Math.max(0, Math.min(n, s));
      e = Math.max(s, Math.min(n, e));
      begin[a] = s;
      end[a] = n - e;
    } else if (step === -1) {
      s = Math.max(-1, Math.min(n - 1, s));
      e = Math.max(-1, Math.min(n - 1, e));
      begin[a] = e + 1;
      end[a] = n - 1 - Math.max(s, e);
      revAxes.push(a);
    } else {
      throw new Error(`Slice: the gradient supports steps 1 and -1, not ${step}`);
    }
  });
  let d = c.dy[0]!;
  // reversed with Gather, not a step -1 Slice: onnxruntime's WebGPU Slice gave wrong values for negative steps
  for (const a of revAxes) {
    const n = c.shape(d)[a];
    d = g.op1('Gather', [d, g.constInt64(Array.from({ length: n }, (_, i) => n - 1 - i))], { axis: a });
  }
  if (begin.every((v) => v === 0) && end.every((v) => v === 0)) return [d];
  return [g.op1('Pad', [d, g.constInt64([...begin, ...end])])];
};
