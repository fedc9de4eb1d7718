import type { GradRule } from '../types';

// y = a * b. Dropout is written as Mul by a mask, so this is also the dropout gradient.
export const rule: GradRule = (c) => {
  const d = c.dy[0]!;
  const [a, b] = c.x;
  return [
    c.needs[0] ? { unbroadcast: c.g.op1('Mul', [d, b]), to: c.dims(a) } : undefined,
    c.needs[1] ? { unbroadcast: c.g.op1('Mul', [d, a]), to: c.dims(b) } : undefined,
  ];
};
