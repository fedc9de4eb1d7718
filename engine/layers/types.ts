// What every layer builder works with: the graph, a way to declare parameters (PyTorch names), the batch's
// mask, and hooks through which a layer supplies hand-made weight gradients (recurrent layers: dW_hh as one
// product over all steps instead of one per step).
import type { Graph } from '../onnx/graph';

export type InitKind = 'xavier' | 'uniform' | 'normal' | 'zeros' | 'ones' | 'lstm_forget_bias';
export interface ParamInit { kind: InitKind; scale?: number }
export type ParamRole = 'embedding' | 'weight' | 'bias' | 'rnn_weight' | 'rnn_bias' | 'lstm_bias_ih';
export interface ParamSpec { name: string; shape: number[]; init: ParamInit }

/** A tensor during compilation: its graph value, static sizes and dimension names (undefined: unnamed). */
export interface TVal {
  v: string;
  shape: number[];
  names: (string | undefined)[];
  /** Padded along axis 1 (time): the batch's mask says which steps are real. */
  masked?: boolean;
  elem: 'int' | 'float';
}

/** A recurrent layer's final state in the engine's internal layout: one [batch, 1, hidden] value per
 *  layer and direction, index layer*directions + direction (PyTorch's h_n order). */
export interface StateVal {
  kind: 'state';
  cell: 'lstm' | 'gru' | 'rnn';
  layers: number;
  directions: 1 | 2;
  hidden: number;
  /** The hidden size's dimension name (`hidden`), so `enc.h` keeps its name in the shapes that ran. */
  hiddenName?: string;
  batch: number;
  h: string[];
  c?: string[];
}

export interface GradHook {
  /** Intermediate values whose gradients the hook needs (added to the autodiff's wrt list). */
  wrt: string[];
  /** Builds the parameter gradients from those (undefined: the loss does not depend on the value). */
  finish(g: Graph, grads: (string | undefined)[]): Record<string, string>;
}

export interface LayerCtx {
  g: Graph;
  /** Training graph: dropout is active and gradient hooks are collected. */
  training: boolean;
  /** Declares a parameter (graph input `param/<name>`) and returns its value name. */
  param(name: string, shape: number[], init: ParamInit): string;
  /** The experiment's init (for weight matrices); 'default' = PyTorch's per-layer defaults (see initFor). */
  weightInit: ParamInit | 'default';
  /** The init for one parameter given its role and the fan PyTorch's default uses (hidden size or in_features). */
  initFor(role: ParamRole, fan: number): ParamInit;
  /** float32 [batch, D] (1 = real step) when the batch is padded, D = maskDim (x's padded dimension). */
  mask?: string;
  /** The dimension `mask` covers (`time`, or `src` for pairs); undefined: whatever axis 1 is. */
  maskDim?: string;
  /**
   * Uniform [0, 1) values of this shape, for a dropout mask: a graph input `rng/<k>` the trainer draws anew
   * for every step from (seed, step, k), so a resumed run draws exactly what an uninterrupted one would (a
   * RandomUniform op's generator restarts with each new session).
   */
  uniform(shape: number[]): string;
  hooks: GradHook[];
  /** Parameters whose gradients come from hooks: the compiler leaves them out of the autodiff's wrt. */
  hookedParams: Set<string>;
}

/** The [batch, T] mask of x's steps: only when x is padded along the dimension the graph's mask covers (a
 *  pairs decoder over `tgt` must not read the source's mask; its padding is at the end, after every real
 *  step, so per-step outputs need none). */
export function stepMask(ctx: LayerCtx, x: TVal): string | undefined {
  if (!x.masked || !ctx.mask) return undefined;
  return ctx.maskDim === undefined || x.names[1] === ctx.maskDim ? ctx.mask : undefined;
}

export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineError';
  }
}

export function prod(xs: number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}
