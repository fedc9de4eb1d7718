// Generated data sets, deterministic under the seed: training samples from deriveSeed(seed, TRAIN),
// validation samples (fresh ones, never seen in training) from deriveSeed(seed, VALID).
import {
  DataError, deriveSeed, makeVocab, mulberry32, randInt, STREAM_TRAIN_GEN, STREAM_VALID_GEN, validSamples,
  type AddingSettings, type ArithmeticSettings, type SineSettings,
} from '../../language/data';
import { chunk, floatTensor, intTensor, range, shuffledBatches, validChunks } from './batches';
import { numericPredictBatch } from './numeric';
import type { Batch, Dataset, ExportRows, HostTensor } from './types';

/** A data set of `n` stored samples per split, each sample one row of every tensor. */
interface SampleSet { n: number; tensors: Record<string, HostTensor> }

function rowsOf(set: SampleSet, idx: number[], dims: Record<string, number>, tokensPer: number): Batch {
  const out: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(set.tensors)) {
    const per = t.data.length / set.n;
    const d = t.dtype === 'int32' ? intTensor([idx.length, ...t.dims.slice(1)]) : floatTensor([idx.length, ...t.dims.slice(1)]);
    idx.forEach((i, b) => d.data.set(t.data.subarray(i * per, (i + 1) * per), b * per));
    out[name] = d;
  }
  return { tensors: out, dims: { ...dims, batch: idx.length }, tokens: idx.length * tokensPer };
}

function genericDataset(train: SampleSet, valid: SampleSet, batch: number, seed: number, dims: Record<string, number>, batchDims: Record<string, number>, tokensPer: number): Omit<Dataset, 'encode' | 'decode' | 'save'> {
  const validIdx = validChunks(range(0, valid.n), batch);
  return {
    dims,
    trainSize: chunk(range(0, train.n), batch).length,
    validSize: validIdx.length,
    *trainBatches(epoch: number) { for (const b of shuffledBatches(train.n, batch, seed, epoch)) yield rowsOf(train, b, batchDims, tokensPer); },
    *validBatches() { for (const b of validIdx) yield rowsOf(valid, b, batchDims, tokensPer); },
    exportRows: () => sampleRows('shuffled', train, valid, batch, batchDims, tokensPer),
  };
}

function sampleRows(plan: ExportRows['plan'], train: SampleSet, valid: SampleSet, batch: number, dims: Record<string, number>, tokensPer: number): ExportRows {
  return {
    plan, batch, train: rowsOf(train, range(0, train.n), dims, tokensPer), valid: rowsOf(valid, range(0, valid.n), dims, tokensPer),
    trainTokens: new Array(train.n).fill(tokensPer), validTokens: new Array(valid.n).fill(tokensPer),
  };
}

// ---- arithmetic --------------------------------------------------------------------------------------

/** One expression: `numbers` numbers in 1..largest joined by one operator chosen per sample. */
export function arithmeticSample(a: ArithmeticSettings, rng: () => number): { expr: string; result: string } {
  const nums: number[] = [];
  for (let i = 0; i < a.numbers; i++) nums.push(randInt(rng, 1, a.largest));
  const op = a.ops[Math.floor(rng() * a.ops.length)];
  const value = op === '+' ? nums.reduce((p, q) => p + q, 0) : nums.reduce((p, q) => p * q, 1);
  return { expr: nums.join(op), result: String(value) };
}

function arithmeticSet(a: ArithmeticSettings, n: number, rng: () => number): SampleSet {
  const x = intTensor([n, a.src]), y = intTensor([n, a.tgt]);
  const id = new Map(a.chars.map((c, i) => [c, i]));
  for (let i = 0; i < n; i++) {
    const { expr, result } = arithmeticSample(a, rng);
    const xs = expr.padStart(a.src), ys = result.padStart(a.tgt);
    for (let t = 0; t < a.src; t++) x.data[i * a.src + t] = id.get(xs[t])!;
    for (let t = 0; t < a.tgt; t++) y.data[i * a.tgt + t] = id.get(ys[t])!;
  }
  return { n, tensors: { x, y } };
}

export function arithmeticDataset(a: ArithmeticSettings, seed: number): Dataset {
  const vocab = makeVocab(a.chars, 'chars');
  const train = arithmeticSet(a, a.samples, mulberry32(deriveSeed(seed, STREAM_TRAIN_GEN)));
  const valid = arithmeticSet(a, validSamples(a.samples, a.batch), mulberry32(deriveSeed(seed, STREAM_VALID_GEN)));
  const encode = (text: string): number[] => {
    const s = text.replace(/\s+/g, '');
    if (s.length > a.src) throw new DataError('predict', `"${s}" has ${s.length} characters; the model reads ${a.src}`, { code: 'bad-argument', fix: `write at most ${a.src} characters, e.g. "3*10*5"` });
    return [...s.padStart(a.src)].map((c) => {
      const i = vocab.index.get(c);
      if (i === undefined) throw new DataError('predict', `"${c}" is not one of the characters ${a.chars.join('')}`, { code: 'bad-argument', fix: 'write digits and the operators' });
      return i;
    });
  };
  return {
    ...genericDataset(train, valid, a.batch, seed, { vocab: a.chars.length, src: a.src, tgt: a.tgt, batch: a.batch }, { src: a.src, tgt: a.tgt }, a.tgt),
    vocab, targetVocab: vocab,
    encode,
    decode: (ids) => ids.map((i) => a.chars[i] ?? '').join('').trim(),
    predictBatch(texts) {
      const x = intTensor([texts.length, a.src]);
      texts.forEach((t, b) => x.data.set(encode(t), b * a.src));
      return { tensors: { x }, dims: { batch: texts.length, src: a.src, tgt: a.tgt }, tokens: texts.length };
    },
    save: () => undefined,
  };
}

// ---- sine ---------------------------------------------------------------------------------------------

/** Each sample: a unit sine with random phase in [0, 2pi) and a step of pi/seq_len times [0.5, 1.5), so a
 *  window spans about half a period (the Udacity notebook's pi over 20 steps at seq_len 20). */
function sineSet(s: SineSettings, n: number, rng: () => number): SampleSet {
  const T = s.seqLen;
  const x = floatTensor([n, T, 1]), y = floatTensor([n, T, 1]);
  for (let i = 0; i < n; i++) {
    const phase = rng() * 2 * Math.PI;
    const dt = (Math.PI / T) * (0.5 + rng());
    for (let t = 0; t < T; t++) {
      x.data[i * T + t] = Math.sin(phase + t * dt);
      y.data[i * T + t] = Math.sin(phase + (t + 1) * dt);
    }
  }
  return { n, tensors: { x, y } };
}

/** contiguous = true: sample i is one window of seq_len + 1 evenly spaced points over t in
 *  [(first + i) * pi, (first + i + 1) * pi] (x the first seq_len, y the last): consecutive half-periods of one
 *  wave, as the Udacity notebook (design/bench/torch_quality.py) steps through it. */
function contiguousSineSet(s: SineSettings, first: number, n: number): SampleSet {
  const T = s.seqLen;
  const x = floatTensor([n, T, 1]), y = floatTensor([n, T, 1]);
  for (let i = 0; i < n; i++) {
    const t0 = (first + i) * Math.PI;
    const at = (k: number) => Math.sin(t0 + (k * Math.PI) / T);
    for (let t = 0; t < T; t++) {
      x.data[i * T + t] = at(t);
      y.data[i * T + t] = at(t + 1);
    }
  }
  return { n, tensors: { x, y } };
}

const noText = (what: string) => (): never => {
  throw new DataError(what, `${what} data is numeric and has no text form`, { code: 'bad-argument', fix: 'give predict numbers, e.g. "0.0 0.31 0.59"' });
};

export function sineDataset(s: SineSettings, seed: number): Dataset {
  if (s.contiguous) {
    // In wave order every epoch (carrying the state across batches needs it); validation continues the wave.
    const train = contiguousSineSet(s, 0, s.samples);
    const nValid = validSamples(s.samples, s.batch);
    const valid = contiguousSineSet(s, s.samples, nValid);
    const trainIdx = chunk(range(0, train.n), s.batch), validIdx = validChunks(range(0, valid.n), s.batch);
    return {
      dims: { time: s.seqLen, batch: s.batch }, trainSize: trainIdx.length, validSize: validIdx.length,
      *trainBatches() { for (const b of trainIdx) yield rowsOf(train, b, { time: s.seqLen }, s.seqLen); },
      *validBatches() { for (const b of validIdx) yield rowsOf(valid, b, { time: s.seqLen }, s.seqLen); },
      exportRows: () => sampleRows('ordered', train, valid, s.batch, { time: s.seqLen }, s.seqLen),
      encode: noText('sine'), decode: noText('sine'), predictBatch: numericPredictBatch(1), save: () => undefined,
    };
  }
  const train = sineSet(s, s.samples, mulberry32(deriveSeed(seed, STREAM_TRAIN_GEN)));
  const valid = sineSet(s, validSamples(s.samples, s.batch), mulberry32(deriveSeed(seed, STREAM_VALID_GEN)));
  return {
    ...genericDataset(train, valid, s.batch, seed, { time: s.seqLen, batch: s.batch }, { time: s.seqLen }, s.seqLen),
    encode: noText('sine'), decode: noText('sine'), predictBatch: numericPredictBatch(1), save: () => undefined,
  };
}

// ---- adding -------------------------------------------------------------------------------------------

/** Hochreiter's adding problem as in the Lasagne example: values uniform in [0, 1), one marker in the first
 *  tenth, the other in the rest of the first half; the target is the sum of the two marked values. */
function addingSet(s: AddingSettings, n: number, rng: () => number): SampleSet {
  const L = s.length;
  const x = floatTensor([n, L, 2]), y = floatTensor([n]);
  const tenth = Math.max(1, Math.floor(L / 10)), half = Math.max(tenth + 1, Math.floor(L / 2));
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < L; t++) x.data[(i * L + t) * 2] = rng();
    const a = randInt(rng, 0, tenth - 1), b = randInt(rng, tenth, half - 1);
    x.data[(i * L + a) * 2 + 1] = 1;
    x.data[(i * L + b) * 2 + 1] = 1;
    y.data[i] = x.data[(i * L + a) * 2] + x.data[(i * L + b) * 2];
  }
  return { n, tensors: { x, y } };
}

export function addingDataset(s: AddingSettings, seed: number): Dataset {
  const train = addingSet(s, s.samples, mulberry32(deriveSeed(seed, STREAM_TRAIN_GEN)));
  const valid = addingSet(s, validSamples(s.samples, s.batch), mulberry32(deriveSeed(seed, STREAM_VALID_GEN)));
  return {
    ...genericDataset(train, valid, s.batch, seed, { time: s.length, batch: s.batch }, { time: s.length }, 1),
    encode: noText('adding'), decode: noText('adding'), predictBatch: numericPredictBatch(2), save: () => undefined,
  };
}
