// The LayerCtx the compiler hands to engine/layers: parameters become graph inputs `param/<name>`.
import type { Graph } from '../onnx/graph';
import { EngineError, type GradHook, type LayerCtx, type ParamInit, type ParamRole, type ParamSpec } from '../layers/types';

export interface BuildCtx extends LayerCtx {
  params: ParamSpec[];
  /** graph value name -> parameter name */
  paramOf: Map<string, string>;
}

/** Prefix of the graph inputs that carry a step's random numbers (dropout masks). */
export const RANDOM_INPUT = 'rng/';

export function paramInput(name: string): string {
  return `param/${name}`;
}

/**
 * Initial values by role. With no `init` in the experiment: PyTorch's defaults (recurrent weights and biases
 * uniform(1/sqrt(hidden)), Linear weight and bias uniform(1/sqrt(in_features)), Embedding N(0, 1)). With an
 * explicit init: it for every weight matrix and the table, zero biases, and the LSTM forget gate's b_ih at 1.
 */
export function initFor(weightInit: ParamInit | 'default', role: ParamRole, fan: number): ParamInit {
  if (weightInit === 'default') {
    if (role === 'embedding') return { kind: 'normal', scale: 1 };
    return { kind: 'uniform', scale: 1 / Math.sqrt(Math.max(1, fan)) };
  }
  if (role === 'embedding' || role === 'weight' || role === 'rnn_weight') return weightInit;
  if (role === 'lstm_bias_ih') return { kind: 'lstm_forget_bias', scale: 1 };
  return { kind: 'zeros' };
}

export function makeCtx(g: Graph, opts: { training: boolean; weightInit: ParamInit | 'default'; mask?: string; maskDim?: string; seed?: number }): BuildCtx {
  const params: ParamSpec[] = [];
  const paramOf = new Map<string, string>();
  let randoms = 0;
  const hooks: GradHook[] = [];
  return {
    g,
    training: opts.training,
    weightInit: opts.weightInit,
    initFor: (role, fan) => initFor(opts.weightInit, role, fan),
    mask: opts.mask,
    maskDim: opts.maskDim,
    hooks,
    hookedParams: new Set(),
    params,
    paramOf,
    uniform: (shape) => g.input(`${RANDOM_INPUT}${randoms++}`, 'float32', shape),
    param(name, shape, init) {
      if (params.some((p) => p.name === name)) throw new EngineError(`two layers declare the parameter ${name}; give the statements different names`);
      params.push({ name, shape, init });
      const v = g.input(paramInput(name), 'float32', shape);
      paramOf.set(v, name);
      return v;
    },
  };
}
