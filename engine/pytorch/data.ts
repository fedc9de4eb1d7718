// The data files of a PyTorch export. A data file (text, classify, pairs, series) is named in data.json with
// the source's settings: data.py reads it itself (loaders.py, the engine's loaders in Python). Generated data
// (arithmetic, sine, adding) is stored: data.bin holds every row of its two splits as the engine made them.
import {
  ArgReader, classifySettings, pairsSettings, seriesSettings, textSettings, type PlainArgs,
} from '../../language/data';
import type { Batch } from '../data/index';
import type { ExportRows, SavedDataset } from '../data/types';
import { encodeCheckpoint } from '../runs/checkpoint';

/** Sources whose padded rows the engine batches by length (engine/data/lengths.ts). */
const GROUPED_SOURCES = new Set(['classify', 'pairs']);

/** data.json for a data file: the source, its settings as the engine reads them, the file and its hash (the
 *  content the vocabulary was built from, so data.py can say when it reads another). `grouped` (classify,
 *  pairs): whether the engine batches the rows by length, `dataset.grouping?.grouped` (false for a model whose
 *  weights depend on the width); loaders.py computes the lengths and widths from the rows it reads. */
export function fileDataConfig(saved: SavedDataset, file: string, seed: number, grouped?: boolean): Record<string, string> {
  const r = new ArgReader(saved.source, saved.args as PlainArgs, file);
  const readers: Record<string, (r: ArgReader) => object> = { text: textSettings, classify: classifySettings, pairs: pairsSettings, series: seriesSettings };
  const settings = readers[saved.source]?.(r);
  if (!settings) throw new Error(`${saved.source} is not a data source that reads a file`);
  const grouping = GROUPED_SOURCES.has(saved.source) ? { grouped: grouped ?? true } : {};
  return { 'data.json': JSON.stringify({ source: saved.source, settings, file, sha256: saved.file?.sha256 ?? null, seed, ...grouping }, null, 1) + '\n' };
}

/** data.bin (every row of both splits, checkpoint layout) and data.json (how data.py batches them; `lengths`
 *  when the rows are batched by length, the rows stored at the caps for data.py to cut). */
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
    'data.json': JSON.stringify({ plan: r.plan, batch: r.batch, seed, ints: [...ints], ...(r.shuffle !== undefined ? { shuffle: r.shuffle } : {}), ...(r.validBatch ? { validBatch: r.validBatch } : {}), ...(r.buckets ? { buckets: r.buckets } : {}), ...(r.lengths ? { lengths: r.lengths } : {}) }) + '\n',
  };
}
