import type { GradRule } from '../types';

// dy / (2 sqrt(x))
export const rule: GradRule = (c) => [c.g.op1('Div', [c.g.op1('Mul', [c.dy[0]!, c.g.constFloat(0.5)]), c.y[0]])];
