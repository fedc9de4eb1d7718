// The data files of a PyTorch export. A data file (text, classify, pairs, series) is named in data.json with
// the source's settings: data.py reads it itself (loaders.py, the engine's loaders in Python). Generated data
// (arithmetic, sine, adding) is stored: data.bin holds every row of its two splits as the engine made them.
import {
  ArgReader, classifySettings, pairsSettings, seriesSettings, textSettings, type PlainArgs,
} from '../../language/data';
import type { Batch } from '../data/index';
import type { ExportRows, SavedDataset } from '../data/types';
import { encodeCheckpoint } from '../runs/checkpoint';

/** data.json for a data file: the source, its settings as the engine reads them, the file and its hash (the
 *  content the vocabulary was built from, so data.py can say when it reads another). */
export function fileDataConfig(saved: SavedDataset, file: string, seed: number): Record<string, string> {
  const r = new ArgReader(saved.source, saved.args as PlainArgs, file);
  const readers: Record<string, (r: ArgReader) => object> = { text: textSettings, classify: classifySettings, pairs: pairsSettings, series: seriesSettings };
  const settings = readers[saved.source]?.(r);
  if (!settings) throw new Error(`${saved.source} is not a data source that reads a file`);
  return { 'data.json': JSON.stringify({ source: saved.source, settings, file, sha256: saved.file?.sha256 ?? null, seed }, null, 1) + '\n' };
}

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
