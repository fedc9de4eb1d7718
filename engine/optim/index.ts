// Optimizer updates and gradient clipping as ONNX ops, with PyTorch's update rules, defaults and state names.
import type { Graph } from '../onnx/graph';

export type OptimizerName = 'sgd' | 'adam' | 'rmsprop' | 'adagrad';
export interface OptimizerSpec { name: OptimizerName; params: Record<string, number> }
export interface OptimizerItem { param: string; grad: string; state: string[] /* graph inputs, in optimizerSlots order */ }

// PyTorch's defaults (torch.optim, 2.x). Booleans are 0/1. lr is not here: it is a graph input.
const DEFAULTS: Record<OptimizerName, Record<string, number>> = {
  sgd: { momentum: 0, dampening: 0, weight_decay: 0, nesterov: 0 },
  adam: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0, amsgrad: 0 },
  rmsprop: { alpha: 0.99, eps: 1e-8, weight_decay: 0, momentum: 0, centered: 0 },
  adagrad: { lr_decay: 0, weight_decay: 0, initial_accumulator_value: 0, eps: 1e-10 },
};

/** Resolved settings: PyTorch defaults overridden by spec.params; an unknown setting is an error naming the valid ones. */
export function optimizerSettings(spec: OptimizerSpec): Record<string, number> {
  const dflt = DEFAULTS[spec.name];
  if (!dflt) throw new Error(`unknown optimizer '${spec.name}'; use one of ${Object.keys(DEFAULTS).join(', ')}`);
  const out = { ...dflt };
  for (const [k, v] of Object.entries(spec.params)) {
    if (k === 'lr') continue;
    if (!(k in dflt)) throw new Error(`optimizer ${spec.name} has no setting '${k}'; its settings are ${Object.keys(dflt).join(', ')}`);
    if (!Number.isFinite(v)) throw new Error(`optimizer ${spec.name}: setting '${k}' must be a finite number, got ${v}`);
    out[k] = v;
  }
  if (spec.name === 'sgd' && out.nesterov && (out.momentum <= 0 || out.dampening !== 0)) {
    throw new Error('sgd: nesterov needs a momentum above 0 and dampening 0');
  }
  return out;
}

/** State slots per parameter, named as in PyTorch's optimizer state (e.g. adam: exp_avg, exp_avg_sq). */
export function optimizerSlots(spec: OptimizerSpec): string[] {
  const s = optimizerSettings(spec);
  switch (spec.name) {
    case 'sgd':
      return s.momentum !== 0 ? ['momentum_buffer'] : [];
    case 'adam':
      return s.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'];
    case 'rmsprop':
      return ['square_avg', ...(s.momentum > 0 ? ['momentum_buffer'] : []), ...(s.centered ? ['grad_avg'] : [])];
    case 'adagrad':
      return ['sum'];
  }
}

/** The value every state slot starts at before step 1 (all zeros except adagrad's initial_accumulator_value). */
export function optimizerSlotInit(spec: OptimizerSpec): Record<string, number> {
  const s = optimizerSettings(spec);
  return Object.fromEntries(optimizerSlots(spec).map((k) => [k, spec.name === 'adagrad' ? s.initial_accumulator_value : 0]));
}

/**
 * Appends one optimizer step. `lr` and `step` are float32 scalar values; `step` is the 1-based number of the
 * update being made (1 on the first), as Adam's bias correction and Adagrad's lr_decay count it.
 * Returns the updated parameters and, per item, the updated state in optimizerSlots order.
 */
export function applyOptimizer(
  g: Graph,
  spec: OptimizerSpec,
  items: OptimizerItem[],
  lr: string,
  step: string,
): { next: string[]; nextState: string[][] } {
  const s = optimizerSettings(spec);
  const slots = optimizerSlots(spec);
  for (const it of items) {
    if (it.state.length !== slots.length) {
      throw new Error(`${spec.name}: parameter '${it.param}' has ${it.state.length} state inputs, the optimizer needs ${slots.length} (${slots.join(', ')})`);
    }
  }
  const c = (v: number) => g.constFloat(v);
  const mul = (a: string, b: string) => g.op1('Mul', [a, b]);
  const add = (a: string, b: string) => g.op1('Add', [a, b]);
  const sub = (a: string, b: string) => g.op1('Sub', [a, b]);
  const div = (a: string, b: string) => g.op1('Div', [a, b]);
  const withDecay = (it: OptimizerItem) => (s.weight_decay !== 0 ? add(it.grad, mul(it.param, c(s.weight_decay))) : it.grad);
  const next: string[] = [];
  const nextState: string[][] = [];

  switch (spec.name) {
    case 'sgd': {
      // step 1 starts the buffer at the gradient itself; later steps damp (same thing when dampening = 0)
      const first = s.momentum !== 0 && s.dampening !== 0 ? g.op1('Less', [step, c(1.5)]) : undefined;
      for (const it of items) {
        let d = withDecay(it);
        const st: string[] = [];
        if (s.momentum !== 0) {
          let buf = add(mul(it.state[0], c(s.momentum)), s.dampening !== 0 ? mul(d, c(1 - s.dampening)) : d);
          if (first) buf = g.op1('Where', [first, d, buf]);
          st.push(buf);
          d = s.nesterov ? add(d, mul(buf, c(s.momentum))) : buf;
        }
        next.push(sub(it.param, mul(d, lr)));
        nextState.push(st);
      }
      break;
    }
    case 'adam': {
      // per-graph scalars: lr / (1 - beta1^t) and sqrt(1 - beta2^t)
      const bc1 = sub(c(1), g.op1('Pow', [c(s.beta1), step]));
      const bc2sqrt = g.op1('Sqrt', [sub(c(1), g.op1('Pow', [c(s.beta2), step]))]);
      const stepSize = div(lr, bc1);
      for (const it of items) {
        const d = withDecay(it);
        const m = add(mul(it.state[0], c(s.beta1)), mul(d, c(1 - s.beta1)));
        const v = add(mul(it.state[1], c(s.beta2)), mul(mul(d, d), c(1 - s.beta2)));
        const st = [m, v];
        let vUse = v;
        if (s.amsgrad) {
          vUse = g.op1('Where', [g.op1('Greater', [v, it.state[2]]), v, it.state[2]]); // max without Max (no WebGPU kernel)
          st.push(vUse);
        }
        const denom = add(div(g.op1('Sqrt', [vUse]), bc2sqrt), c(s.eps));
        next.push(sub(it.param, mul(div(m, denom), stepSize)));
        nextState.push(st);
      }
      break;
    }
    case 'rmsprop': {
      for (const it of items) {
        const d = withDecay(it);
        const sq = add(mul(it.state[0], c(s.alpha)), mul(mul(d, d), c(1 - s.alpha)));
        const st = [sq];
        let k = 1;
        let bufIn: string | undefined;
        if (s.momentum > 0) bufIn = it.state[k++];
        let avgSq = sq;
        let ga: string | undefined;
        if (s.centered) {
          ga = add(mul(it.state[k++], c(s.alpha)), mul(d, c(1 - s.alpha)));
          avgSq = sub(sq, mul(ga, ga));
        }
        const avg = add(g.op1('Sqrt', [avgSq]), c(s.eps));
        if (bufIn !== undefined) {
          const buf = add(mul(bufIn, c(s.momentum)), div(d, avg));
          st.push(buf);
          next.push(sub(it.param, mul(buf, lr)));
        } else {
          next.push(sub(it.param, mul(div(d, avg), lr)));
        }
        if (ga) st.push(ga);
        nextState.push(st);
      }
      break;
    }
    case 'adagrad': {
      const clr = s.lr_decay !== 0 ? div(lr, add(c(1), mul(sub(step, c(1)), c(s.lr_decay)))) : lr;
      for (const it of items) {
        const d = withDecay(it);
        const sum = add(it.state[0], mul(d, d));
        next.push(sub(it.param, mul(div(d, add(g.op1('Sqrt', [sum]), c(s.eps))), clr)));
        nextState.push([sum]);
      }
      break;
    }
  }
  return { next, nextState };
}

/** The L2 norm over all gradients together (float32 scalar). */
export function globalNorm(g: Graph, grads: string[]): string {
  if (grads.length === 0) throw new Error('globalNorm: no gradients');
  const squares = grads.map((x) => g.op1('ReduceSumSquare', [x], { keepdims: 0 }));
  let total = squares[0];
  for (const s of squares.slice(1)) total = g.op1('Add', [total, s]); // Sum has no WebGPU kernel
  return g.op1('Sqrt', [total]);
}

/**
 * torch.nn.utils.clip_grad_norm_: scales every gradient by min(1, maxNorm / (norm + 1e-6)), where norm is the
 * L2 norm over all gradients (returned, before clipping). maxNorm is a number or a float32 scalar value.
 */
export function clipGlobalNorm(g: Graph, grads: string[], maxNorm: number | string): { grads: string[]; norm: string } {
  if (typeof maxNorm === 'number' && !(maxNorm > 0)) throw new Error(`clip: the maximum norm must be above 0, got ${maxNorm}`);
  const norm = globalNorm(g, grads);
  const max = typeof maxNorm === 'number' ? g.constFloat(maxNorm) : maxNorm;
  const coef = g.op1('Clip', [g.op1('Div', [max, g.op1('Add', [norm, g.constFloat(1e-6)])]), '', g.constFloat(1)]);
  return { grads: grads.map((x) => g.op1('Mul', [x, coef])), norm };
}
