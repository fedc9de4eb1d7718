// `text`: a language-model corpus. Without buckets the file is one token stream cut into non-overlapping
// seq_len windows (y = x shifted by one token), batched as B rows of contiguous text (PyTorch's batchify),
// the last `valid` fraction of the stream held out. With
// buckets each line is a sentence, put in the smallest bucket that holds it (longer ones cut to the largest)
// and padded with <pad>, as MXNet's BucketSentenceIter: x is the sentence, y the sentence shifted by one,
// and the mask marks the steps that have a target. A batch holds one bucket size.
import { charTokens, DataError, joinTokens, shuffleInPlace, tokenId, wordTokens, type TextSettings, type TokenKind, type Vocab } from '../../language/data';
import { epochRng, floatTensor, intTensor, range, validChunks } from './batches';
import type { Batch, Dataset, LengthGrouping } from './types';

export function encodeTokens(vocab: Vocab, tokens: string[], what: string): number[] {
  return tokens.map((t) => {
    const id = tokenId(vocab, t);
    if (id === undefined) {
      throw new DataError(what, `${JSON.stringify(t)} is not in the vocabulary (${vocab.tokens.length} ${vocab.kind === 'chars' ? 'characters' : 'words'} counted from the data)`, {
        code: 'bad-argument', fix: 'use only characters that occur in the training text',
      });
    }
    return id;
  });
}

/** `kind`: how the tokens join (a pairs target may split otherwise than the vocabulary's kind says). */
export function decodeTokens(vocab: Vocab, ids: number[], stopAtEos = false, kind: TokenKind = vocab.kind): string {
  const out: string[] = [];
  for (const id of ids) {
    if (stopAtEos && id === vocab.eos) break;
    if (id === vocab.pad || id === vocab.bos || (stopAtEos && id === vocab.eos)) continue;
    out.push(vocab.tokens[id] ?? '');
  }
  return joinTokens(out, kind);
}

/** `input`: the ids of each line of the file (from the scanner), undefined for a restored data set. */
export function textDataset(s: TextSettings, vocab: Vocab, input: Int32Array[] | undefined, seed: number, file: string): Dataset {
  const common = {
    vocab,
    encode: (text: string) => encodeTokens(vocab, vocab.kind === 'chars' ? charTokens(text) : wordTokens(text), 'sample prime'),
    decode: (ids: number[]) => decodeTokens(vocab, ids),
  };
  return s.buckets ? bucketed(s, s.buckets, vocab, input, seed, file, common) : stream(s, vocab, input, seed, file, common);
}

type Common = Pick<Dataset, 'vocab' | 'encode' | 'decode'>;

function stream(s: TextSettings, vocab: Vocab, input: Int32Array[] | undefined, seed: number, file: string, common: Common): Dataset {
  const T = s.seqLen;
  let ids = new Int32Array(0);
  if (input) {
    ids = new Int32Array(input.reduce((n, q) => n + q.length, 0));
    let at = 0;
    for (const q of input) { ids.set(q, at); at += q.length; }
  }
  const nTrain = Math.floor(ids.length * (1 - s.valid));
  const trainWindows = Math.max(0, Math.floor((nTrain - 1) / T));
  const validStart = nTrain;
  const validWindows = Math.max(0, Math.floor((ids.length - validStart - 1) / T));
  if (input && trainWindows === 0) {
    throw new DataError(file, `${nTrain} training tokens do not fill one window of seq_len = ${T} (+1 for the target)`, { code: 'bad-argument', fix: `lower seq_len or use a longer text` });
  }
  // PyTorch's batchify (and design/bench/torch_quality.py): the training text is cut into B rows of
  // contiguous text and batch j holds window j of every row, so with shuffle = false row b of batch j+1
  // continues row b of batch j (what carrying the state across batches needs). Too little text for B rows
  // of one window: one smaller batch of every window.
  const perRow = Math.floor(trainWindows / s.batch);
  const rows = perRow > 0 ? s.batch : trainWindows;
  const rowLen = (perRow > 0 ? perRow : 1) * T;
  const nBatches = perRow > 0 ? perRow : trainWindows > 0 ? 1 : 0;
  const make = (starts: number[]): Batch => {
    const B = starts.length;
    const x = intTensor([B, T]), y = intTensor([B, T]);
    starts.forEach((st, b) => {
      x.data.set(ids.subarray(st, st + T), b * T);
      y.data.set(ids.subarray(st + 1, st + T + 1), b * T);
    });
    return { tensors: { x, y }, dims: { batch: B, time: T }, tokens: B * T };
  };
  const trainStarts = (j: number) => range(0, rows).map((b) => b * rowLen + j * T);
  const order = (epoch: number) => {
    const js = range(0, nBatches);
    if (s.shuffle) shuffleInPlace(js, epochRng(seed, epoch));
    return js;
  };
  const validIdx = validChunks(range(0, validWindows).map((i) => validStart + i * T), s.batch);
  return {
    ...common,
    dims: { vocab: vocab.tokens.length, batch: s.batch, time: T },
    trainSize: input ? nBatches : 0,
    validSize: validIdx.length,
    *trainBatches(epoch: number) { if (input) for (const j of order(epoch)) yield make(trainStarts(j)); },
    *validBatches() { for (const b of validIdx) yield make(b); },
    // Batch j's windows as rows j*B.. of one table: the blocks are what an epoch shuffles.
    exportRows: () => {
      const train = range(0, nBatches).flatMap(trainStarts), valid = validIdx.flat();
      return { plan: 'blocks', shuffle: s.shuffle, batch: rows, validBatch: s.batch, train: make(train), valid: make(valid), trainTokens: train.map(() => T), validTokens: valid.map(() => T) };
    },
    save: () => undefined,
  };
}

/** The bucket a sentence of `len` tokens goes to: the smallest that holds it, else the largest. */
export function bucketFor(len: number, buckets: number[]): number {
  for (const b of buckets) if (len <= b) return b;
  return buckets[buckets.length - 1];
}

function bucketed(s: TextSettings, buckets: number[], vocab: Vocab, input: Int32Array[] | undefined, seed: number, file: string, common: Common): Dataset {
  const maxB = buckets[buckets.length - 1];
  const sents: Int32Array[] = [];
  for (const q of input ?? []) {
    if (q.length < 2) continue; // nothing to predict
    sents.push(q.length > maxB ? q.subarray(0, maxB) : q);
  }
  const nValid = Math.floor(sents.length * s.valid);
  const nTrain = sents.length - nValid;
  if (input && nTrain === 0) throw new DataError(file, 'no line has two tokens to train on', { fix: 'one sentence a line' });
  const byBucket = (from: number, to: number) => {
    const m = new Map<number, number[]>(buckets.map((b) => [b, []]));
    for (let i = from; i < to; i++) m.get(bucketFor(sents[i].length, buckets))!.push(i);
    return m;
  };
  const trainGroups = byBucket(0, nTrain);
  const validGroups = byBucket(nTrain, sents.length);
  const make = (idx: number[], T: number): Batch => {
    const B = idx.length;
    const x = intTensor([B, T]), y = intTensor([B, T]), mask = floatTensor([B, T]);
    const pad = vocab.pad ?? 0;
    x.data.fill(pad);
    y.data.fill(pad);
    let tokens = 0;
    idx.forEach((si, b) => {
      const sent = sents[si];
      x.data.set(sent, b * T);
      y.data.set(sent.subarray(1), b * T);
      for (let t = 0; t < sent.length - 1; t++) mask.data[b * T + t] = 1;
      tokens += sent.length - 1;
    });
    return { tensors: { x, y }, mask, masks: { time: mask }, dims: { batch: B, time: T }, tokens };
  };
  // Training: full batches of each bucket; validation (all = true): every sentence, a bucket's rest as one
  // smaller batch.
  const plan = (groups: Map<number, number[]>, rng?: () => number, all = false) => {
    const out: { idx: number[]; T: number }[] = [];
    for (const [T, members] of groups) {
      const m = members.slice();
      if (rng) shuffleInPlace(m, rng);
      for (let i = 0; i < m.length && (all || i + s.batch <= m.length); i += s.batch) out.push({ idx: m.slice(i, i + s.batch), T });
    }
    if (out.length === 0) {
      // Too few sentences for one full batch anywhere: smaller batches, one per bucket, so tiny data runs.
      for (const [T, members] of groups) if (members.length) out.push({ idx: members.slice(), T });
    }
    if (rng) shuffleInPlace(out, rng);
    return out;
  };
  const validPlan = plan(validGroups, undefined, true);
  // The buckets are the user's widths; a model whose weights depend on the width gets every batch at the largest.
  let grouped = true;
  const width = (T: number) => (grouped ? T : maxB);
  const grouping: LengthGrouping = {
    get grouped() { return grouped; },
    widths: { time: buckets }, caps: { time: maxB },
    padToCaps() { grouped = false; },
    padding() {
      let real = 0, steps = 0, full = 0;
      for (const p of plan(trainGroups, epochRng(seed, 1))) {
        for (const i of p.idx) real += Math.min(sents[i].length, maxB) - 1;
        steps += p.idx.length * width(p.T);
        full += p.idx.length * maxB;
      }
      return { grouped: steps ? 1 - real / steps : 0, full: full ? 1 - real / full : 0 };
    },
  };
  return {
    ...common,
    dims: { vocab: vocab.tokens.length, batch: s.batch, time: maxB },
    trainSize: input ? plan(trainGroups).length : 0,
    validSize: validPlan.length,
    grouping,
    *trainBatches(epoch: number) { if (input) for (const p of plan(trainGroups, epochRng(seed, epoch))) yield make(p.idx, width(p.T)); },
    *validBatches() { for (const p of validPlan) yield make(p.idx, width(p.T)); },
    // Every sentence padded to the longest bucket, with its own bucket: data.py cuts each batch to its bucket.
    exportRows: () => {
      const train = range(0, nTrain), valid = range(nTrain, sents.length);
      const bucket = (i: number) => bucketFor(sents[i].length, buckets);
      const tokens = (i: number) => sents[i].length - 1;
      return {
        plan: 'buckets', batch: s.batch, train: make(train, maxB), valid: make(valid, maxB), trainTokens: train.map(tokens), validTokens: valid.map(tokens),
        buckets: { sizes: buckets, train: train.map(bucket), valid: valid.map(bucket) },
      };
    },
    save: () => undefined,
  };
}
