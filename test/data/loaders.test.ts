import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bucketFor, DataError, loadDataset, restoreDataset, type Batch, type Dataset } from '../../engine/data';
import { kerasWords } from '../../language/data';
import { dataSource, EXAMPLES, tempDir, writeTemp } from './helpers';

const dir = tempDir();
const tiny = join(EXAMPLES, 'tiny.txt');
const load = (source: string, path: string | undefined, args: Record<string, unknown> = {}, seed = 1) =>
  loadDataset(dataSource(source, path, args), { seed, baseDir: EXAMPLES });
const ids = (b: Batch, name: string) => Array.from(b.tensors[name].data);
const row = (b: Batch, name: string, i: number) => {
  const t = b.tensors[name];
  const w = t.data.length / t.dims[0];
  return Array.from(t.data.subarray(i * w, (i + 1) * w));
};

test('text chars: [batch, seq_len] windows of the text, y is x shifted by one, validation from the end', async () => {
  const text = readFileSync(tiny, 'utf8');
  const d = await load('text', tiny, { seq_len: 20, batch: 4, valid: 0.1 });
  assert.equal(d.dims.vocab, new Set(text).size);
  const nTrain = Math.floor(text.length * 0.9);
  assert.equal(d.trainSize, Math.floor(Math.floor((nTrain - 1) / 20) / 4));
  const batches = [...d.trainBatches(0)];
  assert.equal(batches.length, d.trainSize);
  for (const b of batches) {
    assert.deepEqual(b.tensors.x.dims, [4, 20]);
    assert.deepEqual(b.dims, { batch: 4, time: 20 });
    assert.equal(b.tensors.x.dtype, 'int32');
    for (let i = 0; i < 4; i++) {
      const x = d.decode(row(b, 'x', i)), y = d.decode(row(b, 'y', i));
      const at = text.indexOf(x + y.slice(-1));
      assert.ok(at >= 0 && at + 21 <= nTrain, 'a window of the training part');
      assert.equal(x.slice(1), y.slice(0, -1));
    }
  }
  const valid = [...d.validBatches()];
  assert.ok(valid.length > 0);
  for (const b of valid) assert.ok(text.lastIndexOf(d.decode(row(b, 'x', 0))) >= nTrain);
});

test('buckets: a sentence goes to the smallest bucket that holds it; longer ones are cut to the largest', () => {
  assert.equal(bucketFor(1, [10, 20, 40]), 10);
  assert.equal(bucketFor(10, [10, 20, 40]), 10);
  assert.equal(bucketFor(11, [10, 20, 40]), 20);
  assert.equal(bucketFor(41, [10, 20, 40]), 40);
});

test('text words with buckets: padded with <pad>, masked where a target exists, one bucket size a batch', async () => {
  const lines = readFileSync(tiny, 'utf8').trim().split('\n');
  const d = await load('text', tiny, { tokens: 'words', buckets: [8, 12, 16], batch: 1, valid: 0.1 });
  const pad = d.vocab!.pad!;
  assert.equal(pad, 0);
  assert.equal(d.dims.time, 16);
  const seen: string[] = [];
  for (const b of d.trainBatches(0)) {
    const T = b.dims.time;
    assert.ok([8, 12, 16].includes(T));
    assert.deepEqual(b.mask?.dims, [1, T]);
    const x: number[] = ids(b, 'x'), y = ids(b, 'y'), m = Array.from(b.mask!.data);
    const len: number = x.indexOf(pad) < 0 ? T : x.indexOf(pad);
    // The smallest bucket that fits (or the largest, cut).
    assert.equal(T, bucketFor(len, [8, 12, 16]));
    assert.deepEqual(m, x.map((_, t) => (t < len - 1 ? 1 : 0)));
    assert.equal(b.tokens, len - 1);
    for (let t = 0; t < len - 1; t++) assert.equal(y[t], x[t + 1]);
    assert.ok(x.slice(len).every((v) => v === pad));
    seen.push(d.decode(x));
  }
  const nTrain = lines.length - Math.floor(lines.length * 0.1);
  const expected = lines.slice(0, nTrain).map((l) => [...l.split(/\s+/), '<eos>'].slice(0, 16).join(' '));
  assert.deepEqual(seen.sort(), expected.sort());
});

test('classify: x is max_len ids padded and cut at the front (masked), y the label index in sorted order', async () => {
  const p = writeTemp(dir, 'cls.csv', 'text,label\n"one two three",b\nfour,a\n"Two, four!",c\n');
  const d = await load('classify', p, { max_len: 2, batch: 3, valid: 0 });
  assert.deepEqual(d.labels, ['a', 'b', 'c']);
  assert.deepEqual(d.dims, { vocab: 6, classes: 3, batch: 3, time: 2 });
  const [b] = [...d.trainBatches(0)];
  assert.deepEqual(b.tensors.x.dims, [3, 2]);
  assert.deepEqual(b.tensors.y.dims, [3]);
  const got = new Map<number, string>();
  const masks = new Map<number, number[]>();
  for (let i = 0; i < 3; i++) {
    got.set(ids(b, 'y')[i], d.decode(row(b, 'x', i)));
    masks.set(ids(b, 'y')[i], Array.from(b.mask!.data.subarray(i * 2, i * 2 + 2)));
  }
  assert.deepEqual(Object.fromEntries(got), { 0: 'four', 1: 'two three', 2: 'two four' });
  // The mask marks the real tokens, which padding at the front puts last.
  assert.deepEqual(Object.fromEntries(masks), { 0: [0, 1], 1: [1, 1], 2: [1, 1] });
  assert.deepEqual(d.encode('Four'), [d.vocab!.pad, d.vocab!.index.get('four')]);
  assert.deepEqual(d.encode('zebra four'), [d.vocab!.unk, d.vocab!.index.get('four')]);
  const pb = d.predictBatch!(['four', 'one two']);
  assert.deepEqual(pb.tensors.x.dims, [2, 2]);
  assert.deepEqual(Array.from(pb.mask!.data), [0, 1, 1, 1]);
  // An input with no words would be answered from padding alone: refused, naming which input.
  assert.throws(() => d.predictBatch!(['']), /has no words/);
  assert.throws(() => d.predictBatch!(['four', '!!!']), (e: Error & { file?: string }) => e.file === 'input 2');
});

test('classify on the shipped reviews: both labels in training and validation, words as Keras splits them', async () => {
  const d = await load('classify', join(EXAMPLES, 'reviews.csv'), { max_len: 40, batch: 20 });
  assert.deepEqual(d.labels, ['neg', 'pos']);
  assert.equal(d.trainSize, Math.floor(360 / 20));
  const ys = [...d.validBatches()].flatMap((b) => ids(b, 'y'));
  assert.equal(ys.length, 40);
  assert.ok(ys.includes(0) && ys.includes(1));
  const first = readFileSync(join(EXAMPLES, 'reviews.csv'), 'utf8').split('\n')[1];
  const text = first.slice(1, first.lastIndexOf('"'));
  assert.equal(d.decode(d.encode(text)), kerasWords(text).join(' '));
});

test('pairs with target_tokens = words: letters in, whole phonemes out, one shared vocabulary; decode joins with spaces', async () => {
  const p = writeTemp(dir, 'g2p.csv', 'spelling,pronunciation\ncat,K AE T\nat,AE T\n');
  const d = await load('pairs', p, { source: 'spelling', target: 'pronunciation', tokens: 'chars', target_tokens: 'words', batch: 2, valid: 0 });
  const v = d.vocab!;
  for (const t of ['c', 'a', 't', 'K', 'AE', 'T']) assert.ok(v.index.has(t), `${t} is in the vocabulary`);
  assert.ok(!v.index.has('K AE T') && !v.index.has(' '), 'the target splits at spaces, the source into letters');
  assert.deepEqual(d.dims, { vocab: 4 + 6, batch: 2, src: 3, tgt: 4 });
  const [b] = [...d.trainBatches(0)];
  const id = (c: string) => v.index.get(c)!;
  const i = d.decode(row(b, 'x', 0)).replace(/ /g, '') === 'cat' ? 0 : 1;
  assert.deepEqual(row(b, 'y', i), [id('K'), id('AE'), id('T'), v.eos]);
  assert.equal(d.decode(row(b, 'y', i)), 'K AE T', 'a decoded target is its words');
  assert.deepEqual(Array.from(d.predictBatch!(['cat']).tensors.x.data), [id('c'), id('a'), id('t')], 'predict reads letters');
  assert.equal(d.inputTokens, 'chars');
  // Uppercase letters are not the source's: T is a phoneme of the shared vocabulary, so "CAT" would be read
  // as one. Refused, also by a run's restored data (predict after training).
  const refused = /input: "C", "A" are not among the characters of the training data; "T" appears only in the targets of the training data, never in a source/;
  assert.throws(() => d.predictBatch!(['CAT']), refused);
  const restored = restoreDataset(JSON.parse(JSON.stringify(d.save!())), dataSource('pairs', p, { source: 'spelling', target: 'pronunciation', tokens: 'chars', target_tokens: 'words' }));
  assert.throws(() => restored.predictBatch!(['CAT']), refused);
  assert.deepEqual(Array.from(restored.predictBatch!(['cat']).tensors.x.data), [id('c'), id('a'), id('t')]);
  assert.throws(() => d.predictBatch!(['c4t']), /input: "4" is not among the characters of the training data/);
  assert.throws(() => d.predictBatch!(['cats']), /input: has 4 characters; the model reads at most 3/);
});

test('pairs: x padded at the front to src (mask over src); y is target + </s>, y_in is <s> + target (masks.tgt)', async () => {
  const p = writeTemp(dir, 'pairs.csv', 'source,target\nab,xyz\nb,x\n');
  const d = await load('pairs', p, { batch: 2, valid: 0 });
  const v = d.vocab!;
  assert.deepEqual([v.pad, v.unk, v.bos, v.eos], [0, 1, 2, 3]);
  assert.deepEqual(d.dims, { vocab: 9, batch: 2, src: 2, tgt: 4 });
  const [b] = [...d.trainBatches(0)];
  assert.deepEqual(b.dims, { batch: 2, src: 2, tgt: 4 });
  const id = (c: string) => v.index.get(c)!;
  for (let i = 0; i < 2; i++) {
    const x = row(b, 'x', i), y = row(b, 'y', i), yIn = row(b, 'y_in', i), m = Array.from(b.masks!.tgt.data.subarray(i * 4, i * 4 + 4));
    const xm = Array.from(b.mask!.data.subarray(i * 2, i * 2 + 2));
    assert.equal(b.masks!.src, b.mask);
    if (d.decode(x) === 'ab') {
      assert.deepEqual(xm, [1, 1]);
      assert.deepEqual(x, [id('a'), id('b')]);
      assert.deepEqual(y, [id('x'), id('y'), id('z'), v.eos]);
      assert.deepEqual(yIn, [v.bos, id('x'), id('y'), id('z')]);
      assert.deepEqual(m, [1, 1, 1, 1]);
    } else {
      assert.deepEqual(xm, [0, 1]);
      assert.deepEqual(x, [v.pad, id('b')]);
      assert.deepEqual(y, [id('x'), v.eos, v.pad, v.pad]);
      assert.deepEqual(yIn, [v.bos, id('x'), v.pad, v.pad]);
      assert.deepEqual(m, [1, 1, 0, 0]);
    }
  }
  assert.equal(b.tokens, 6);
  assert.equal(d.decode([id('x'), id('y'), v.eos!, id('z')]), 'xy');
});

test('series: x is a window of rows, y the same window `horizon` rows later; validation windows come last', async () => {
  const p = writeTemp(dir, 's.csv', 'day,v,w\n' + Array.from({ length: 30 }, (_, i) => `d${i},${i},${100 + i}`).join('\n') + '\n');
  const d = await load('series', p, { window: 5, horizon: 2, batch: 4, valid: 0.2 });
  assert.deepEqual(d.dims, { features: 2, batch: 4, time: 5 });
  assert.deepEqual(d.columns, ['v', 'w']);
  for (const b of d.trainBatches(3)) {
    assert.deepEqual(b.tensors.x.dims, [4, 5, 2]);
    for (let i = 0; i < 4; i++) {
      const x = row(b, 'x', i), y = row(b, 'y', i);
      for (let t = 0; t < 5; t++) {
        assert.equal(y[t * 2], x[t * 2] + 2);
        assert.equal(x[t * 2 + 1], x[t * 2] + 100);
      }
    }
  }
  // 24 windows (starts 0..23): 20 for training, the last 4 (starts 20..23) validate.
  const starts = [...d.validBatches()].flatMap((b) => [0, 1, 2, 3].map((i) => row(b, 'x', i)[0]));
  assert.deepEqual(starts, [20, 21, 22, 23]);
});

test('arithmetic: every sample is correct arithmetic, right-aligned, one operator, numbers in 1..largest', async () => {
  const d = await load('arithmetic', undefined, {});
  assert.deepEqual(d.dims, { vocab: 13, src: 8, tgt: 4, batch: 32 });
  assert.deepEqual(d.vocab!.tokens, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '*', ' ']);
  assert.equal(d.trainSize, 312);
  let n = 0, plus = 0;
  const check = (b: Batch) => {
    for (let i = 0; i < b.dims.batch; i++) {
      const xs = row(b, 'x', i).map((k) => d.vocab!.tokens[k]).join('');
      const ys = row(b, 'y', i).map((k) => d.vocab!.tokens[k]).join('');
      assert.equal(xs.length, 8);
      assert.equal(ys.length, 4);
      assert.match(xs, /^ *\d+([+*])\d+\1\d+$/);
      assert.match(ys, /^ *\d+$/);
      const expr = xs.trim();
      const op = expr.includes('+') ? '+' : '*';
      const nums = expr.split(op).map(Number);
      assert.ok(nums.every((v) => v >= 1 && v <= 10));
      assert.equal(Number(ys), op === '+' ? nums[0] + nums[1] + nums[2] : nums[0] * nums[1] * nums[2]);
      if (op === '+') plus++;
      n++;
    }
  };
  for (const b of d.trainBatches(0)) check(b);
  for (const b of d.validBatches()) check(b);
  assert.equal(n, 312 * 32 + 992); // 992: the validation set in whole batches
  assert.ok(plus > n * 0.4 && plus < n * 0.6, `${plus} of ${n} use +`);
  assert.equal(d.decode(d.encode('3*10*5')), '3*10*5');
  assert.equal(d.encode('3*10*5').length, 8);
  assert.throws(() => d.encode('1+2+3+4+5'), DataError);
});

test('sine: y is the next value of x on one sine wave per sample', async () => {
  const d = await load('sine', undefined, { seq_len: 20, samples: 50, batch: 5 });
  for (const b of d.trainBatches(0)) {
    assert.deepEqual(b.tensors.x.dims, [5, 20, 1]);
    for (let i = 0; i < 5; i++) {
      const x = row(b, 'x', i), y = row(b, 'y', i);
      for (let t = 0; t < 19; t++) assert.equal(y[t], x[t + 1]);
      assert.ok(x.every((v) => Math.abs(v) <= 1));
    }
  }
});

test('adding: two markers (first tenth, rest of the first half); y is the sum of the marked values', async () => {
  const d = await load('adding', undefined, { samples: 300, batch: 100 });
  assert.equal(d.trainSize, 3);
  for (const b of d.trainBatches(0)) {
    assert.deepEqual(b.tensors.x.dims, [100, 55, 2]);
    assert.deepEqual(b.tensors.y.dims, [100]);
    for (let i = 0; i < 100; i++) {
      const x = row(b, 'x', i);
      const marked = [...Array(55).keys()].filter((t) => x[t * 2 + 1] === 1);
      assert.equal(marked.length, 2);
      assert.ok(marked[0] < 5 && marked[1] >= 5 && marked[1] < 27);
      assert.ok(Math.abs(ids(b, 'y')[i] - (x[marked[0] * 2] + x[marked[1] * 2])) < 1e-6);
    }
  }
});

const fingerprint = (d: Dataset, epoch: number) => [...d.trainBatches(epoch)].slice(0, 3).map((b) => ids(b, 'x').slice(0, 50).join(',')).join('|');

test('the same seed repeats the data and every epoch order; another epoch or seed changes them', async () => {
  for (const [source, path, args] of [['text', tiny, { seq_len: 10, batch: 4 }], ['arithmetic', undefined, { samples: 500 }], ['classify', join(EXAMPLES, 'reviews.csv'), { max_len: 20 }]] as const) {
    const a = await load(source, path, args, 7), b = await load(source, path, args, 7), c = await load(source, path, args, 8);
    assert.equal(fingerprint(a, 0), fingerprint(b, 0), source);
    assert.equal(fingerprint(a, 1), fingerprint(b, 1), source);
    assert.notEqual(fingerprint(a, 0), fingerprint(a, 1), source);
    assert.notEqual(fingerprint(a, 0), fingerprint(c, 0), source);
  }
});

test('save and restore keep the vocabulary, labels and sizes without rereading the file', async () => {
  const d = await load('classify', join(EXAMPLES, 'reviews.csv'), { max_len: 30 });
  const saved = JSON.parse(JSON.stringify(d.save()));
  const r = restoreDataset(saved, dataSource('classify', join(dir, 'gone.csv'), { max_len: 30 }));
  assert.deepEqual(r.vocab!.tokens, d.vocab!.tokens);
  assert.deepEqual(r.labels, d.labels);
  assert.deepEqual(r.dims, d.dims);
  assert.deepEqual(r.encode('a great movie'), d.encode('a great movie'));
  assert.equal(r.trainSize, 0);
  const a = await load('arithmetic', undefined, {}, 3);
  const ra = restoreDataset(JSON.parse(JSON.stringify(a.save())), dataSource('arithmetic', undefined));
  assert.equal(fingerprint(ra, 0), fingerprint(a, 0));
  assert.throws(() => restoreDataset({}, dataSource('text', tiny)), /train the experiment again/);
});

test('loader errors name the file and the line', async () => {
  await assert.rejects(load('text', join(dir, 'missing.txt')), (e: unknown) => e instanceof DataError && e.code === 'missing-file' && /missing\.txt: the file does not exist/.test(e.message));
  const p = writeTemp(dir, 'broken.csv', 'text,label\nok,a\n"fine",b\nnot,ok,at all\n');
  await assert.rejects(load('classify', p), (e: unknown) => e instanceof DataError && e.line === 4 && e.message.startsWith(`${p}:4: expected 2 columns`));
  await assert.rejects(load('text', tiny, { seq_len: 100000 }), /do not fill one window of seq_len = 100000/);
});

test('a vocabulary too large for memory is refused before any batch is built', async () => {
  const p = writeTemp(dir, 'vocab.txt', Array.from({ length: 500 }, (_, i) => `word${i}`).join(' ') + '\n');
  await assert.rejects(
    loadDataset(dataSource('text', p, { tokens: 'words' }), { seed: 1, baseDir: dir, maxVocab: 200 }),
    (e: unknown) => e instanceof DataError && e.code === 'bad-argument' && /501 distinct words is more than the 200/.test(e.message) && /vocab_size/.test(e.message),
  );
  const capped = await loadDataset(dataSource('text', p, { tokens: 'words', vocab_size: 100, seq_len: 10, batch: 2 }), { seed: 1, baseDir: dir, maxVocab: 200 });
  assert.equal(capped.dims.vocab, 100);
});

test('text shuffle = false: batch j holds window j of B rows of contiguous text, so each row continues the previous batch', async () => {
  const text = readFileSync(tiny, 'utf8');
  const d = await load('text', tiny, { seq_len: 10, batch: 4, valid: 0.1, shuffle: false });
  const nTrain = Math.floor(text.length * 0.9);
  const perRow = Math.floor((nTrain - 1) / 40); // PyTorch's batchify: (n - 1) // (B * T) windows a row
  assert.equal(d.trainSize, perRow);
  const batches = [...d.trainBatches(1)];
  assert.deepEqual([...d.trainBatches(2)].map((b) => ids(b, 'x').join()), batches.map((b) => ids(b, 'x').join()), 'the same order every epoch');
  for (let r = 0; r < 4; r++) {
    const joined = batches.map((b) => d.decode(row(b, 'x', r))).join('');
    assert.equal(joined, text.slice(r * perRow * 10, (r + 1) * perRow * 10), `row ${r} is one contiguous stretch of the text`);
  }
  const shuffled = await load('text', tiny, { seq_len: 10, batch: 4, valid: 0.1 });
  assert.notDeepEqual([...shuffled.trainBatches(1)].map((b) => ids(b, 'x').join()), batches.map((b) => ids(b, 'x').join()), 'the default shuffles the batches');
});

test('sine contiguous = true: sample k is sin over t in [k*pi, (k+1)*pi] (seq_len + 1 points), in order, validation after', async () => {
  const d = await load('sine', undefined, { seq_len: 20, samples: 75, batch: 1, contiguous: true });
  const bs = [...d.trainBatches(1)];
  assert.equal(bs.length, 75);
  for (const k of [0, 1, 74]) {
    const x = ids(bs[k], 'x'), y = ids(bs[k], 'y');
    for (let i = 0; i < 20; i++) {
      assert.ok(Math.abs(x[i] - Math.sin(k * Math.PI + (i * Math.PI) / 20)) < 1e-6, `x of step ${k}`);
      assert.ok(Math.abs(y[i] - Math.sin(k * Math.PI + ((i + 1) * Math.PI) / 20)) < 1e-6, `y of step ${k}`);
    }
  }
  const v = [...d.validBatches()][0];
  assert.ok(Math.abs(ids(v, 'x')[1] - Math.sin(75 * Math.PI + Math.PI / 20)) < 1e-6, 'validation continues the wave');
  await assert.rejects(load('sine', undefined, { contiguous: 1 }), /`contiguous` must be true or false/);
});
