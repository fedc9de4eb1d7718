import type { GradRule } from '../types';
import { attrInt, keepdimsForm, reduceAxes } from '../util';

// dx = dy * exp(x - y): the softmax over the reduced axes, scaled by dy.
export const rule: GradRule = (c) => {
  const g = c.g;
  const xd = c.shape(c.x[0]);
  const axes = reduceAxes(g, c.node.attrs, c.x[1], xd.length);
  const keep = attrInt(c.node.attrs, 'keepdims', 1) === 1;
  const yk = keepdimsForm(g, c.y[0], xd, axes, keep);
  const dk = keepdimsForm(g, c.dy[0]!, xd, axes, keep);
  return [g.op1('Mul', [dk, g.op1('Exp', [g.op1('Sub', [c.x[0], yk])])])];
};
