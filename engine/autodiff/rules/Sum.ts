import type { GradRule } from '../types';

// y = x0 + x1 + ... (variadic, broadcasting)
export const rule: GradRule = (c) => {
  const d = c.dy[0]!;
  return c.x.map((x, i) => (c.needs[i] ? { unbroadcast: d, to: c.dims(x) } : undefined));
};
