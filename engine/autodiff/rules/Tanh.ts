import type { GradRule } from '../types';

// dy * (1 - y^2)
export const rule: GradRule = (c) => {
  const g = c.g;
  const y = c.y[0];
  return [g.op1('Mul', [c.dy[0]!, g.op1('Sub', [g.constFloat(1), g.op1('Mul', [y, y])])])];
};
