import type { GradRule } from '../types';
import { attrInt, zeros } from '../util';

// One Concat of the output gradients (zeros for outputs that do not reach the loss).
export const rule: GradRule = (c) => {
  const rank = c.dims(c.x[0]).length;
  let axis = attrInt(c.node.attrs, 'axis', 0);
  if (axis < 0) axis += rank;
  const parts = c.y.map((y, i) => c.dy[i] ?? zeros(c.g, c.dims(y)));
  return [parts.length === 1 ? parts[0] : c.g.op1('Concat', parts, { axis })];
};
