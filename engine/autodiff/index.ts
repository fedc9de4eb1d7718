export { gradients, RULES } from './gradients';
export type { Contribution, GradContext, GradRule } from './types';
