import type { GradRule } from '../types';

// Transpose dy by the inverse permutation.
export const rule: GradRule = (c) => {
  const rank = c.dims(c.x[0]).length;
  const perm = (c.node.attrs.perm as number[] | undefined) ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const inv = perm.map((_, i) => perm.indexOf(i));
  return [c.g.op1('Transpose', [c.dy[0]!], { perm: inv })];
};
