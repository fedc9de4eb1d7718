import type { GradRule } from '../types';

export const rule: GradRule = (c) => [c.dy[0]!];
