import type { GradRule } from '../types';

// y = a^b: da = dy * b * a^(b-1); db = dy * y * ln(a). A constant scalar exponent folds b-1 at build time.
export const rule: GradRule = (c) => {
  const g = c.g;
  const d = c.dy[0]!;
  const [a, b] = c.x;
  let da: string | undefined;
  if (c.needs[0]) {
    const bc = g.constValue(b);
    if (bc && bc.dtype === 'float32' && bc.data.length === 1) {
      const e = Number(bc.data[0]);
      const pow = e === 2 ? a : g.op1('Pow', [a, g.constFloat(e - 1)]);
      da = g.op1('Mul', [d, g.op1('Mul', [pow, g.constFloat(e)])]);
    } else {
      da = g.op1('Mul', [d, g.op1('Mul', [b, g.op1('Pow', [a, g.op1('Sub', [b, g.constFloat(1)])])])]);
    }
  }
  const db = c.needs[1] ? g.op1('Mul', [d, g.op1('Mul', [c.y[0], g.op1('Log', [a])])]) : undefined;
  return [da && { unbroadcast: da, to: c.dims(a) }, db && { unbroadcast: db, to: c.dims(b) }];
};
