import type { GradRule } from '../types';

export const rule: GradRule = (c) => [c.g.op1('Div', [c.dy[0]!, c.x[0]])];
