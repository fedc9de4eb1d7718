import type { GradRule } from '../types';

// y = clamp(x, min, max): dy passes where min <= x <= max (inclusive, as torch.clamp), else 0.
export const rule: GradRule = (c) => {
  const g = c.g;
  const x = c.x[0];
  const zero = g.constFloat(0);
  let d = c.dy[0]!;
  if (c.x[1]) d = g.op1('Where', [g.op1('Less', [x, c.x[1]]), zero, d]);
  if (c.x[2]) d = g.op1('Where', [g.op1('Greater', [x, c.x[2]]), zero, d]);
  return [d];
};
