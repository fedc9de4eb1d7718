import type { GradRule } from '../types';
import { attrInt } from '../util';

// dx = dy - exp(y) * sum(dy, axis)
export const rule: GradRule = (c) => {
  const g = c.g;
  const d = c.dy[0]!;
  const axis = attrInt(c.node.attrs, 'axis', -1);
  const s = g.op1('ReduceSum', [d, g.constInt64([axis])], { keepdims: 1 });
  return [g.op1('Sub', [d, g.op1('Mul', [g.op1('Exp', [c.y[0]]), s])])];
};
