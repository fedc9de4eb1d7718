// Every op's shape rule (language.md, "Model statements"), one statement at a time, inside an experiment
// whose dims all have known sizes: batch 4, time 10, vocab 50, embed 8, hidden 16, classes 3, feat 6.
// ids: int[batch, time] < vocab, seq: float[batch, time, feat], vec: float[batch, feat].
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { check, experiment, fixture, formatShape, one, shapeOf, shapeOfStatement, DIMS } from './helpers';
import type { StateValue } from '../../language/index';

describe('ids', () => {
  test('embedding(ids, vocab, embed) appends the vector size to the ids\' dims', () => {
    assert.equal(shapeOfStatement('out = embedding(ids, vocab, embed)'), 'float[batch 4, time 10, embed 8]');
  });
  test('embedding with a bare-number size gives an unnamed last dim', () => {
    assert.equal(shapeOfStatement('out = embedding(ids, vocab, 12)'), 'float[batch 4, time 10, 12]');
  });
  test('one_hot(ids, vocab) appends vocab as a float dim', () => {
    assert.equal(shapeOfStatement('out = one_hot(ids, vocab)'), 'float[batch 4, time 10, vocab 50]');
  });
});

describe('recurrent', () => {
  for (const cell of ['lstm', 'gru', 'rnn']) {
    test(`${cell}(seq, hidden) maps [batch, time, f] to [batch, time, hidden]`, () => {
      assert.equal(shapeOfStatement(`out, st = ${cell}(seq, hidden)`), 'float[batch 4, time 10, hidden 16]');
    });
    test(`${cell} with layers = 3 keeps the output shape of the top layer`, () => {
      assert.equal(shapeOfStatement(`out, st = ${cell}(seq, hidden, layers = 3)`), 'float[batch 4, time 10, hidden 16]');
    });
    test(`bidirectional ${cell} outputs 2*size features`, () => {
      assert.equal(shapeOfStatement(`out, st = ${cell}(seq, hidden, bidirectional = true)`), 'float[batch 4, time 10, 2*hidden 32]');
    });
  }
  test('a numeric recurrent size gives an unnamed feature dim, doubled when bidirectional', () => {
    assert.equal(shapeOfStatement('out, st = gru(seq, 7)'), 'float[batch 4, time 10, 7]');
    assert.equal(shapeOfStatement('out, st = gru(seq, 7, bidirectional = true)'), 'float[batch 4, time 10, 14]');
  });
  test('lstm state has h and c, [batch, size] of the top layer, with layers and directions recorded', () => {
    const a = check(experiment(['out, st = lstm(seq, hidden, layers = 2, bidirectional = true)', 'h = relu(st.h)', 'c = relu(st.c)']));
    const st = a.values.get('st') as StateValue;
    assert.equal(st.kind, 'state');
    assert.equal(st.cell, 'lstm');
    assert.equal(st.layers, 2);
    assert.equal(st.directions, 2);
    assert.equal(formatShape(st.h), 'float[batch 4, hidden 16]');
    assert.ok(st.c);
    assert.equal(formatShape(st.c), 'float[batch 4, hidden 16]');
    assert.equal(shapeOf(a, 'h'), 'float[batch 4, hidden 16]');
    assert.equal(shapeOf(a, 'c'), 'float[batch 4, hidden 16]');
  });
  for (const cell of ['gru', 'rnn']) {
    test(`${cell} state has h only: st.c is a bad-argument at .c`, () => {
      const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  out, st = ${cell}(seq, hidden)\n  h = relu(st.h)\n  c = relu(st.[|c|])\n}`);
      const a = check(text);
      assert.ok(!(a.values.get('st') as StateValue).c);
      assert.equal(shapeOf(a, 'h'), 'float[batch 4, hidden 16]');
      const d = one(a, 'bad-argument');
      assert.deepEqual(d.range, ranges[0]);
      assert.match(d.message, /h only/);
    });
  }
  test('lstm over an embedding of ids runs over the embedded sequence', () => {
    const a = check(experiment(['e = embedding(ids, vocab, embed)', 'out, st = lstm(e, hidden)']));
    assert.equal(shapeOf(a, 'out'), 'float[batch 4, time 10, hidden 16]');
  });
});

describe('dense and elementwise', () => {
  test('dense acts on the last dim of a sequence', () => {
    assert.equal(shapeOfStatement('out = dense(seq, classes)'), 'float[batch 4, time 10, classes 3]');
  });
  test('dense acts on the last dim of a vector', () => {
    assert.equal(shapeOfStatement('out = dense(vec, 1, activation = sigmoid)'), 'float[batch 4, 1]');
  });
  test('dense on a tensor whose last dim is batch is a shape-mismatch (it would mix examples)', () => {
    const d = one(check(experiment(['s = sum(vec, over = feat)', 'out = dense(s, hidden)'])), 'shape-mismatch');
    assert.match(d.message, /\[\.\., features\]; got s: \[batch 4\], whose last dimension is batch/);
  });
  test('dropout keeps the shape', () => {
    assert.equal(shapeOfStatement('out = dropout(seq, 0.3)'), 'float[batch 4, time 10, feat 6]');
  });
  for (const op of ['relu', 'tanh', 'sigmoid', 'softmax']) {
    test(`${op} keeps the shape`, () => {
      assert.equal(shapeOfStatement(`out = ${op}(seq)`), 'float[batch 4, time 10, feat 6]');
      assert.equal(shapeOfStatement(`out = ${op}(vec)`), 'float[batch 4, feat 6]');
    });
  }
});

describe('sequence ops', () => {
  test('last drops time', () => {
    assert.equal(shapeOfStatement('out = last(seq)'), 'float[batch 4, feat 6]');
  });
  test('first drops time', () => {
    assert.equal(shapeOfStatement('out = first(seq)'), 'float[batch 4, feat 6]');
  });
  test('last of ids keeps the ids\' bound', () => {
    assert.equal(shapeOfStatement('out = last(ids)'), 'int[batch 4] < vocab');
  });
  test('last of a float vector [batch, f] is a shape-mismatch: it has no time to drop', () => {
    const d = one(check(experiment('out = last(vec)')), 'shape-mismatch');
    assert.match(d.message, /\[batch, time, features\]; got vec: float\[batch 4, feat 6\]/);
  });
  test('repeat(vec, time) inserts time after batch', () => {
    assert.equal(shapeOfStatement('out = repeat(vec, time)'), 'float[batch 4, time 10, feat 6]');
  });
  test('repeat of a sequence is a shape-mismatch that suggests last(...)', () => {
    const a = check(experiment('out = repeat(seq, time)'));
    const d = one(a, 'shape-mismatch');
    assert.match(d.message, /\[batch, f\]/);
    assert.match(d.message, /\[batch 4, time 10, feat 6\]/);
    assert.match(d.fix ?? '', /last\(seq\)/);
  });
});

describe('reductions', () => {
  test('mean over time drops time', () => {
    assert.equal(shapeOfStatement('out = mean(seq, over = time)'), 'float[batch 4, feat 6]');
  });
  test('max over feat drops feat', () => {
    assert.equal(shapeOfStatement('out = max(seq, over = feat)'), 'float[batch 4, time 10]');
  });
  test('sum over batch drops batch', () => {
    assert.equal(shapeOfStatement('out = sum(seq, over = batch)'), 'float[time 10, feat 6]');
  });
  test('a reduction over a dim the tensor lacks is a shape-mismatch at over=', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  out = mean(seq, over = [|vocab|])\n}`);
    const d = one(check(text), 'shape-mismatch');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /\[batch 4, time 10, feat 6\]/);
  });
  test('a reduction without over= is a bad-argument whose quick fix reduces over time', () => {
    const a = check(experiment('out = mean(seq)'));
    const d = one(a, 'bad-argument');
    assert.match(d.message, /over/);
    assert.ok(d.quickFixes?.some((q) => /time/.test(q.title)));
  });
});

describe('concat', () => {
  test('concat defaults to the last dim and adds sizes (same name: 2*name)', () => {
    assert.equal(shapeOfStatement('out = concat(seq, seq)'), 'float[batch 4, time 10, 2*feat 12]');
  });
  test('concat of two different feature dims names the sum', () => {
    const a = check(experiment(['h, st = lstm(seq, hidden)', 'out = concat(h, seq)']));
    assert.equal(shapeOf(a, 'out'), 'float[batch 4, time 10, hidden+feat 22]');
  });
  test('concat over = time adds along time', () => {
    assert.equal(shapeOfStatement('out = concat(seq, seq, over = time)'), 'float[batch 4, 2*time 20, feat 6]');
  });
  test('concat of tensors with different ranks is a shape-mismatch naming both shapes, at b', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  input vec: float[batch, feat]\n  out = concat(seq, [|vec|])\n}`);
    const d = one(check(text), 'shape-mismatch');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /\[batch 4, time 10, feat 6\]/);
    assert.match(d.message, /\[batch 4, feat 6\]/);
  });
  test('concat over feat with different times is a shape-mismatch on the time dim', () => {
    const a = check(experiment(['t = repeat(vec, embed)', 'out = concat(seq, t)']));
    const d = one(a, 'shape-mismatch');
    assert.match(d.message, /time 10/);
    assert.match(d.message, /embed 8/);
  });
});

describe('reshape and transpose', () => {
  test('reshape merges batch * time', () => {
    assert.equal(shapeOfStatement('out = reshape(seq, [batch * time, feat])'), 'float[batch*time 40, feat 6]');
  });
  test('reshape merges time * feat', () => {
    assert.equal(shapeOfStatement('out = reshape(seq, [batch, time * feat])'), 'float[batch 4, time*feat 60]');
  });
  test('reshape splits a merged dim back by name', () => {
    const a = check(experiment(['m = reshape(seq, [batch * time, feat])', 'out = reshape(m, [batch, time, feat])']));
    assert.equal(shapeOf(a, 'm'), 'float[batch*time 40, feat 6]');
    assert.equal(shapeOf(a, 'out'), 'float[batch 4, time 10, feat 6]');
  });
  test('reshape that reorders dims is a shape-mismatch that says it scrambles the data', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  out = reshape(seq, [|[time * batch, feat]|])\n}`);
    const d = one(check(text), 'shape-mismatch');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /scrambles/);
  });
  test('reshape to a dim the source lacks is a shape-mismatch at that target item', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  out = reshape(seq, [batch * time, [|hidden|]])\n}`);
    const d = one(check(text), 'shape-mismatch');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /hidden 16/);
    assert.match(d.message, /\[batch 4, time 10, feat 6\]/);
  });
  test('transpose reorders by name', () => {
    assert.equal(shapeOfStatement('out = transpose(seq, [time, batch, feat])'), 'float[time 10, batch 4, feat 6]');
    assert.equal(shapeOfStatement('out = transpose(seq, [feat, time, batch])'), 'float[feat 6, time 10, batch 4]');
  });
  test('transpose that leaves out a dim is a shape-mismatch', () => {
    const d = one(check(experiment('out = transpose(seq, [time, batch])')), 'shape-mismatch');
    assert.match(d.message, /all 3 dimensions/);
  });
  test('transpose keeps an int tensor\'s bound', () => {
    assert.equal(shapeOfStatement('out = transpose(ids, [time, batch])'), 'int[time 10, batch 4] < vocab');
  });
});

describe('type errors', () => {
  test('lstm over ids is a shape-mismatch at the operand that suggests an embedding', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input ids: int[batch, time] < vocab\n  out, st = lstm([|ids|], hidden)\n}`);
    const d = one(check(text), 'shape-mismatch');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /float features \[batch, time, features\]/);
    assert.match(d.message, /int\[batch 4, time 10\]/);
    assert.match(d.fix ?? '', /embedding\(ids, vocab/);
  });
  test('lstm over a vector is a shape-mismatch that suggests repeat', () => {
    const d = one(check(experiment('out, st = lstm(vec, hidden)')), 'shape-mismatch');
    assert.match(d.message, /\[batch, time, features\]/);
    assert.match(d.message, /\[batch 4, feat 6\]/);
    assert.match(d.fix ?? '', /repeat\(vec, time\)/);
  });
  test('embedding of floats is a shape-mismatch', () => {
    const d = one(check(experiment('out = embedding(seq, vocab, embed)')), 'shape-mismatch');
    assert.match(d.message, /int\[\.\.\] < vocab/);
    assert.match(d.message, /float\[batch 4, time 10, feat 6\]/);
  });
  test('dense of ids is a shape-mismatch', () => {
    const d = one(check(experiment('out = dense(ids, hidden)')), 'shape-mismatch');
    assert.match(d.message, /int\[batch 4, time 10\]/);
  });
});
