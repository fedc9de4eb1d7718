import type { GradRule } from '../types';

// In training mode Dropout is y = x * mask / (1 - ratio); the mask output is needed for the gradient.
// Without training_mode (inference), Dropout is the identity. Models should prefer an explicit Mul by a mask.
export const rule: GradRule = (c) => {
  const g = c.g;
  const training = c.x[2] ? g.constValue(c.x[2]) : undefined;
  const isTraining = c.x[2] !== undefined && c.x[2] !== '' && (!training || Number(training.data[0]) !== 0);
  if (!isTraining) return [c.dy[0]!];
  if (c.y.length < 2) throw new Error('Dropout in training mode needs its mask output for the gradient (outputs: 2)');
  const r = c.x[1] ? g.constValue(c.x[1]) : undefined;
  if (c.x[1] && !r) throw new Error('Dropout: ratio must be a constant for the gradient');
  const ratio = r ? Number(r.data[0]) : 0.5;
  const mask = c.cached('Cast', [c.y[1]], { to: 1 });
  return [g.op1('Mul', [c.dy[0]!, g.op1('Mul', [mask, g.constFloat(1 / (1 - ratio))])])];
};
