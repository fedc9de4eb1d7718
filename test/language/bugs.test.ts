// The bugs RNN users actually hit (design/anchors.md), one test each: the checker must make each one loud,
// at the right place, with a fix that works.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, OPS } from '../../language/index';
import { createFsDataHost } from '../../language/data/index';
import type { Analysis, Shape } from '../../language/index';
import { applyFix, assertClean, check, errors, fixture, none, one, shapeOf, show } from './helpers';

const DIMS = 'dims { batch = 4, time = 10, feat = 6, hidden = 16, classes = 3 }';
const SEQ = '  input seq: float[batch, time, feat]';
const model = (...lines: string[]) => `${DIMS}\nmodel {\n${SEQ}\n${lines.map((l) => '  ' + l).join('\n')}\n}`;

let root = '';
before(() => {
  root = mkdtempSync(join(tmpdir(), 'unroll-bugs-'));
  mkdirSync(join(root, 'data'));
  // One sentence a line, of different lengths: bucketed, padded and masked.
  writeFileSync(join(root, 'data', 'sentences.txt'), 'the cat sat\na dog ran far far away today\nhello\nthe dog sat on the mat\n');
});
after(() => rmSync(root, { recursive: true, force: true }));
function withData(marked: string): { a: Analysis; text: string; ranges: ReturnType<typeof fixture>['ranges']; recheck: (t: string) => Analysis } {
  const { text, ranges } = fixture(marked);
  const file = join(root, 'exp.rnn');
  const host = createFsDataHost({ workspaceRoot: root });
  const recheck = (t: string) => analyze(t, { uri: `file://${file}`, path: file, host });
  return { a: recheck(text), text, ranges, recheck };
}

describe('bugs RNN users hit', () => {
  test('batch and time swapped: a transpose before lstm is a shape-mismatch that names the swap', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n${SEQ}\n  [|t = transpose(seq, [time, batch, feat])|]\n  h, _ = lstm([|t|], hidden)\n}`);
    const a = check(text);
    const d = one(a, 'shape-mismatch');
    assert.deepEqual(d.range, ranges[1]);
    assert.match(d.message, /needs \[batch, time, features\] with batch first; got t: \[time 10, batch 4, feat 6\].*swapped/);
    assert.match(d.fix ?? '', /drop the transpose/);
    assert.ok(d.related?.some((r) => r.range.start.line === ranges[0].start.line), 'points at where t got its shape');
  });

  test('batch and time swapped stays loud when batch and time have the same size', () => {
    const a = check(`dims { batch = 10, time = 10, feat = 6, hidden = 16 }\nmodel {\n${SEQ}\n  t = transpose(seq, [time, batch, feat])\n  h, _ = lstm(t, hidden)\n}`);
    assert.match(one(a, 'shape-mismatch').message, /swapped/);
  });

  test('batch and time swapped in an input declaration is a data-mismatch that says so', () => {
    const d = one(check('data sine { seq_len = 20, samples = 10, batch = 2 }\nmodel {\n  input x: float[time, batch, 1]\n}'), 'data-mismatch');
    assert.match(d.message, /batch and time swapped\?/);
  });

  test('initial state without the layer axis: a plain tensor as an lstm init is a state-mismatch', () => {
    const { text, ranges } = fixture(model('v = last(seq)', 'h0 = dense(v, hidden)', 'dec, _ = lstm(seq, hidden, init = [|h0|])'));
    const d = one(check(text), 'state-mismatch');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /got the tensor h0: \[batch 4, hidden 16\], which has no layer or direction axis and no cell state c/);
    assert.match(d.fix ?? '', /pass the whole state/);
  });

  test('initial state without the layer axis: enc.h into a 2-layer gru is a state-mismatch', () => {
    const d = one(check(model('_, enc = gru(seq, hidden, layers = 2)', 'dec, _ = gru(seq, hidden, layers = 2, init = enc.h)')), 'state-mismatch');
    assert.match(d.message, /2 layer\(s\)/);
    assert.match(d.message, /no layer or direction axis/);
  });

  test('layer count not reflected in the state: a 2-layer encoder into a 1-layer decoder, fixed by layers = 2', () => {
    const text = model('_, enc = lstm(seq, hidden, layers = 2)', 'dec, _ = lstm(seq, hidden, init = enc)');
    const d = one(check(text), 'state-mismatch');
    assert.match(d.message, /enc has 2 layer\(s\) where this lstm has 1/);
    const fixed = applyFix(text, d);
    assert.match(fixed, /dec, _ = lstm\(seq, hidden, init = enc, layers = 2\)/);
    assertClean(check(fixed));
  });

  test('direction count not reflected in the state: a unidirectional state into a bidirectional layer', () => {
    const d = one(check(model('_, enc = gru(seq, hidden)', 'dec, _ = gru(seq, hidden, bidirectional = true, init = enc)')), 'state-mismatch');
    assert.match(d.message, /1 direction where this bidirectional gru has 2/);
  });

  test('bidirectional encoder state into a unidirectional decoder is a state-mismatch, fixed by bidirectional = true', () => {
    const { text, ranges } = fixture(model('_, enc = lstm(seq, hidden, bidirectional = true)', 'dec, _ = lstm(seq, hidden, init = [|enc|])'));
    const d = one(check(text), 'state-mismatch');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /2 directions \(a bidirectional encoder\) where this lstm has 1/);
    const fixed = applyFix(text, d);
    assert.match(fixed, /init = enc, bidirectional = true\)/);
    assertClean(check(fixed));
  });

  test('several state mismatches at once: the combined quick fix sets layers and directions together', () => {
    const text = model('_, enc = lstm(seq, hidden, layers = 2, bidirectional = true)', 'dec, _ = lstm(seq, hidden, init = enc)');
    const d = one(check(text), 'state-mismatch');
    const fixed = applyFix(text, d, /Make layers, directions and size fit/);
    assert.match(fixed, /init = enc, layers = 2, bidirectional = true\)/);
    assertClean(check(fixed));
  });

  test('state size differing from the layer it starts is a state-mismatch with a size fix', () => {
    const text = model('_, enc = gru(seq, feat)', 'dec, _ = gru(seq, hidden, init = enc)');
    const d = one(check(text), 'state-mismatch');
    assert.match(d.message, /size feat 6 where this gru has hidden 16/);
    assertClean(check(applyFix(text, d)));
  });

  test('2H features where H is expected: concat over time of a bidirectional and a unidirectional output', () => {
    const a = check(model('bi, _ = lstm(seq, hidden, bidirectional = true)', 'uni, _ = lstm(seq, hidden)', 'both = concat(bi, uni, over = time)'));
    const d = one(a, 'shape-mismatch');
    assert.ok(d.message.includes('[batch 4, time 10, 2*hidden 32]') && d.message.includes('[batch 4, time 10, hidden 16]'), d.message);
  });

  test('2H features where H is expected: a loss against an H-sized target', () => {
    const a = check(`${model('bi, _ = lstm(seq, hidden, bidirectional = true)', 'target, _ = lstm(seq, hidden)')}\ntrain { loss = mse(bi, target) }`);
    const d = one(a, 'loss-shape');
    assert.ok(d.message.includes('2*hidden 32') && d.message.includes('hidden 16'), d.message);
  });

  test('2H features where H is expected: equal to another dim only by size is a dim-coincidence', () => {
    const a = check(`dims { batch = 4, time = 10, feat = 6, hidden = 16, wide = 32 }\nmodel {\n${SEQ}\n  bi, _ = lstm(seq, hidden, bidirectional = true)\n  w, _ = lstm(seq, wide)\n  both = concat(bi, w, over = time)\n}`);
    const d = one(a, 'dim-coincidence');
    assert.match(d.message, /2\*hidden 32.*wide 32.*equal only by size/);
  });

  test('last step of a padded sequence: bucketed text is masked, last() is mask-aware and checks clean', () => {
    const { a } = withData([
      'dims { embed = 4, hidden = 8 }',
      'data text "data/sentences.txt" { tokens = words, buckets = [4, 8], batch = 2 }',
      'model {',
      '  input x: int[batch, time] < vocab',
      '  input y: int[batch, time] < vocab',
      '  e = embedding(x, vocab, embed)',
      '  h, _ = lstm(e, hidden)',
      '  final = last(h)',
      '  o = dense(final, vocab)',
      '}',
      'train { loss = cross_entropy(o, last(y)) }',
    ].join('\n'));
    assertClean(a, 'a bucketed classifier over the last real word');
    const h = a.values.get('h') as Shape;
    assert.equal(h.masked, true, 'the sequence carries its padding mask');
    assert.equal(shapeOf(a, 'x'), 'int[batch 2, time 4|8] < vocab');
    assert.equal(shapeOf(a, 'final'), 'float[batch 2, hidden 8]');
    assert.match(OPS.last.doc, /mask/);
    assert.equal(a.train?.loss?.operands[1].wrap, 'last');
  });

  test('the last step of something that has no steps: last(state.h) is a shape-mismatch, not a silent drop of the features', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n${SEQ}\n  input y: int[batch] < classes\n  h, st = lstm(seq, hidden)\n  f = last([|st.h|])\n  o = dense(f, classes)\n}\ntrain { loss = cross_entropy(o, y) }`);
    const a = check(text);
    const d = one(a, 'shape-mismatch');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /\[batch, time, features\]; got st\.h: float\[batch 4, hidden 16\]/);
    none(a, 'loss-shape');
  });

  test('a reshape that only works because two sizes are equal: MXNet reshape(-1, batch_size) with hidden == batch', () => {
    const { text, ranges } = fixture(`dims { batch = 32, time = 10, feat = 6, hidden = 32 }\nmodel {\n${SEQ}\n  h, _ = lstm(seq, hidden)\n  flat = reshape(h, [batch * time, [|batch|]])\n}`);
    const a = check(text);
    const d = one(a, 'dim-coincidence');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /puts batch 32 where h: \[batch 32, time 10, hidden 32\] has hidden 32; it only works because batch and hidden are both 32/);
    none(a, 'shape-mismatch');
    const fixed = applyFix(text, d);
    assert.match(fixed, /reshape\(h, \[batch \* time, hidden\]\)/);
    const b = check(fixed);
    assertClean(b);
    assert.equal(shapeOf(b, 'flat'), 'float[batch*time 320, hidden 32]');
  });

  test('a reshape to a dim the tensor lacks but whose size matches is a dim-coincidence', () => {
    const a = check(`dims { batch = 4, time = 10, feat = 6, hidden = 16, other = 16 }\nmodel {\n${SEQ}\n  h, _ = lstm(seq, hidden)\n  flat = reshape(h, [batch * time, other])\n}`);
    assert.match(one(a, 'dim-coincidence').message, /h: \[batch 4, time 10, hidden 16\] has no other; it only works because other and hidden are both 16/);
  });

  test('a loss whose target lacks time (per-step logits, one label per example) suggests last(...) and the fix works', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n${SEQ}\n  input y: int[batch] < classes\n  h, _ = lstm(seq, hidden)\n  logits = dense(h, classes)\n}\ntrain { loss = cross_entropy([|logits|], y) }`);
    const d = one(check(text), 'loss-shape');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /the logits still have time 10/);
    const fixed = applyFix(text, d);
    assert.match(fixed, /cross_entropy\(last\(logits\), y\)/);
    assertClean(check(fixed));
  });

  test('a loss whose target still has time (pooled logits, per-step labels) is a loss-shape at the target', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n${SEQ}\n  input y: int[batch, time] < classes\n  h, _ = lstm(seq, hidden)\n  h2 = last(h)\n  logits = dense(h2, classes)\n}\ntrain { loss = cross_entropy(logits, [|y|]) }`);
    const d = one(check(text), 'loss-shape');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /the target still has time 10/);
  });

  test('a regression loss whose target lacks time (the adding problem) suggests mse(last(out), y), and the fix works', () => {
    const text = 'data adding { length = 20, samples = 200, batch = 10 }\nmodel {\n  input x: float[batch, time, 2]\n  input y: float[batch]\n  h, _ = lstm(x, 8)\n  out = dense(h, 1)\n}\ntrain { loss = mse(out, y) }';
    const d = one(check(text), 'loss-shape');
    assert.ok(d.message.includes('[batch 10, time 20, 1]') && d.message.includes('[batch 10]'), d.message);
    const fixed = applyFix(text, d);
    assert.match(fixed, /loss = mse\(last\(out\), y\)/);
    assertClean(check(fixed));
  });

  test('a binary classifier over a sequence suggests last(...) for binary_cross_entropy', () => {
    const text = `${DIMS}\nmodel {\n${SEQ}\n  input y: int[batch] < 2\n  h, _ = lstm(seq, hidden)\n  p = dense(h, 1, activation = sigmoid)\n}\ntrain { loss = binary_cross_entropy(p, y) }`;
    const d = one(check(text), 'loss-shape');
    assertClean(check(applyFix(text, d)));
  });

  test('an embedding table smaller than the vocabulary counted from the corpus is an index-range, fixed by vocab', () => {
    const { a, text, ranges, recheck } = withData([
      'data text "data/sentences.txt" { tokens = words, seq_len = 3, batch = 2 }',
      'model {',
      '  input x: int[batch, time] < vocab',
      '  input y: int[batch, time] < vocab',
      '  e = embedding(x, [|5|], 4)',
      '  o = dense(e, vocab)',
      '}',
      'train { loss = cross_entropy(o, y) }',
    ].join('\n'));
    const vocab = a.dims.get('vocab')?.size;
    assert.ok(vocab !== undefined && vocab > 5, `vocab counted from the corpus: ${vocab}`);
    const d = one(a, 'index-range');
    assert.deepEqual(d.range, ranges[0]);
    assert.ok(d.message.includes(`(< vocab ${vocab}); got 5, so ids 5..${vocab - 1} fall outside it`), d.message);
    const fixed = applyFix(text, d);
    assert.match(fixed, /embedding\(x, vocab, 4\)/);
    const b = recheck(fixed);
    assert.equal(errors(b).length, 0, b.diagnostics.map(show).join('\n'));
  });
});
