// The train block as a run's settings.json records it (what the loss panel and a resume read back).
import type { Analysis } from '../../language/types';

export function trainSettings(a: Analysis): Record<string, unknown> {
  const t = a.train!;
  return { loss: t.loss?.fn, lossOperands: t.loss?.operands.map((o) => (o.field ? `${o.name}.${o.field}` : o.name)), optimizer: t.optimizer, epochs: t.epochs, steps: t.steps, clip: t.clip, metrics: t.metrics, init: t.init, seed: t.seed, device: t.device, threads: t.threads };
}
