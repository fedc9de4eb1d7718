import type { GradRule } from '../types';

// y = 1/x: dx = -dy * y^2
export const rule: GradRule = (c) => {
  const y = c.y[0];
  return [c.g.op1('Neg', [c.g.op1('Mul', [c.dy[0]!, c.g.op1('Mul', [y, y])])])];
};
