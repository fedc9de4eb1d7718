import type { GradRule } from '../types';

// y = cond ? a : b
export const rule: GradRule = (c) => {
  const g = c.g;
  const d = c.dy[0]!;
  const [cond, a, b] = c.x;
  const zero = g.constFloat(0);
  return [
    undefined,
    c.needs[1] ? { unbroadcast: g.op1('Where', [cond, d, zero]), to: c.dims(a) } : undefined,
    c.needs[2] ? { unbroadcast: g.op1('Where', [cond, zero, d]), to: c.dims(b) } : undefined,
  ];
};
