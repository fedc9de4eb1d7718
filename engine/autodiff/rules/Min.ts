import type { GradRule } from '../types';
import { binaryExtremum } from './extremum';

// y = min(a, b): dy goes to the smaller input, half to each on a tie (as torch.minimum does).
export const rule: GradRule = (c) => binaryExtremum(c, 'Less');
