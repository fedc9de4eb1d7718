// A regression's prediction against the truth on validation data (the sine tutorial's plot): while
// validation runs, the first `max` values of the prediction and of its target are collected, batch after
// batch in data order (for [batch, time, features] tensors, feature 0 of every step), and written to the run
// folder as validation-prediction.json for the loss panel.
import * as path from 'node:path';
import type * as ort from 'onnxruntime-node';
import type { ValidationPredictionParams } from '../process/protocol';
import { writeFileAtomic } from '../runs/atomic';
import type { Batch } from './types';

export const VALIDATION_PREDICTION_FILE = 'validation-prediction.json';

export class PredictionSampler {
  readonly truth: number[] = [];
  readonly predicted: number[] = [];
  constructor(readonly output: string, readonly target: string, readonly max = 200) {}

  add(batch: Batch, out: Record<string, ort.Tensor>): void {
    const y = batch.tensors[this.target];
    const p = out[this.output];
    if (!y || !p || this.truth.length >= this.max) return;
    const F = y.dims.length >= 3 ? y.dims[y.dims.length - 1] : 1;
    const pv = p.data as Float32Array;
    if (pv.length !== y.data.length) return; // a prediction of another shape than its target: nothing to plot
    for (let i = 0; i < y.data.length && this.truth.length < this.max; i += F) {
      this.truth.push(y.data[i]);
      this.predicted.push(pv[i]);
    }
  }

  /** The figure for the panel, saved with the run (the latest epoch's). */
  finish(runId: string, runDir: string, epoch: number, step: number): ValidationPredictionParams | undefined {
    if (!this.truth.length) return undefined;
    const r: ValidationPredictionParams = { runId, epoch, step, output: this.output, target: this.target, truth: this.truth, predicted: this.predicted };
    writeFileAtomic(path.join(runDir, VALIDATION_PREDICTION_FILE), JSON.stringify(r) + '\n');
    return r;
  }
}
