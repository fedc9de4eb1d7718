// What a run's settings.json records: the train block, the sizes, the parameters (what the loss panel, a
// resume and the PyTorch export read back).
import type { Analysis } from '../../language/types';
import type { RunSettings } from '../runs/store';
import type { DatasetLike, ModelLike } from './types';

export function trainSettings(a: Analysis): Record<string, unknown> {
  const t = a.train!;
  return { loss: t.loss?.fn, lossOperands: t.loss?.operands.map((o) => (o.field ? `${o.name}.${o.field}` : o.name)), optimizer: t.optimizer, epochs: t.epochs, steps: t.steps, clip: t.clip, metrics: t.metrics, init: t.init, seed: t.seed, device: t.device, threads: t.threads };
}

/** A run's settings; `run` gives what only a real run has (its id, device, threads, schedule overrides). */
export function runSettings(a: Analysis, dataset: DatasetLike, model: ModelLike, file: string, run: Partial<RunSettings> & { device: string }): RunSettings {
  const t = a.train!;
  return {
    runId: '', experiment: a.experiment, file, created: new Date().toISOString(), train: trainSettings(a),
    dims: dataset.dims, seed: t.seed, epochs: t.epochs, steps: t.steps,
    params: model.params.map((q) => ({ name: q.name, shape: q.shape })),
    totalParams: model.params.reduce((s, q) => s + q.shape.reduce((x, y) => x * y, 1), 0),
    optimizerSlots: model.optimizerSlots,
    ...run,
  };
}
