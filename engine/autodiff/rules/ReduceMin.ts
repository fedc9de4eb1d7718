import type { GradRule } from '../types';
import { rule as reduceMax } from './ReduceMax';

// Same as ReduceMax: dy goes to the elements equal to the result, shared equally between ties.
export const rule: GradRule = (c) => reduceMax(c);
