// Parameter counts in the summary against PyTorch's formulas, written out here independently of the core:
// per layer and direction, LSTM 4*(I*H + H*H + 2H) (weight_ih, weight_hh, bias_ih, bias_hh), GRU 3x, RNN 1x;
// a layer above the first reads H*directions features. Embedding V*E, dense in*out + out.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClean, check, experiment } from './helpers';

const GATES = { lstm: 4, gru: 3, rnn: 1 } as const;
type Cell = keyof typeof GATES;
/** PyTorch nn.LSTM/GRU/RNN parameter count, layer by layer. */
function torchCount(cell: Cell, input: number, hidden: number, layers: number, bidirectional: boolean): number {
  const dirs = bidirectional ? 2 : 1;
  let total = 0;
  for (let l = 0; l < layers; l++) {
    const I = l === 0 ? input : hidden * dirs;
    const weightIh = GATES[cell] * hidden * I;
    const weightHh = GATES[cell] * hidden * hidden;
    const biases = 2 * GATES[cell] * hidden;
    total += dirs * (weightIh + weightHh + biases);
  }
  return total;
}

/** The summary's parameter count of the statement whose first output is `name`. */
function paramsOf(lines: string[], name = 'out'): number | undefined {
  const a = check(experiment(lines));
  assertClean(a, lines.join('; '));
  const s = a.summaries.find((x) => x.label.split(',')[0].trim() === name);
  assert.ok(s, `no statement ${name}`);
  return s.params;
}

// experiment(): feat = 6 (seq's features), hidden = 16, vocab = 50, embed = 8.
describe('recurrent layers', () => {
  for (const cell of ['lstm', 'gru', 'rnn'] as const) {
    for (const layers of [1, 2]) {
      for (const bidi of [false, true]) {
        const label = `${cell}, ${layers} layer(s), ${bidi ? 'bidirectional' : 'one direction'}`;
        test(`${label}: the summary count equals PyTorch's`, () => {
          const got = paramsOf([`out, st = ${cell}(seq, hidden, layers = ${layers}, bidirectional = ${bidi})`]);
          assert.equal(got, torchCount(cell, 6, 16, layers, bidi));
        });
      }
    }
  }
  test('a 2-layer bidirectional LSTM\'s second layer reads 2H inputs (not H)', () => {
    const two = paramsOf(['out, st = lstm(seq, hidden, layers = 2, bidirectional = true)'])!;
    const one = paramsOf(['out, st = lstm(seq, hidden, bidirectional = true)'])!;
    assert.equal(two - one, 2 * 4 * (32 * 16 + 16 * 16 + 2 * 16));
  });
  test('nn.LSTM(128, 128) has 132,096 parameters (weight_ih 512x128, weight_hh 512x128, two 512 biases)', () => {
    const a = check('dims { batch = 2, time = 5, f = 128 }\nmodel {\n  input s: float[batch, time, f]\n  out, _ = lstm(s, 128)\n}');
    assertClean(a);
    assert.equal(a.summaries.find((s) => s.op === 'lstm')?.params, 512 * 128 + 512 * 128 + 512 + 512);
  });
  test('the recurrent paramRule states the formula', () => {
    const a = check(experiment('out, st = gru(seq, hidden, layers = 2)'));
    assert.match(a.summaries.find((s) => s.op === 'gru')?.paramRule ?? '', /3\*\(I\*H \+ H\*H \+ 2\*H\) per layer and direction/);
  });
});

describe('other layers', () => {
  test('embedding has V*E parameters', () => {
    assert.equal(paramsOf(['out = embedding(ids, vocab, embed)']), 50 * 8);
  });
  test('dense has in*out + out parameters', () => {
    assert.equal(paramsOf(['out = dense(seq, classes)']), 6 * 3 + 3);
    assert.equal(paramsOf(['out = dense(vec, 1)']), 6 * 1 + 1);
  });
  test('dense after a bidirectional layer reads 2H inputs', () => {
    assert.equal(paramsOf(['h, st = lstm(seq, hidden, bidirectional = true)', 'out = dense(h, vocab)']), 32 * 50 + 50);
  });
  test('ops without weights count zero', () => {
    for (const s of ['out = one_hot(ids, vocab)', 'out = relu(seq)', 'out = dropout(seq, 0.5)', 'out = last(seq)', 'out = mean(seq, over = time)',
      'out = repeat(vec, time)', 'out = concat(seq, seq)', 'out = reshape(seq, [batch * time, feat])', 'out = transpose(seq, [time, batch, feat])']) {
      assert.equal(paramsOf([s]), 0, s);
    }
  });
  test('inputs count zero', () => {
    const a = check(experiment('out = relu(seq)'));
    assert.ok(a.summaries.filter((s) => s.op === 'input').every((s) => s.params === 0));
  });
});

describe('total', () => {
  test('the total is the sum of every layer\'s count, each as PyTorch counts it', () => {
    const a = check(`${experiment([
      'e = embedding(ids, vocab, embed)',
      'h, st = lstm(e, hidden, layers = 2, bidirectional = true)',
      'g, _ = gru(h, hidden, layers = 2)',
      'last_g = last(g)',
      'logits = dense(last_g, classes)',
    ])}`);
    assertClean(a);
    const expected = 50 * 8 + torchCount('lstm', 8, 16, 2, true) + torchCount('gru', 32, 16, 2, false) + (16 * 3 + 3);
    assert.equal(a.totalParams, expected);
    assert.equal(a.totalParams, a.summaries.reduce((n, s) => n + (s.params ?? NaN), 0));
  });
  test('the total is unknown while a size is unknown (vocab not yet counted from data)', () => {
    const a = check('data text "corpus.txt" { seq_len = 5, batch = 2 }\nmodel {\n  input x: int[batch, time] < vocab\n  e = embedding(x, vocab, 8)\n  h, _ = lstm(e, 16)\n}');
    assert.equal(a.summaries.find((s) => s.op === 'embedding')?.params, undefined);
    assert.equal(a.summaries.find((s) => s.op === 'lstm')?.params, torchCount('lstm', 8, 16, 1, false));
    assert.equal(a.totalParams, undefined);
  });
});
