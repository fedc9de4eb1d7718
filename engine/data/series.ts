// `series`: numeric CSV columns. Window i reads rows i..i+window-1 (x) and the same rows `horizon` later
// (y). Windows keep time order: the last `valid` fraction of them is held out; training windows are shuffled.
import { DataError, type SeriesSettings } from '../../language/data';
import { chunk, floatTensor, range, shuffledBatches, validChunks } from './batches';
import { numericPredictBatch } from './numeric';
import type { Batch, Dataset } from './types';

export function seriesDataset(s: SeriesSettings, columns: string[], values: number[][] | undefined, seed: number, file: string): Dataset {
  const F = columns.length, W = s.window, H = s.horizon;
  const rows = values ?? [];
  const nWindows = Math.max(0, rows.length - W - H + 1);
  const nTrain = nWindows - Math.floor(nWindows * s.valid);
  if (values && nTrain === 0) throw new DataError(file, `no training window of ${W} rows is left`, { code: 'bad-argument', fix: 'lower window or valid' });
  const make = (starts: number[]): Batch => {
    const B = starts.length;
    const x = floatTensor([B, W, F]), y = floatTensor([B, W, F]);
    starts.forEach((st, b) => {
      for (let t = 0; t < W; t++) {
        for (let f = 0; f < F; f++) {
          x.data[(b * W + t) * F + f] = rows[st + t][f];
          y.data[(b * W + t) * F + f] = rows[st + t + H][f];
        }
      }
    });
    return { tensors: { x, y }, dims: { batch: B, time: W }, tokens: B * W };
  };
  const validIdx = validChunks(range(nTrain, nWindows), s.batch);
  const noText = (): never => { throw new DataError(file, 'series data has no text form', { code: 'bad-argument', fix: 'predict with numbers: one row per step, the columns joined by commas, or a CSV file' }); };
  return {
    dims: { features: F, batch: s.batch, time: W },
    columns,
    trainSize: values ? chunk(range(0, nTrain), s.batch).length : 0,
    validSize: validIdx.length,
    *trainBatches(epoch: number) { if (values) for (const b of shuffledBatches(nTrain, s.batch, seed, epoch)) yield make(b); },
    *validBatches() { for (const b of validIdx) yield make(b); },
    exportRows: () => {
      const train = range(0, nTrain), valid = range(nTrain, nWindows);
      return { plan: 'shuffled', batch: s.batch, train: make(train), valid: make(valid), trainTokens: train.map(() => W), validTokens: valid.map(() => W) };
    },
    encode: noText,
    decode: noText,
    predictBatch: numericPredictBatch(F, columns),
    save: () => undefined,
  };
}
