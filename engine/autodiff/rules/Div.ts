import type { GradRule } from '../types';

// y = a / b: da = dy / b, db = -dy * y / b
export const rule: GradRule = (c) => {
  const g = c.g;
  const d = c.dy[0]!;
  const [a, b] = c.x;
  const da = c.needs[0] ? g.op1('Div', [d, b]) : undefined;
  let db: string | undefined;
  if (c.needs[1]) db = g.op1('Neg', [da ? g.op1('Mul', [da, c.y[0]]) : g.op1('Div', [g.op1('Mul', [d, c.y[0]]), b])]);
  return [da && { unbroadcast: da, to: c.dims(a) }, db && { unbroadcast: db, to: c.dims(b) }];
};
