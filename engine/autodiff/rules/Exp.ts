import type { GradRule } from '../types';

export const rule: GradRule = (c) => [c.g.op1('Mul', [c.dy[0]!, c.y[0]])];
