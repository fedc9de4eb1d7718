import type { GradRule } from '../types';

// dy where x > 0, else 0
export const rule: GradRule = (c) => {
  const g = c.g;
  return [g.op1('Where', [g.op1('Greater', [c.x[0], g.constFloat(0)]), c.dy[0]!, g.constFloat(0)])];
};
