import type { GradRule } from '../types';

// dy * y * (1 - y)
export const rule: GradRule = (c) => {
  const g = c.g;
  const y = c.y[0];
  return [g.op1('Mul', [c.dy[0]!, g.op1('Mul', [y, g.op1('Sub', [g.constFloat(1), y])])])];
};
