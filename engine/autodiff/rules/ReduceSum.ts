import type { GradRule } from '../types';
import { attrInt, keepdimsForm, reduceAxes } from '../util';

// dx = dy broadcast back over the reduced axes (one Expand, plus a Reshape when keepdims = 0).
export const rule: GradRule = (c) => {
  const g = c.g;
  const xd = c.shape(c.x[0]);
  const axes = reduceAxes(g, c.node.attrs, c.x[1], xd.length);
  const dk = keepdimsForm(g, c.dy[0]!, xd, axes, attrInt(c.node.attrs, 'keepdims', 1) === 1);
  return [g.op1('Expand', [dk, g.constInt64(xd)])];
};
