import type { GradRule } from '../types';
import { binaryExtremum } from './extremum';

// y = max(a, b): dy goes to the larger input, half to each on a tie (as torch.maximum does).
export const rule: GradRule = (c) => binaryExtremum(c, 'Greater');
