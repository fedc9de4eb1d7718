import type { GradRule } from '../types';

// Only float -> float casts carry a gradient; the driver never asks for the gradient of an integer input.
export const rule: GradRule = (c) => {
  const from = c.g.dtypeOf(c.x[0]);
  if (from !== 'float32') return [undefined];
  return [c.g.dtypeOf(c.y[0]) === 'float32' ? c.dy[0]! : undefined];
};
