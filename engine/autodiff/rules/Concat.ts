import type { GradRule } from '../types';
import { attrInt } from '../util';

// One Split of dy along the concatenation axis.
export const rule: GradRule = (c) => {
  const dims = c.x.map((x) => c.shape(x));
  const rank = dims[0].length;
  let axis = attrInt(c.node.attrs, 'axis', 0);
  if (axis < 0) axis += rank;
  if (c.x.length === 1) return [c.dy[0]!];
  const parts = c.g.op('Split', [c.dy[0]!, c.g.constInt64(dims.map((d) => d[axis]))], { axis }, { outputs: c.x.length });
  return parts.map((p, i) => (c.needs[i] ? p : undefined));
};
