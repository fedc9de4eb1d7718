// Metric bookkeeping across batches. The graphs emit per-batch values ('loss' as a mean over real tokens or
// samples; 'metric/<name>' either as a mean or as a [sum, count] pair); this sums them with the right
// weights so an epoch figure is the figure over all its tokens, not a mean of batch means.
import type * as ort from 'onnxruntime-node';

export interface BatchFigures { loss: number; weight: number; metrics: Record<string, [number, number]> }

/** Per-batch metric values from a run's outputs, as [sum, count] pairs. */
export function readMetricOutputs(outputs: Record<string, ort.Tensor>, weight: number): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const [name, t] of Object.entries(outputs)) {
    if (!name.startsWith('metric/')) continue;
    const key = name.slice('metric/'.length);
    const d = t.data as Float32Array;
    if (d.length >= 2) out[key] = [Number(d[0]), Number(d[1])];
    else if (d.length === 1) out[key] = [Number(d[0]) * weight, weight];
  }
  return out;
}

export class MetricAccumulator {
  private lossSum = 0;
  private weight = 0;
  private sums: Record<string, [number, number]> = {};
  constructor(private readonly requested: string[], private readonly lossFn: string | undefined) {}

  add(f: BatchFigures): void {
    this.lossSum += f.loss * f.weight;
    this.weight += f.weight;
    for (const [k, [s, c]] of Object.entries(f.metrics)) {
      const acc = (this.sums[k] ??= [0, 0]);
      acc[0] += s;
      acc[1] += c;
    }
  }

  get count(): number {
    return this.weight;
  }

  meanLoss(): number {
    return this.weight > 0 ? this.lossSum / this.weight : NaN;
  }

  /** Requested metrics by name. Perplexity is exp of the token-weighted mean cross-entropy. */
  values(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of this.requested) {
      if (m === 'perplexity') {
        if (this.lossFn === undefined || this.lossFn === 'cross_entropy') out[m] = Math.exp(this.meanLoss());
        continue;
      }
      const acc = this.sums[m];
      if (acc && acc[1] > 0) out[m] = acc[0] / acc[1];
    }
    return out;
  }
}

/** Metrics of one batch, for step lines. */
export function batchMetrics(requested: string[], lossFn: string | undefined, f: BatchFigures): Record<string, number> {
  const a = new MetricAccumulator(requested, lossFn);
  a.add(f);
  return a.values();
}
