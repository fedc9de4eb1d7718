import type { GradRule } from '../types';
import { zeros } from '../util';

// ScatterElements(zeros, indices, dy, reduction='add') along the same axis.
export const rule: GradRule = (c) => {
  const g = c.g;
  const [data, idx] = c.x;
  const axis = typeof c.node.attrs.axis === 'number' ? c.node.attrs.axis : 0;
  return [g.op1('ScatterElements', [zeros(g, c.shape(data)), idx, c.dy[0]!], { axis, reduction: 'add' }), undefined];
};
