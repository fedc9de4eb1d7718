import type { GradRule } from '../types';

// y = a + b (broadcasting): each input gets dy summed over the axes it was broadcast along.
export const rule: GradRule = (c) => {
  const d = c.dy[0]!;
  return c.x.map((x, i) => (c.needs[i] ? { unbroadcast: d, to: c.dims(x) } : undefined));
};
