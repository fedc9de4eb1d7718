// data.bin and data.json of a PyTorch export: every row of the data's two splits, as the engine's loaders
// made them, and how data.py draws the engine's batches from them.
import type { Batch } from '../data/index';
import type { ExportRows } from '../data/types';
import { encodeCheckpoint } from '../runs/checkpoint';

/** data.bin (every row of both splits, checkpoint layout) and data.json (how data.py batches them). */
export function dataFiles(r: ExportRows, seed: number): Record<string, string | Uint8Array> {
  const tensors: Record<string, { dims: number[]; data: Float32Array }> = {};
  const ints = new Set<string>();
  const put = (split: string, b: Batch, tokens: number[]) => {
    for (const [k, t] of Object.entries(b.tensors)) {
      if (t.dtype === 'int32') ints.add(k);
      tensors[`${split}/${k}`] = { dims: [...t.dims], data: Float32Array.from(t.data as ArrayLike<number>) };
    }
    if (b.mask) tensors[`${split}/#mask`] = { dims: [...b.mask.dims], data: Float32Array.from(b.mask.data as ArrayLike<number>) };
    tensors[`${split}/#tokens`] = { dims: [tokens.length], data: Float32Array.from(tokens) };
  };
  put('train', r.train, r.trainTokens);
  put('valid', r.valid, r.validTokens);
  return {
    'data.bin': Buffer.concat(encodeCheckpoint({ epoch: 0, step: 0, stepInEpoch: 0, tensors })),
    'data.json': JSON.stringify({ plan: r.plan, batch: r.batch, seed, ints: [...ints], ...(r.shuffle !== undefined ? { shuffle: r.shuffle } : {}), ...(r.validBatch ? { validBatch: r.validBatch } : {}), ...(r.buckets ? { buckets: r.buckets } : {}) }) + '\n',
  };
}

