import type { GradRule } from '../types';

// Sum dy over the broadcast axes (deferred so repeated uses share one ReduceSum).
export const rule: GradRule = (c) => [{ unbroadcast: c.dy[0]!, to: c.dims(c.x[0]) }];
