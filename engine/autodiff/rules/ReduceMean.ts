import type { GradRule } from '../types';
import { attrInt, keepdimsForm, reduceAxes } from '../util';

// dx = dy / count broadcast back over the reduced axes.
export const rule: GradRule = (c) => {
  const g = c.g;
  const xd = c.shape(c.x[0]);
  const axes = reduceAxes(g, c.node.attrs, c.x[1], xd.length);
  const count = axes.reduce((n, a) => n * xd[a], 1);
  const scaled = g.op1('Mul', [c.dy[0]!, g.constFloat(1 / count)]);
  const dk = keepdimsForm(g, scaled, xd, axes, attrInt(c.node.attrs, 'keepdims', 1) === 1);
  return [g.op1('Expand', [dk, g.constInt64(xd)])];
};
