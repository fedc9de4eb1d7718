// The engine's view of a data set (agreed interface; extended only by adding optional members).
import type { Vocab } from '../../language/data';
import type { LengthReport } from '../../language/types';
export type { Vocab } from '../../language/data';

export interface HostTensor { dtype: 'int32' | 'float32'; dims: number[]; data: Int32Array | Float32Array }

export interface Batch {
  tensors: Record<string, HostTensor>;
  /** float32 [batch, D], 1 = a real step: the mask of x's padded dimension (D = time for text with buckets,
   *  where it marks the steps that have a target, and for classify; D = src for pairs). */
  mask?: HostTensor;
  /** Extension: every mask by the dimension it covers: `time`, or `src` and `tgt` for pairs (`tgt` marks y's
   *  real tokens, `</s>` included: the decoder loss's mask). `masks[D]` of x's dimension is `mask`. */
  masks?: Record<string, HostTensor>;
  /** Concrete sizes: batch, time, src, tgt. */
  dims: Record<string, number>;
  /** Target tokens (or samples) the batch scores: the mask's sum when masked. */
  tokens: number;
}

export interface Dataset {
  /** vocab, classes, src, tgt, features, time (max), batch. */
  dims: Record<string, number>;
  vocab?: Vocab;
  targetVocab?: Vocab;
  /** Extension: how the model's input splits into tokens, when it is not the vocabulary's kind (pairs with target_tokens). */
  inputTokens?: 'chars' | 'words';
  /**
   * Extension (the PyTorch export): every row of both splits as one batch each (tensors with a leading row
   * axis, and the mask), the tokens each row counts, and how training batches are drawn from the rows:
   * `shuffled`, each epoch shuffles the training rows with epochRng(seed, epoch) and cuts full batches (one
   * smaller batch when there is none); `ordered`, the same cut without the shuffle. Validation batches are
   * the rows in order, the last one smaller. Undefined: this data's batches are not rows (text streams,
   * buckets, series windows).
   */
  exportRows?(): ExportRows;
  /** Extension (pairs): tokens only targets have, refused in an input. */
  targetOnly?: string[];
  labels?: string[];
  /** Shuffled with the seed and the epoch (same seed and epoch, same order). */
  trainBatches(epoch: number): Iterable<Batch>;
  validBatches(): Iterable<Batch>;
  /** Number of batches. */
  trainSize: number;
  validSize: number;
  /** Text to ids as the model reads them: raw ids for `text` (a sample's prime); a full fixed-width input row
   *  for classify (max_len, padded at the front), pairs (src, padded at the front) and arithmetic (src,
   *  right-aligned). Throws DataError for text the vocabulary cannot encode. */
  encode(text: string): number[];
  /** Ids to text: padding dropped; pairs stop at `</s>`; arithmetic is trimmed. */
  decode(ids: number[]): string;
  /** JSON to store with the run (vocab, labels, settings). */
  save(): unknown;
  /** Extension: a batch holding `x` for these inputs (classify, pairs, arithmetic), for predict. */
  predictBatch?(texts: string[]): Batch;
  /** Extension: the series columns used (series only). */
  columns?: string[];
  /** Extension (classify, pairs): training batches grouped by length (engine/data/lengths.ts). */
  grouping?: LengthGrouping;
  /** Extension (classify, pairs, text with buckets): what the file's rows became. */
  report?: LengthReport;
}

/** How a table's padded rows are batched: each batch as wide as its longest row's width. */
export interface LengthGrouping {
  /** False once padToCaps() was called. */
  readonly grouped: boolean;
  /** Each padded dimension's widths (`time`; `src`, `tgt`), ascending. */
  widths: Record<string, number[]>;
  /** The widths without grouping (max_len; the longest source and target). */
  caps: Record<string, number>;
  /** Every batch at the caps, in the rows' shuffled order (a model whose weights depend on the width). */
  padToCaps(): void;
  /** Epoch 1's padded steps over all steps: as grouped, and at the caps. */
  padding(): { grouped: number; full: number };
}

/** What `save()` writes. */
export interface ExportRows {
  /** blocks: batch j is rows j*batch..(j+1)*batch-1 (a text stream's windows), the blocks shuffled per epoch
   *  when `shuffle`; buckets: text.ts's bucketed plan, each row in bucket `bucket[i]` (its width). */
  plan: 'shuffled' | 'ordered' | 'blocks' | 'buckets';
  batch: number;
  /** Validation batches' size when it is not `batch` (a stream too short for `batch` rows of windows). */
  validBatch?: number;
  shuffle?: boolean;
  /** buckets: the bucket lengths, and each train and validation row's bucket length. */
  buckets?: { sizes: number[]; train: number[]; valid: number[] };
  train: Batch;
  valid: Batch;
  /** shuffled plans grouped by length (engine/data/lengths.ts): after the epoch's shuffle and cut into full
   *  batches, the rows are sorted by length (stable, dimensions in order) inside pools of `pool` batches, cut
   *  into batches, and the batches shuffled with the same generator; validation rows are pooled and sorted
   *  likewise, not shuffled. A batch's width along each dimension is the smallest of `widths` holding its
   *  longest row; `tensors` says which tensors are cut along which dimension, and from which side. */
  lengths?: {
    pool: number;
    widths: Record<string, number[]>;
    train: Record<string, number[]>;
    valid: Record<string, number[]>;
    tensors: Record<string, { dim: string; pad: 'front' | 'back' }>;
  };
  trainTokens: number[];
  validTokens: number[];
}

export interface SavedDataset {
  version: 1;
  source: string;
  args: Record<string, unknown>;
  /** The run's seed (restoring a generator regenerates the same samples). */
  seed?: number;
  dims: Record<string, number>;
  /** File sources: the sizes the checker's probe of the data file gave, so a trained run is checked again
   *  (predict, sample, export) without the file. */
  probe?: Record<string, number>;
  /** File sources: the data file's size and content hash when the run started (resume compares them). */
  file?: { bytes: number; sha256: string };
  vocab?: { tokens: string[]; kind: 'chars' | 'words' };
  labels?: string[];
  columns?: string[];
  /** pairs: tokens only targets have (ScanResult.targetOnly); absent in runs from before it was kept. */
  targetOnly?: string[];
}
