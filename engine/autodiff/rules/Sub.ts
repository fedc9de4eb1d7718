import type { GradRule } from '../types';

// y = a - b
export const rule: GradRule = (c) => {
  const d = c.dy[0]!;
  return [
    c.needs[0] ? { unbroadcast: d, to: c.dims(c.x[0]) } : undefined,
    c.needs[1] ? { unbroadcast: c.g.op1('Neg', [d]), to: c.dims(c.x[1]) } : undefined,
  ];
};
