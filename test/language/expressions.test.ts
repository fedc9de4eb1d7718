// Nested calls (language.md, "Expressions"): an op argument that takes a tensor takes a call, which has a
// shape of its own; errors point at the innermost range that is wrong, with no follow-on errors outside it;
// names inside nested calls are references like any other.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFix, assertClean, check, errors, experiment, fixture, one, shapeOf, show, textAt } from './helpers';

describe('nested calls', () => {
  test('dense(last(h), classes): the inner call\'s shape is what the outer receives', () => {
    const a = check(experiment(['h, _ = lstm(seq, hidden)', 'p = dense(last(h), classes)']));
    assertClean(a);
    assert.equal(shapeOf(a, 'p'), 'float[batch 4, classes 3]');
    const inner = a.summaries.find((s) => s.nested && s.op === 'last')!;
    assert.equal(inner.label, 'last(h)');
    assert.equal(inner.shape && inner.shape.dims.map((d) => d.name).join(','), 'batch,hidden');
  });

  test('several levels deep, in execution order, each with its parameter count', () => {
    const a = check(experiment(['p = dense(dropout(last(lstm(embedding(ids, vocab, embed), hidden)), 0.5), classes)']));
    assertClean(a);
    assert.deepEqual(a.summaries.filter((s) => s.op !== 'input').map((s) => s.op), ['embedding', 'lstm', 'last', 'dropout', 'dense']);
    assert.equal(a.summaries.find((s) => s.op === 'lstm')!.params, 4 * (8 * 16 + 16 * 16 + 2 * 16));
    assert.equal(a.totalParams, 50 * 8 + 4 * (8 * 16 + 16 * 16 + 2 * 16) + 16 * 3 + 3);
    // The engine's view: one op a statement, the nested ones under generated names the outer ones read.
    const ops = a.model.filter((s) => s.kind === 'op');
    assert.deepEqual(ops.map((s) => s.kind === 'op' && s.nested === true), [true, true, true, true, false]);
    const dense = ops[4];
    assert.ok(dense.kind === 'op' && dense.operands[0].name === (ops[3].kind === 'op' && ops[3].outputs[0]));
  });

  test('a nested lstm gives its outputs, not its state', () => {
    const a = check(experiment(['p = last(lstm(seq, hidden))']));
    assertClean(a);
    assert.equal(shapeOf(a, 'p'), 'float[batch 4, hidden 16]');
  });

  test('an error inside a nested call points at the innermost wrong range, and nothing outside it fires', () => {
    const { text, ranges } = fixture(experiment(['p = dense(last(lstm(seq, [|hiden|])), classes)']));
    const a = check(text);
    const errs = errors(a);
    assert.equal(errs.length, 1, errs.map(show).join('\n'));
    assert.equal(errs[0].code, 'unknown-name');
    assert.deepEqual(errs[0].range, ranges[0]);
  });

  test('a shape error of an inner call is reported at its argument; the quick fix works there', () => {
    const { text, ranges } = fixture(experiment(['p = dense(last(lstm([|vec|], hidden)), classes)']));
    const d = one(check(text), 'shape-mismatch');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /lstm runs over the middle dimension/);
    assert.match(d.fix ?? '', /repeat\(vec, time\)/);
  });

  test('an unknown op nested in a call: one unknown-op at its name, with a did-you-mean fix that applies', () => {
    const { text, ranges } = fixture(experiment(['p = dense([|lastt|](seq), classes)']));
    const a = check(text);
    const d = one(a, 'unknown-op');
    assert.deepEqual(d.range, ranges[0]);
    assert.equal(errors(a).length, 1, errors(a).map(show).join('\n'));
    assertClean(check(applyFix(text, d)));
  });

  test('a misspelt tensor inside a nested call gets a did-you-mean fix at its own range', () => {
    const { text, ranges } = fixture(experiment(['h, _ = gru(seq, hidden)', 'p = dense(last([|hh|]), classes)']));
    const d = one(check(text), 'unknown-name');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(applyFix(text, d), /dense\(last\(h\), classes\)/);
  });

  test('names inside nested calls are references (rename and find references see them)', () => {
    const text = experiment(['h, _ = gru(seq, hidden)', 'p = dense(last(h), classes)']);
    const a = check(text);
    const h = a.symbols.find((s) => s.name === 'h')!;
    assert.deepEqual(h.references.map((r) => textAt(text, r)), ['h']);
    assert.equal(h.references[0].start.line, text.split('\n').findIndex((l) => l.includes('last(h)')));
  });

  test('a nested call never gets a name a user could write, so it cannot clash', () => {
    const a = check(experiment(['p = relu(tanh(seq))', 'tanh1 = relu(seq)']));
    assertClean(a);
    const names = a.model.flatMap((s) => (s.kind === 'op' ? s.outputs : []));
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.filter((n) => !/^[A-Za-z_]\w*$/.test(n)).length === 1);
  });
});

describe('arithmetic: dimensions matched by name, the smaller side broadcast', () => {
  const D2 = 'dims { batch = 4, time = 10, vocab = 50, embed = 8, hidden = 16, classes = 3, feat = 6, a = 5, b = 5 }';
  const exp2 = (lines: string[]) => experiment(lines).replace(/^dims \{[^}]*\}/, D2);

  test('a residual connection: h + lstm(h, hidden) has h\'s shape', () => {
    const a = check(experiment(['h = dense(seq, hidden)', 'r = h + lstm(h, hidden)']));
    assertClean(a);
    assert.equal(shapeOf(a, 'r'), 'float[batch 4, time 10, hidden 16]');
    const add = a.model.find((s) => s.kind === 'op' && s.outputs[0] === 'r');
    assert.ok(add && add.kind === 'op' && add.op === 'add' && add.operands[0].name === 'h');
  });

  test('[batch, time, hidden] + [batch, hidden] adds the row at every step, in either order', () => {
    const a = check(experiment(['h = dense(seq, hidden)', 'v = dense(vec, hidden)', 'r = h + v', 's = v * h']));
    assertClean(a);
    assert.equal(shapeOf(a, 'r'), 'float[batch 4, time 10, hidden 16]');
    assert.equal(shapeOf(a, 's'), 'float[batch 4, time 10, hidden 16]', 'the larger side sets the order');
  });

  test('the same dimensions in another order are matched by name; the result has the left side\'s order', () => {
    const a = check(experiment(['t = transpose(seq, [time, batch, feat])', 'r = seq - t', 'q = t / seq']));
    assertClean(a);
    assert.equal(shapeOf(a, 'r'), 'float[batch 4, time 10, feat 6]');
    assert.equal(shapeOf(a, 'q'), 'float[time 10, batch 4, feat 6]');
  });

  test('numbers scale: 0.5 * h, h / 4, -h, 1 - sigmoid(h), and parentheses', () => {
    const a = check(experiment(['h = dense(seq, hidden)', 'g = 0.5 * (h + h / 4) - -h', 'z = 1 - sigmoid(h)']));
    assertClean(a);
    assert.equal(shapeOf(a, 'g'), 'float[batch 4, time 10, hidden 16]');
    assert.equal(shapeOf(a, 'z'), 'float[batch 4, time 10, hidden 16]');
  });

  test('a dimension one side lacks and the other cannot supply is a shape-mismatch showing both shapes', () => {
    const { text, ranges } = fixture(experiment(['h = dense(seq, hidden)', 'c = dense(seq, classes)', 'r = [|h + c|]']));
    const d = one(check(text), 'shape-mismatch');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /h \+ c: float\[batch 4, time 10, hidden 16\] \+ float\[batch 4, time 10, classes 3\]: classes 3 is not in the left side/);
  });

  test('two different dimensions of equal size never match: dim-coincidence, also inside a nested call', () => {
    const { text, ranges } = fixture(exp2(['p = dense(seq, a)', 'q = dense(seq, b)', 'r = relu([|p + q|])']));
    const d = one(check(text), 'dim-coincidence');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /b 5 and a 5 have the same size but are different dimensions/);
  });

  test('hidden * 2 and 2 * hidden are one dimension: a dense layer of either adds to a bidirectional lstm\'s 2*hidden', () => {
    const a = check(experiment(['b, _ = lstm(seq, hidden, bidirectional = true)', 'p = dense(seq, hidden * 2)', 'q = dense(seq, 2 * hidden)', 'r = b + p + q', 'k = dense(seq, 2 * hidden * 2)', 'l = dense(seq, 4 * hidden)', 's = relu(k - l)']));
    assertClean(a);
    assert.equal(shapeOf(a, 'r'), 'float[batch 4, time 10, 2*hidden 32]');
    assert.equal(shapeOf(a, 'k'), 'float[batch 4, time 10, 4*hidden 64]');
  });

  test('token ids are not numbers to add: the fix says to embed them first', () => {
    const d = one(check(experiment(['r = ids * 2'])), 'shape-mismatch');
    assert.match(d.message, /arithmetic takes float tensors; ids is int\[batch 4, time 10\] < vocab \(token ids\)/);
    assert.match(d.fix ?? '', /embedding\(ids, vocab, size\)/);
  });

  test('an error inside an operand is reported there only', () => {
    const { text, ranges } = fixture(experiment(['h = dense(seq, hidden)', 'r = h + lstm(h, [|hiden|])']));
    const errs = errors(check(text));
    assert.equal(errs.length, 1, errs.map(show).join('\n'));
    assert.deepEqual(errs[0].range, ranges[0]);
  });

  test('a state is not a tensor in arithmetic (its .h is)', () => {
    const a = check(experiment(['_, s = lstm(seq, hidden)', 'v = dense(vec, hidden)', 'r = s + v', 'ok = s.h + v']));
    assert.deepEqual(errors(a).map((d) => d.code), ['shape-mismatch']);
    assert.match(errors(a)[0].message, /s is the state of a lstm/);
  });
});

describe('layer_norm', () => {
  test('keeps the shape and has 2*f parameters; nests and adds like any op (a pre-norm residual block)', () => {
    const a = check(experiment(['h = dense(seq, hidden)', 'r = h + lstm(layer_norm(h), hidden)', 'n = layer_norm(r)']));
    assertClean(a);
    assert.equal(shapeOf(a, 'n'), 'float[batch 4, time 10, hidden 16]');
    assert.equal(a.summaries.find((s) => s.label === 'n')!.params, 32);
  });
  test('token ids are refused with a fix', () => {
    const d = one(check(experiment(['n = layer_norm(ids)'])), 'shape-mismatch');
    assert.match(d.message, /layer_norm needs a float tensor/);
  });
});

describe('attention', () => {
  const ENC_DEC = (score: string, dec = 'hidden') => `dims { hidden = 16, other = 12, same = 16 }
data arithmetic { samples = 100, numbers = 2, largest = 9, ops = ["+"], batch = 8 }
model {
  input x: int[batch, src] < vocab
  input y: int[batch, tgt] < vocab
  enc, s = lstm(one_hot(x, vocab), hidden)
  dec, _ = lstm(repeat(s.h, tgt), ${dec})
  c, w = attention(dec, enc${score ? `, score = ${score}` : ''})
  logits = dense(concat(c, dec), vocab)
}
train { loss = cross_entropy(logits, y) }
`;
  test('ctx, w = attention(query, keys): the context [batch, tgt, f_v] and the weights [batch, tgt, src]', () => {
    const a = check(ENC_DEC(''));
    assertClean(a);
    assert.equal(shapeOf(a, 'c'), 'float[batch 8, tgt 2, hidden 16]');
    assert.equal(formatShapeOf(a, 'w'), 'float[batch 8, tgt 2, src 3]');
    assert.equal(a.summaries.find((s) => s.op === 'attention')!.params, 0);
  });
  test('general and additive learn their matrices (f_q*f_k; f_k*f_q + f_k*f_k + f_k) and allow another query size', () => {
    for (const [score, params] of [['general', 12 * 16], ['additive', 16 * 12 + 16 * 16 + 16]] as const) {
      const a = check(ENC_DEC(score, 'other'));
      assertClean(a);
      assert.equal(a.summaries.find((s) => s.op === 'attention')!.params, params, score);
    }
  });
  test('the dot score needs one feature dimension: a different one is a shape-mismatch, an equal-sized one a dim-coincidence', () => {
    assert.match(one(check(ENC_DEC('dot', 'other')), 'shape-mismatch').message, /the dot score multiplies query and key features, so they must be one dimension; got other 12 and hidden 16/);
    assert.match(one(check(ENC_DEC('dot', 'same')), 'dim-coincidence').fix ?? '', /score = general/);
  });
  test('values from another source are refused; ids are refused', () => {
    const a = check(experiment(['h, _ = lstm(seq, hidden)', 'c = attention(h, h, values = repeat(vec, classes))']));
    assert.match(one(a, 'shape-mismatch').message, /attention's values must have the keys' batch and source steps/);
    assert.match(one(check(experiment(['c = attention(ids, seq)'])), 'shape-mismatch').message, /attention's query is a float/);
  });
});

function formatShapeOf(a: ReturnType<typeof check>, name: string): string {
  const v = a.values.get(name);
  assert.ok(v && v.kind !== 'state', `no tensor ${name}`);
  return `${v.elem}[${v.dims.map((d) => `${d.name} ${d.size}`).join(', ')}]`;
}

describe('parentheses', () => {
  test('a name in parentheses keeps its own range (rename and fixes touch the name only)', () => {
    const text = experiment(['h = dense(seq, hidden)', 'r = 2 * (h) + h']);
    const a = check(text);
    assertClean(a);
    const refs = a.symbols.find((s) => s.name === 'h')!.references.map((r) => textAt(text, r));
    assert.deepEqual(refs, ['h', 'h']);
  });
});

describe('the train block', () => {
  test('a loss operand is a model tensor: an expression there is refused with a fix that moves it into the model', () => {
    const text = 'dims { hidden = 8 }\ndata sine { seq_len = 10, samples = 50, batch = 5 }\nmodel {\n  input x: float[batch, time, 1]\n  input y: float[batch, time, 1]\n  o = dense(x, 1)\n}\ntrain { loss = mse(o + x, y) }\n';
    const a = check(text);
    const d = one(a, 'bad-argument');
    assert.match(d.message, /mse's operands are tensors of the model/);
    assert.match(d.fix ?? '', /pred = o \+ x, and write mse\(pred, \.\.\.\)/);
    assert.ok(!a.model.some((s) => s.kind === 'op' && s.op === 'add'), 'nothing is added to the model');
    // The name the fix proposes is free: `out = out * 2` would be "already defined".
    const taken = check(text.replace('o = dense(x, 1)', 'pred = dense(x, 1)').replace('mse(o + x, y)', 'mse(pred * 2, y)'));
    assert.match(one(taken, 'bad-argument').fix ?? '', /pred2 = pred \* 2/);
  });
});

describe('from a new-user trial', () => {
  test('a chain of thousands of operations is one clear error, not an internal error', () => {
    const a = check(experiment(['h = dense(seq, hidden)', `g = ${Array.from({ length: 1500 }, () => 'h').join(' + ')}`, 'p = relu(g)']));
    const errs = errors(a);
    assert.equal(errs.length, 1, errs.map(show).join('\n'));
    assert.match(errs[0].message, /chains more than 256 operations/);
    assertClean(check(experiment(['h = dense(seq, hidden)', `g = ${Array.from({ length: 200 }, () => 'h').join(' + ')}`])));
    // Also when the long chain sits inside a call that is itself an operand.
    const inner = check(experiment(['h = dense(seq, hidden)', `g = h + relu(${Array.from({ length: 1500 }, () => 'h').join(' + ')})`]));
    assert.match(errors(inner).map(show).join('\n'), /chains more than 256 operations/);
    // Ten thousand terms: still that one error (marking their tensors read must not recurse either).
    const huge = check(experiment(['h = dense(seq, hidden)', `g = dense(${Array.from({ length: 10000 }, () => 'h').join(' + ')}, hidden)`, 'p = relu(g)']));
    assert.deepEqual(errors(huge).map((d) => d.message.match(/chains more than 256 operations|internal error/)?.[0] ?? d.message), ['chains more than 256 operations']);
  });
  test('a statement cut short by a syntax error reports that error only (no "NAME = op", no follow-on, no unused)', () => {
    const a = check(experiment(['h = dense(seq, hidden)', 'z = h ^ 2', 'p = relu(z)']));
    const errs = a.diagnostics.filter((d) => d.severity === 1);
    assert.deepEqual(errs.map((d) => d.code), ['syntax'], a.diagnostics.map(show).join('\n'));
    assert.equal(errs[0].fix, 'the arithmetic operators are + - * / (no powers: write x * x)');
    assert.ok(!a.diagnostics.some((d) => d.code === 'unused' && /\bh\b/.test(d.message)), a.diagnostics.map(show).join('\n'));
  });
  test('an op used as a tensor says to call it', () => {
    const d = one(check(experiment(['h = dense(seq, hidden)', 'z = h * relu'])), 'unknown-name');
    assert.match(d.message, /relu is an op, not a tensor/);
  });
  test('a refused loss expression still reads its tensors (no "remove the statement" on them)', () => {
    const a = check('dims { hidden = 8 }\ndata sine { seq_len = 10, samples = 50, batch = 5 }\nmodel {\n  input x: float[batch, time, 1]\n  input y: float[batch, time, 1]\n  o = dense(x, 1)\n}\ntrain { loss = mse(o + x, y) }\n');
    assert.deepEqual(a.diagnostics.filter((d) => d.code === 'unused'), [], a.diagnostics.map(show).join('\n'));
  });
});

describe('every sub-expression has a shape at its own range (marker fixtures)', () => {
  /** The summary rows of nested expressions, by the text of their range, with their shapes. */
  const nestedShapes = (text: string) => {
    const a = check(text);
    assertClean(a);
    return new Map(a.summaries.filter((s) => s.nested).map((s) => [textAt(text, s.range), s.shape ? show2(s.shape) : '?']));
  };
  const show2 = (s: { elem: string; dims: { name?: string }[] }) => `${s.elem}[${s.dims.map((d) => d.name).join(', ')}]`;

  test('nested calls: each marked call is one row at exactly its range, with the shape its reader receives', () => {
    const { text, ranges } = fixture(experiment(['p = dense([|dropout([|last([|lstm(seq, hidden)|])|], 0.5)|], classes)']));
    const rows = nestedShapes(text);
    assert.deepEqual(ranges.map((r) => textAt(text, r)), [...rows.keys()].reverse(), 'one row per marked call, innermost first in execution order');
    assert.equal(rows.get(textAt(text, ranges[2])), 'float[batch, time, hidden]');
    assert.equal(rows.get(textAt(text, ranges[1])), 'float[batch, hidden]');
    assert.equal(rows.get(textAt(text, ranges[0])), 'float[batch, hidden]');
  });

  test('broadcast inside a call: the marked sum of [batch, time, hidden] and [batch, hidden] is [batch, time, hidden]', () => {
    const { text, ranges } = fixture(experiment(['h = dense(seq, hidden)', 'r = relu([|h + [|last(h)|]|])']));
    const rows = nestedShapes(text);
    assert.equal(rows.get(textAt(text, ranges[0])), 'float[batch, time, hidden]');
    assert.equal(rows.get(textAt(text, ranges[1])), 'float[batch, hidden]');
  });

  test('a coincidence inside arithmetic inside a nested call is reported at the operation, and only there', () => {
    const D = 'dims { batch = 4, time = 10, vocab = 50, embed = 8, hidden = 16, classes = 3, feat = 6, a = 5, b = 5 }';
    const { text, ranges } = fixture(experiment(['p = dense(seq, a)', 'q = dense(seq, b)', 'r = dense(last([|p * q|]), classes)']).replace(/^dims \{[^}]*\}/, D));
    const a = check(text);
    assert.deepEqual(errors(a).map((d) => [d.code, d.range]), [['dim-coincidence', ranges[0]]]);
  });

  test('an error two calls deep is reported at its argument; the calls around it add nothing', () => {
    const { text, ranges } = fixture(experiment(['p = dense(last(lstm(embedding([|seq|], vocab, embed), hidden)), classes)']));
    const a = check(text);
    assert.deepEqual(errors(a).map((d) => [d.code, d.range]), [['shape-mismatch', ranges[0]]]);
  });
});

describe('from a second new-user trial', () => {
  test('100,000 nested parentheses are one error that states the limit and a fix; the names inside are still read', () => {
    const deep = `p = dense(${'('.repeat(100000)}h${')'.repeat(100000)}, classes)`;
    const a = check(experiment(['h = dense(seq, hidden)', deep]));
    assert.deepEqual(a.diagnostics.filter((d) => d.severity === 1 || /h is computed/.test(d.message)).map((d) => d.message), ['expression nested too deeply (more than 64 levels of calls and parentheses)']);
    assert.match(errors(a)[0].fix ?? '', /statements of their own/);
    const calls = check(experiment(['h = dense(seq, hidden)', `p = dense(${'sigmoid('.repeat(70)}h${')'.repeat(70)}, classes)`]));
    assert.equal(errors(calls).length, 1, errors(calls).map(show).join('\n'));
  });

  test('a call closed early (`dense(h + h), 1)`) is reported at the comma, and nothing else is', () => {
    const { text, ranges } = fixture(experiment(['h = dense(seq, hidden)', 'p = dense(h + h)[|,|] classes)']));
    const a = check(text);
    assert.deepEqual(errors(a).map((d) => [d.code, d.range]), [['syntax', ranges[0]]]);
    assert.match(errors(a)[0].message, /did a '\)' close it early/);
    // A syntax error inside a call's arguments: no "dense needs size" beside it.
    assert.deepEqual(errors(check(experiment(['h = dense(seq, hidden)', 'p = dense(h 2, classes)']))).map((d) => d.code), ['syntax']);
  });

  test('dividing by a literal 0 is refused at the 0; a number-only statement says it needs a tensor', () => {
    const { text, ranges } = fixture(experiment(['h = dense(seq, hidden)', 'p = relu(h / [|0|])']));
    const d = one(check(text), 'bad-argument');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /divides by 0/);
    assert.match(one(check(experiment(['k = 2 * 3'])), 'bad-argument').message, /2 \* 3 is a number; arithmetic in the model needs a tensor on one side/);
  });

  test('sizes: concat of 2*hidden with itself is 4*hidden; hidden + hidden is a size too (2*hidden)', () => {
    const a = check(experiment(['d = dense(seq, 2 * hidden)', 'f = concat(d, d)', 'g = dense(seq, hidden + hidden)', 'r = d + g']));
    assertClean(a);
    assert.equal(shapeOf(a, 'f'), 'float[batch 4, time 10, 4*hidden 64]');
    assert.equal(shapeOf(a, 'g'), 'float[batch 4, time 10, 2*hidden 32]');
    assert.match(one(check(experiment(['r = reshape(seq, [batch, time + feat])'])), 'bad-argument').message, /is a sum; a target is a dimension or a product/);
  });

  test('dense or layer_norm over the data\'s steps (time, src, tgt) is refused: its weights would fit one length', () => {
    const dt = check(experiment(['h = dense(seq, hidden)', 'm = mean(h, over = hidden)', 'p = dense(m, classes)']));
    assert.match(one(dt, 'shape-mismatch').message, /m: \[batch 4, time 10\] ends in time, the data's steps/);
    assert.match(one(dt, 'shape-mismatch').fix ?? '', /mean\(\.\.\., over = time\)/);
    assert.match(one(check(experiment(['h = dense(seq, hidden)', 'm = mean(h, over = hidden)', 'p = layer_norm(m)'])), 'shape-mismatch').message, /layer_norm normalises the last dimension, and m ends in time/);
  });

  test('self-attention weights [batch, time, time]: a reduction over time is ambiguous, reported at `over`', () => {
    const { text, ranges } = fixture(experiment(['h = dense(seq, hidden)', 'c, w = attention(h, h)', 'm = mean(w, over = [|time|])']));
    const a = check(text);
    const d = one(a, 'shape-mismatch');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /is ambiguous: w: \[batch 4, time 10, time 10\] has two dimensions named time/);
  });

  test('a coincidence fix projects the operand as written, and never onto the data\'s steps', () => {
    const D = 'dims { batch = 4, time = 10, vocab = 50, embed = 8, hidden = 16, classes = 3, feat = 6, other = 16, ten = 10 }';
    const withDims = (lines: string[]) => experiment(lines).replace(/^dims \{[^}]*\}/, D);
    const proj = one(check(withDims(['h = dense(seq, hidden)', 'g = dense(seq, other)', 'r = h + g'])), 'dim-coincidence');
    assert.match(proj.fix ?? '', /dense\(g, hidden\)/);
    const steps = one(check(withDims(['h = dense(seq, hidden)', 'z = dense(vec, ten)', 'r = seq + z'])), 'dim-coincidence');
    assert.doesNotMatch(steps.fix ?? '', /dense\(/);
    assert.match(steps.fix ?? '', /ten is not the data's time/);
  });

  test('an op used as a tensor: the fix shows how to call it', () => {
    assert.match(one(check(experiment(['h = dense(seq, hidden)', 'p = dense(h + lstm, classes)'])), 'unknown-name').fix ?? '', /call it: lstm\(x, size/);
  });

  test('number-only parts fold: h * (0.5 * 2) and 0.5 * 2 * h are scalings, h / (1 - 1) divides by 0; h stays read', () => {
    const a = check(experiment(['h = dense(seq, hidden)', 'p = relu(h * (0.5 * 2))', 'q = relu(0.5 * 2 * h)']));
    assertClean(a);
    const k = a.model.filter((st) => st.kind === 'op' && st.op === 'scalar').map((st) => st.kind === 'op' && st.params.k);
    assert.deepEqual(k, [1, 1]);
    const z = check(experiment(['h = dense(seq, hidden)', 'p = relu(h / (1 - 1))']));
    assert.match(one(z, 'bad-argument').message, /divides by 0/);
    assert.deepEqual(z.diagnostics.filter((d) => d.code === 'unused' && /\bh\b/.test(d.message)).map((d) => d.message), [], 'h is read, not unused');
  });

  test('a misspelt activation gets a did-you-mean that applies', () => {
    const { text } = fixture(experiment(['p = dense(seq, classes, activation = sigmod)']));
    const d = one(check(text), 'bad-argument');
    assert.equal(d.fix, 'did you mean sigmoid?');
    assert.match(applyFix(text, d), /activation = sigmoid\)/);
  });
});
