// About how much memory one training step needs, from the checked shapes: the weights, their gradients and
// the optimizer's state (Adam keeps two more copies, SGD with momentum one), and the activations of one
// batch (every statement's output kept for the backward pass plus its gradient; a recurrent layer keeps its
// gates, cell and hidden values at every step). An estimate for refusing what cannot fit, not a measure.
import type { Analysis, Dim, Shape } from '../types';

export interface MemoryEstimate {
  weights: number; optimizer: number; activations: number; total: number;
  /** The widths the estimate took for dimensions narrower than their static size (a classifier's `time`). */
  widest?: Record<string, number>;
}

const GATES = { lstm: 4, gru: 3, rnn: 1 } as const;

/** Optimizer copies of each weight: adam 2, rmsprop 1 (2 with momentum), sgd/adagrad 0-1. */
function slots(a: Analysis): number {
  const o = a.train?.optimizer;
  if (!o) return 2;
  if (o.name === 'adam') return 2;
  if (o.name === 'rmsprop') return o.params.momentum ? 2 : 1;
  if (o.name === 'sgd') return o.params.momentum ? 1 : 0;
  return 1;
}

const dimSize = (d: Dim) => d.size ?? (d.sizes?.length ? Math.max(...d.sizes) : undefined);

/** A classifier's batches are grouped by length (engine/data/lengths.ts): `time` reaches the longest row the
 *  file has, not max_len, once the file has been read. */
function widestBatch(a: Analysis): Record<string, number> | undefined {
  const l = a.data?.lengths;
  const cap = a.dims.get('time')?.size;
  if (a.data?.source !== 'classify' || !l || cap === undefined || l.spread.longest >= cap) return undefined;
  return { time: Math.max(1, l.spread.longest) };
}

function elements(s: Shape | undefined, widest?: Record<string, number>): number | undefined {
  if (!s || !s.dims.length) return undefined;
  let n = 1;
  for (const d of s.dims) {
    const w = d.name !== undefined ? widest?.[d.name] : undefined;
    const k = w !== undefined && d.size !== undefined ? Math.min(w, d.size) : dimSize(d);
    if (k === undefined) return undefined;
    n *= k;
  }
  return n;
}

/** Bytes of float32 a training step holds at once; undefined while a size is unknown. */
export function trainStepMemory(a: Analysis): MemoryEstimate | undefined {
  if (a.totalParams === undefined) return undefined;
  const weights = a.totalParams * 4;
  const optimizer = weights * (1 + slots(a)); // the gradients, then the optimizer's copies
  let floats = 0;
  const widest = widestBatch(a);
  for (const s of a.summaries) {
    const n = elements(s.shape, widest);
    if (n === undefined) return undefined;
    const st = s.state;
    // per step and layer: the gates, the cell, the hidden value, and as much again for their gradients
    floats += st ? n * (GATES[st.cell] + 3) * st.layers * 2 : n * 2;
  }
  const activations = floats * 4;
  return { weights, optimizer, activations, total: weights + optimizer + activations, ...(widest ? { widest } : {}) };
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(0)} MB`;
  return `${Math.max(1, Math.round(n / 1e3))} KB`;
}
