// `classify` and `pairs`: rows of a CSV/TSV/JSONL file. Rows are shuffled once with the seed before the last
// `valid` fraction is held out (files are often sorted by label; Keras's validation_split on such a file
// validates on one class only).
// classify: x is max_len ids padded and truncated at the front (Keras pad_sequences 'pre', so the last step
// is always a real token), y the label's index (labels in sorted order); the mask marks x's real tokens.
// pairs: x is the source padded at the front to src (mask: its real tokens); y is the target then `</s>`,
// y_in is `<s>` then the target (teacher forcing), both padded at the back to tgt (masks.tgt: y's tokens).
import { DataError, deriveSeed, fieldTokens, mulberry32, shuffleInPlace, type ClassifySettings, type PairsSettings, type Vocab } from '../../language/data';
import { chunk, epochRng, floatTensor, intTensor, range } from './batches';
import { lengthPlan, POOL_BATCHES, type LengthPlan, type PlannedBatch } from './lengths';
import { decodeTokens, encodeTokens } from './text';
import type { Batch, Dataset, ExportRows, HostTensor, LengthGrouping } from './types';

const STREAM_SPLIT = 0x73706c74;

/** Rows from the scanner (ids), undefined for a restored data set. */
export type TableRows = { x: Int32Array; y?: Int32Array; label?: string; line: number }[];

/** Mask rows for ids right-aligned in `width`: 1 on the last `len` steps (at least one, so an empty text
 *  still has a step for last() to take). */
function frontMask(lens: number[], idx: number[], width: number): HostTensor & { data: Float32Array } {
  const m = floatTensor([idx.length, width]);
  idx.forEach((i, b) => m.data.fill(1, b * width + width - Math.max(1, Math.min(lens[i], width)), (b + 1) * width));
  return m;
}

/** Ids right-aligned in `width`, padded (and cut) at the front. */
export function padFront(ids: ArrayLike<number>, width: number, pad: number): Int32Array {
  const out = new Int32Array(width).fill(pad);
  const n = Math.min(ids.length, width);
  for (let i = 0; i < n; i++) out[width - n + i] = ids[ids.length - n + i];
  return out;
}

/** An input with no tokens would be answered from padding alone: refuse it. */
function noTokens(rows: number[][], what: string): void {
  const at = rows.findIndex((r) => r.length === 0);
  if (at >= 0) throw new DataError(rows.length > 1 ? `input ${at + 1}` : 'input', `has no ${what} to read`, { code: 'bad-argument', fix: 'give some text' });
}

/**
 * A pairs input the model would read otherwise than written: longer than the longest source it learned from
 * (the front would be cut), holding characters no source had (they would read as <unk>), or tokens only
 * targets have. Every bad token is named at once.
 */
function fitsSource(inputs: string[][], vocab: Vocab, kind: 'chars' | 'words', src: number, targetOnly?: string[]): void {
  const what = kind === 'chars' ? 'characters' : 'words';
  const only = new Set(targetOnly ?? []);
  const show = (ts: string[]) => `${ts.slice(0, 5).map((t) => JSON.stringify(t)).join(', ')}${ts.length > 5 ? ', ...' : ''}`;
  inputs.forEach((toks, i) => {
    const where = inputs.length > 1 ? `input ${i + 1}` : 'input';
    if (toks.length > src) {
      throw new DataError(where, `has ${toks.length} ${what}; the model reads at most ${src} (the longest source in the training data)`, { code: 'bad-argument', fix: `give at most ${src} ${what}` });
    }
    // Source and target share one vocabulary: a token only targets have (a phoneme N in "PHONE") would be
    // read as that target token, a silent guess. An unknown word is <unk>, as in training; an unknown
    // character is not.
    const targetSide = [...new Set(toks.filter((t) => only.has(t)))];
    const unknown = kind === 'chars' ? [...new Set(toks.filter((t) => !vocab.index.has(t)))] : [];
    const problems = [
      ...(unknown.length ? [`${show(unknown)} ${unknown.length === 1 ? 'is' : 'are'} not among the characters of the training data`] : []),
      ...(targetSide.length ? [`${show(targetSide)} ${targetSide.length === 1 ? 'appears' : 'appear'} only in the targets of the training data, never in a source`] : []),
    ];
    if (problems.length) throw new DataError(where, problems.join('; '), { code: 'bad-argument', fix: 'write the input as the data\'s source column writes it (its case and spelling)' });
  });
}

/** Every row of both splits at the caps (the PyTorch export): a table's batches are its rows, shuffled per
 *  epoch, then grouped by length as `grouping` says (data.py cuts each batch to its widths). */
function tableRows(
  parts: { train: number[]; valid: number[] }, batch: number, make: (b: PlannedBatch) => Batch, tokens: (row: number) => number,
  g: LengthGroups, tensors: NonNullable<ExportRows['lengths']>['tensors'],
): ExportRows {
  const caps = (idx: number[]): PlannedBatch => ({ idx, dims: g.caps });
  const per = (idx: number[]) => Object.fromEntries(Object.entries(g.lengths).map(([d, len]) => [d, idx.map((i) => len[i])]));
  return {
    plan: 'shuffled', batch, train: make(caps(parts.train)), valid: make(caps(parts.valid)), trainTokens: parts.train.map(tokens), validTokens: parts.valid.map(tokens),
    ...(g.plan.grouped ? { lengths: { pool: POOL_BATCHES, widths: g.plan.widths, train: per(parts.train), valid: per(parts.valid), tensors } } : {}),
  };
}

/** A table's length plan, its caps and each row's lengths. */
interface LengthGroups { plan: LengthPlan; caps: Record<string, number>; lengths: Record<string, number[]> }

function groups(lengths: Record<string, number[]>, caps: Record<string, number>, parts: { train: number[]; valid: number[] }, batch: number): LengthGroups {
  return { plan: lengthPlan(lengths, caps, parts.train, [...parts.train, ...parts.valid], batch), caps, lengths };
}

/** The batches of a table: each epoch's plan, validation's, and the grouping's summary for the trainer. */
function tableBatches(g: LengthGroups, parts: { train: number[]; valid: number[] }, batch: number, seed: number, make: (b: PlannedBatch) => Batch) {
  const epoch = (e: number) => {
    const order = parts.train.slice();
    const rng = epochRng(seed, e);
    shuffleInPlace(order, rng);
    return g.plan.train(order, rng);
  };
  const grouping: LengthGrouping = {
    get grouped() { return g.plan.grouped; },
    widths: g.plan.widths,
    caps: g.caps,
    padToCaps() { g.plan.grouped = false; },
    padding: () => g.plan.padding(epoch(1)),
  };
  return {
    trainSize: chunk(parts.train, batch).length,
    validSize: g.plan.valid(parts.valid).length,
    *trainBatches(e: number) { for (const b of epoch(e)) yield make(b); },
    *validBatches() { for (const b of g.plan.valid(parts.valid)) yield make(b); },
    grouping,
  };
}

/** The held-out rows: the last `valid` fraction of a seeded shuffle (bench/pronounce ports it to Python). */
export function split(n: number, valid: number, seed: number): { train: number[]; valid: number[] } {
  const order = range(0, n);
  shuffleInPlace(order, mulberry32(deriveSeed(seed, STREAM_SPLIT)));
  const nValid = Math.floor(n * valid);
  return { train: order.slice(0, n - nValid), valid: order.slice(n - nValid) };
}

export function classifyDataset(s: ClassifySettings, vocab: Vocab, labels: string[], data: TableRows | undefined, seed: number): Dataset {
  const T = s.maxLen;
  const pad = vocab.pad ?? 0;
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const xs = (data ?? []).map((r) => padFront(r.x, T, pad));
  const ys = (data ?? []).map((r) => labelIndex.get(r.label!)!);
  const lens = (data ?? []).map((r) => r.x.length);
  const parts = split(xs.length, s.valid, seed);
  // A row's width is its real tokens (at least one: an empty text still has a step for last()), cut at max_len.
  const g = groups({ time: lens.map((n) => Math.max(1, Math.min(n, T))) }, { time: T }, parts, s.batch);
  const make = ({ idx, dims: { time: W } }: PlannedBatch): Batch => {
    const B = idx.length;
    const x = intTensor([B, W]), y = intTensor([B]);
    idx.forEach((i, b) => { x.data.set(xs[i].subarray(T - W), b * W); y.data[b] = ys[i]; });
    const mask = frontMask(lens, idx, W);
    return { tensors: { x, y }, mask, masks: { time: mask }, dims: { batch: B, time: W }, tokens: B };
  };
  const encode = (text: string) => Array.from(padFront(encodeTokens(vocab, fieldTokens(text, s.tokens, 'keras'), 'predict'), T, pad));
  return {
    dims: { vocab: vocab.tokens.length, classes: labels.length, batch: s.batch, time: T },
    vocab, labels,
    ...tableBatches(g, parts, s.batch, seed, make),
    exportRows: () => tableRows(parts, s.batch, make, () => 1, g, { x: { dim: 'time', pad: 'front' }, mask: { dim: 'time', pad: 'front' } }),
    encode,
    decode: (ids) => decodeTokens(vocab, ids),
    predictBatch(texts) {
      const x = intTensor([texts.length, T]);
      const rows = texts.map((t) => encodeTokens(vocab, fieldTokens(t, s.tokens, 'keras'), 'predict'));
      noTokens(rows, s.tokens === 'chars' ? 'characters' : 'words (punctuation is dropped)');
      rows.forEach((r, b) => x.data.set(padFront(r, T, pad), b * T));
      const mask = frontMask(rows.map((r) => r.length), rows.map((_, i) => i), T);
      return { tensors: { x }, mask, masks: { time: mask }, dims: { batch: texts.length, time: T }, tokens: texts.length };
    },
    save: () => undefined,
  };
}

/** `targetOnly`: tokens no source has (ScanResult.targetOnly), refused in an input. */
export function pairsDataset(s: PairsSettings, vocab: Vocab, dims: { src: number; tgt: number }, data: TableRows | undefined, seed: number, targetOnly?: string[]): Dataset {
  const { src, tgt } = dims;
  const pad = vocab.pad!, bos = vocab.bos!, eos = vocab.eos!;
  const rows = (data ?? []).map((r) => ({ x: padFront(r.x, src, pad), y: r.y! }));
  const lens = (data ?? []).map((r) => r.x.length);
  const parts = split(rows.length, s.valid, seed);
  // Widths: the source's real tokens; the target's tokens and `</s>`.
  const targetLen = (i: number) => Math.min(rows[i].y.length, tgt - 1) + 1;
  const g = groups({ src: lens.map((n) => Math.max(1, Math.min(n, src))), tgt: rows.map((_, i) => targetLen(i)) }, { src, tgt }, parts, s.batch);
  const make = ({ idx, dims: { src: S, tgt: U } }: PlannedBatch): Batch => {
    const B = idx.length;
    const x = intTensor([B, S]), y = intTensor([B, U]), yIn = intTensor([B, U]), mask = floatTensor([B, U]);
    y.data.fill(pad);
    yIn.data.fill(pad);
    let tokens = 0;
    idx.forEach((i, b) => {
      const r = rows[i];
      x.data.set(r.x.subarray(src - S), b * S);
      const n = targetLen(i) - 1;
      y.data.set(r.y.subarray(0, n), b * U);
      y.data[b * U + n] = eos;
      yIn.data[b * U] = bos;
      yIn.data.set(r.y.subarray(0, n), b * U + 1);
      for (let t = 0; t <= n; t++) mask.data[b * U + t] = 1;
      tokens += n + 1;
    });
    const xMask = frontMask(lens, idx, S);
    // `mask/tgt` as a tensor too: the loss graph's input of that name (engine/compile/train.ts).
    return { tensors: { x, y, y_in: yIn, 'mask/tgt': mask }, mask: xMask, masks: { src: xMask, tgt: mask }, dims: { batch: B, src: S, tgt: U }, tokens };
  };
  const encode = (text: string) => Array.from(padFront(encodeTokens(vocab, fieldTokens(text, s.tokens, 'plain'), 'predict'), src, pad));
  return {
    dims: { vocab: vocab.tokens.length, batch: s.batch, src, tgt },
    vocab, targetVocab: vocab, inputTokens: s.tokens, targetOnly,
    ...tableBatches(g, parts, s.batch, seed, make),
    exportRows: () => tableRows(parts, s.batch, make, targetLen, g, {
      x: { dim: 'src', pad: 'front' }, mask: { dim: 'src', pad: 'front' }, y: { dim: 'tgt', pad: 'back' }, y_in: { dim: 'tgt', pad: 'back' }, 'mask/tgt': { dim: 'tgt', pad: 'back' },
    }),
    encode,
    decode: (ids) => decodeTokens(vocab, ids, true, s.targetTokens),
    predictBatch(texts) {
      const x = intTensor([texts.length, src]);
      const tokens = texts.map((t) => fieldTokens(t, s.tokens, 'plain'));
      fitsSource(tokens, vocab, s.tokens, src, targetOnly);
      const rows = tokens.map((t) => encodeTokens(vocab, t, 'predict'));
      noTokens(rows, s.tokens === 'chars' ? 'characters' : 'words');
      rows.forEach((r, b) => x.data.set(padFront(r, src, pad), b * src));
      const mask = frontMask(rows.map((r) => r.length), rows.map((_, i) => i), src);
      return { tensors: { x }, mask, masks: { src: mask }, dims: { batch: texts.length, src, tgt }, tokens: texts.length };
    },
    save: () => undefined,
  };
}
