import type { GradRule } from '../types';
import { attrInt } from '../util';

// dx = y * (dy - sum(dy * y, axis))
export const rule: GradRule = (c) => {
  const g = c.g;
  const y = c.y[0];
  const d = c.dy[0]!;
  const axis = attrInt(c.node.attrs, 'axis', -1);
  const s = g.op1('ReduceSum', [g.op1('Mul', [d, y]), g.constInt64([axis])], { keepdims: 1 });
  return [g.op1('Mul', [y, g.op1('Sub', [d, s])])];
};
