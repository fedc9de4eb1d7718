import type { GradRule } from '../types';
import { attrInt, keepdimsForm, reduceAxes } from '../util';

// dy goes to the elements equal to the result (the maxima; ReduceMin reuses this for the minima), shared
// equally between ties as torch.amax / amin do.
export const rule: GradRule = (c) => {
  const g = c.g;
  const xd = c.shape(c.x[0]);
  const axes = reduceAxes(g, c.node.attrs, c.x[1], xd.length);
  const keep = attrInt(c.node.attrs, 'keepdims', 1) === 1;
  const yk = keepdimsForm(g, c.y[0], xd, axes, keep);
  const dk = keepdimsForm(g, c.dy[0]!, xd, axes, keep);
  const mask = g.op1('Cast', [g.op1('Equal', [c.x[0], yk])], { to: 1 });
  const count = g.op1('ReduceSum', [mask, g.constInt64(axes)], { keepdims: 1 });
  return [g.op1('Mul', [mask, g.op1('Div', [dk, count])])];
};
