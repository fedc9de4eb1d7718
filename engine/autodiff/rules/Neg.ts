import type { GradRule } from '../types';

export const rule: GradRule = (c) => [c.g.op1('Neg', [c.dy[0]!])];
