// Every diagnostic code of language.md: a case that must fire (exact range, a message naming what was
// needed and what was got, quick fixes that produce the intended text) and a near miss that must not.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { analyze } from '../../language/index';
import { createFsDataHost } from '../../language/data/index';
import { applyFix, assertClean, check, codes, DIMS, errors, experiment, fixture, none, one, show } from './helpers';

/** A model over the arithmetic generator: x: int[batch 8, src 3] < vocab 12, y: int[batch 8, tgt 2] < vocab. */
const ARITH = 'data arithmetic { samples = 100, numbers = 2, largest = 9, ops = ["+"], batch = 8 }';

describe('syntax', () => {
  test('fires at the offending token, with a fix', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  h [|dense|](seq, hidden)\n}`);
    const d = one(check(text), 'syntax');
    assert.deepEqual(d.range, ranges[0]);
    assert.equal(d.severity, 1);
  });
  test('near miss: the same line with = parses', () => {
    none(check(experiment('h = dense(seq, hidden)')), 'syntax');
  });
});

describe('unknown-name', () => {
  test('an unknown tensor suggests the closest name in scope, and the quick fix renames it', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  h = relu([|sq|])\n}`);
    const a = check(text);
    const d = one(a, 'unknown-name');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /unknown tensor sq/);
    const fixed = applyFix(text, d);
    assert.match(fixed, /h = relu\(seq\)/);
    assertClean(check(fixed));
  });
  test('a tensor used before its definition says where it is defined', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  a = relu([|b|])\n  [|b|] = relu(seq)\n}`);
    const d = one(check(text), 'unknown-name');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /before it is defined \(on line 5\)/);
    assert.deepEqual(d.related?.[0].range, ranges[1]);
  });
  test('an unknown dimension offers the closest dim and adding it to dims', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  h = dense(seq, [|hiden|])\n}`);
    const d = one(check(text), 'unknown-name');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /unknown dimension hiden/);
    const renamed = applyFix(text, d, /Change to hidden/);
    assertClean(check(renamed));
    const added = applyFix(text, d, /Add hiden to dims/);
    assert.match(added, /hiden = 256/);
    assertClean(check(added));
  });
  test('a tensor the data provides but the model does not declare gets a quick fix that declares it', () => {
    const text = `${ARITH}\nmodel {\n  input x: int[batch, src] < vocab\n  e = embedding(x, vocab, 4)\n  h, _ = lstm(e, 8)\n  o = dense(h, vocab)\n}\ntrain { loss = mse(o, o) }\n`;
    const t2 = text.replace('e = embedding(x, vocab, 4)', 'e = embedding(y, vocab, 4)');
    const d = one(check(t2), 'unknown-name');
    assert.match(d.message, /the data provides y: int\[batch 8, tgt 2\] < vocab/);
    const fixed = applyFix(t2, d);
    assert.match(fixed, /model \{\n {2}input y: int\[batch, tgt\] < vocab\n {2}input x/);
    none(check(fixed), 'unknown-name');
  });
  test('near miss: a tensor defined on an earlier line, a known dim, a state field', () => {
    const a = check(experiment(['a = relu(seq)', 'b = dense(a, hidden)', 'o, st = lstm(b, hidden)', 'c = relu(st.h)']));
    none(a, 'unknown-name');
  });
});

describe('unknown-op', () => {
  const cases: [string, string, string, RegExp][] = [
    ['op', experiment('w = [|lstn|](seq, hidden)'), 'lstm', /unknown op lstn/],
    ['data source', `data [|txt|] "x.txt" { }\nmodel {\n  input x: int[batch, time] < vocab\n}`, 'text', /unknown data source txt/],
    ['loss', `${experiment('o = dense(seq, feat)')}\ntrain { loss = [|mse2|](o, seq) }`, 'mse', /unknown loss mse2/],
    ['optimizer', `${experiment('o = dense(seq, feat)')}\ntrain {\n  loss = mse(o, seq)\n  optimizer = [|adamm|](lr = 0.1)\n}`, 'adam', /unknown optimizer adamm/],
    ['metric', `${experiment('o = dense(seq, feat)')}\ntrain {\n  loss = mse(o, seq)\n  metrics = [[|acuracy|]]\n}`, 'accuracy', /unknown metric acuracy/],
  ];
  for (const [what, marked, fixName, msg] of cases) {
    test(`an unknown ${what} names the known ones, and the quick fix changes it to ${fixName}`, () => {
      const { text, ranges } = fixture(marked);
      const d = one(check(text), 'unknown-op');
      assert.deepEqual(d.range, ranges[0]);
      assert.match(d.message, msg);
      assert.ok(d.message.includes(fixName), `the message lists ${fixName}: ${d.message}`);
      const fixed = applyFix(text, d, new RegExp(`Change to ${fixName}$`));
      none(check(fixed), 'unknown-op');
    });
  }
  test('a loss used as a model op says it belongs in train', () => {
    const d = one(check(experiment('w = mse(seq, seq)')), 'unknown-op');
    assert.match(d.message, /mse is a loss: it goes in the train block/);
  });
  test('near miss: every op, source, loss, optimizer and metric spelled right', () => {
    const a = check(`${ARITH}\nmodel {\n  input x: int[batch, src] < vocab\n  input y: int[batch, tgt] < vocab\n  c = one_hot(x, vocab)\n  _, enc = lstm(c, 8)\n  s = repeat(enc.h, tgt)\n  d, _ = gru(s, 8)\n  o = dense(d, vocab)\n}\ntrain {\n  loss = cross_entropy(o, y)\n  optimizer = rmsprop(lr = 0.01)\n  metrics = [accuracy, exact_match]\n}`);
    assertClean(a);
  });
});

describe('bad-argument', () => {
  test('a missing required argument names the signature', () => {
    const d = one(check(experiment('q = dense(seq)')), 'bad-argument');
    assert.match(d.message, /dense needs size .*dense\(x, size, activation=none\)/);
  });
  test('an extra positional argument is reported at that argument', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  q = last(seq, [|3|])\n}`);
    const d = one(check(text), 'bad-argument');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /at most 1 arguments/);
  });
  test('a duplicated argument is reported', () => {
    const d = one(check(experiment('q = dense(seq, 3, size = 4)')), 'bad-argument');
    assert.match(d.message, /size is given twice/);
  });
  test('an ill-typed argument names the allowed values and what it got', () => {
    const d = one(check(experiment('q = dense(seq, 3, activation = foo)')), 'bad-argument');
    assert.match(d.message, /one of none, relu, tanh, sigmoid, softmax; got foo/);
  });
  test('a misspelled keyword argument gets a rename quick fix', () => {
    const text = experiment('q = dense(seq, 3, actvation = relu)');
    const d = one(check(text), 'bad-argument');
    const fixed = applyFix(text, d);
    assert.match(fixed, /dense\(seq, 3, activation = relu\)/);
    assertClean(check(fixed));
  });
  test('a misspelled block key gets a rename quick fix', () => {
    const text = `${experiment('o = dense(seq, feat)')}\ntrain {\n  loss = mse(o, seq)\n  epochz = 3\n}`;
    const d = one(check(text), 'bad-argument');
    assert.match(d.message, /train has no key epochz/);
    const fixed = applyFix(text, d);
    assert.match(fixed, /\n {2}epochs = 3\n/);
    assertClean(check(fixed));
  });
  test('a key set twice and an invalid value are each reported', () => {
    const a = check(`${experiment('o = dense(seq, feat)')}\ntrain {\n  loss = mse(o, seq)\n  epochs = 2\n  epochs = 3\n  clip = -1\n}`);
    const bad = errors(a).filter((d) => d.code === 'bad-argument').map((d) => d.message);
    assert.equal(bad.length, 2, bad.join('\n'));
    assert.ok(bad.some((m) => /epochs is set twice/.test(m)));
    assert.ok(bad.some((m) => /clip must be > 0; got -1/.test(m)));
  });
  test('a train block without a loss is reported', () => {
    const d = one(check(`${experiment('o = dense(seq, feat)')}\ntrain { epochs = 1 }`), 'bad-argument');
    assert.match(d.message, /train needs a loss/);
  });
  test('near miss: keyword and positional arguments in any valid mix', () => {
    assertClean(check(experiment(['q = dense(x = seq, size = 3, activation = tanh)', 'r, st = lstm(seq, hidden, layers = 2, dropout = 0.2)', 'p = dropout(q, p = 0.1)'])));
  });
});

describe('shape-mismatch', () => {
  test('the message names the needed and the given shapes', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  input vec: float[batch, feat]\n  q = concat(seq, [|vec|], over = feat)\n}`);
    const d = one(check(text), 'shape-mismatch');
    assert.deepEqual(d.range, ranges[0]);
    assert.ok(d.message.includes('[batch 4, time 10, feat 6]') && d.message.includes('[batch 4, feat 6]'), d.message);
  });
  test('a state used as a tensor suggests .h, and the quick fix writes it', () => {
    const text = experiment(['o, st = lstm(seq, hidden)', 'q = relu(st)']);
    const d = one(check(text), 'shape-mismatch');
    assert.match(d.message, /st is the state of a lstm/);
    const fixed = applyFix(text, d);
    assert.match(fixed, /q = relu\(st\.h\)/);
    assertClean(check(fixed));
  });
  test('near miss: concat over feat of two sequences', () => {
    assertClean(check(experiment('q = concat(seq, seq)')));
  });
});

describe('dim-coincidence', () => {
  test('an embedding table named after another dim of the same size is flagged, and fixed to the bound', () => {
    const text = `dims { batch = 4, time = 10, vocab = 50, other = 50 }\nmodel {\n  input ids: int[batch, time] < vocab\n  e = embedding(ids, other, 8)\n}`;
    const d = one(check(text), 'dim-coincidence');
    assert.match(d.message, /other 50 equals vocab 50 only by size/);
    const fixed = applyFix(text, d);
    assert.match(fixed, /embedding\(ids, vocab, 8\)/);
    assertClean(check(fixed));
  });
  test('concat whose other dims agree only by size is flagged, naming both shapes', () => {
    const a = check('dims { batch = 4, time = 10, len = 10, feat = 6 }\nmodel {\n  input a: float[batch, time, feat]\n  input b: float[batch, len, feat]\n  q = concat(a, b)\n}');
    const d = one(a, 'dim-coincidence');
    assert.ok(d.message.includes('[batch 4, time 10, feat 6]') && d.message.includes('[batch 4, len 10, feat 6]'), d.message);
  });
  test('near miss: the same dim by name is no coincidence', () => {
    none(check('dims { batch = 4, time = 10, vocab = 50, other = 50 }\nmodel {\n  input ids: int[batch, time] < vocab\n  e = embedding(ids, vocab, other)\n}'), 'dim-coincidence');
  });
});

describe('data-mismatch', () => {
  test('an input the data does not provide suggests the closest one', () => {
    const { text, ranges } = fixture(`${ARITH}\nmodel {\n  input x: int[batch, src] < vocab\n  input [|yy|]: int[batch, tgt] < vocab\n}`);
    const d = one(check(text), 'data-mismatch');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /does not provide yy; it provides x: int\[batch 8, src 3\] < vocab, y: int\[batch 8, tgt 2\] < vocab/);
    assert.match(applyFix(text, d), /input y: int/);
  });
  test('an input declared with another type names both types, and the quick fix redeclares it', () => {
    const { text, ranges } = fixture(`${ARITH}\nmodel {\n  input x: [|float[batch, src]|]\n}`);
    const a = check(text);
    const d = one(a, 'data-mismatch');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /declared float\[batch 8, src 3\] but data arithmetic provides int\[batch 8, src 3\] < vocab/);
    const fixed = applyFix(text, d);
    assert.match(fixed, /input x: int\[batch, src\] < vocab\n/);
    none(check(fixed), 'data-mismatch');
  });
  test('an input with batch and time swapped says so', () => {
    const d = one(check(`${ARITH}\nmodel {\n  input x: int[src, batch] < vocab\n}`), 'data-mismatch');
    assert.match(d.message, /batch and time swapped/);
  });
  test('dims contradicting the data are reported', () => {
    const d = one(check(`dims { batch = 16 }\n${ARITH}\nmodel {\n  input x: int[batch, src] < vocab\n}`), 'data-mismatch');
    assert.match(d.message, /dims says batch = 16, but data arithmetic gives batch = 8/);
  });
  test('near miss: inputs declared exactly as provided', () => {
    none(check(`${ARITH}\nmodel {\n  input x: int[batch, src] < vocab\n  input y: int[batch, tgt] < vocab\n}`), 'data-mismatch');
  });
});

describe('index-range', () => {
  test('an embedding table smaller than the ids\' bound names both sizes', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input ids: int[batch, time] < vocab\n  e = embedding(ids, [|20|], embed)\n}`);
    const d = one(check(text), 'index-range');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /\(< vocab 50\); got 20, so ids 20\.\.49 fall outside it/);
  });
  test('one_hot shorter than the ids\' bound is reported', () => {
    const d = one(check(experiment('c = one_hot(ids, embed)')), 'index-range');
    assert.match(d.message, /vector length/);
  });
  test('logits with fewer classes than the target\'s bound are reported', () => {
    const text = `${DIMS}\nmodel {\n  input ids: int[batch, time] < vocab\n  input seq: float[batch, time, feat]\n  o = dense(seq, classes)\n}\ntrain { loss = cross_entropy(o, ids) }`;
    const d = one(check(text), 'index-range');
    assert.match(d.message, /classes 3 classes but ids's ids go up to 49/);
  });
  test('near miss: a table as large as or larger than the bound', () => {
    none(check(experiment(['e = embedding(ids, vocab, embed)', 'f = embedding(ids, 60, embed)'])), 'index-range');
  });
});

describe('loss-shape', () => {
  test('per-step logits against one label per example suggest last(...), and the fix checks clean', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  input y: int[batch] < classes\n  o = dense(seq, classes)\n}\ntrain { loss = cross_entropy([|o|], y) }`);
    const d = one(check(text), 'loss-shape');
    assert.deepEqual(d.range, ranges[0]);
    assert.ok(d.message.includes('[batch 4, time 10]') && d.message.includes('[batch 4]'), d.message);
    const fixed = applyFix(text, d);
    assert.match(fixed, /loss = cross_entropy\(last\(o\), y\)/);
    assertClean(check(fixed));
  });
  test('mse between shapes that differ names both', () => {
    const d = one(check(`${experiment('o = dense(seq, 1)')}\ntrain { loss = mse(o, vec) }`), 'loss-shape');
    assert.ok(d.message.includes('[batch 4, time 10, 1]') && d.message.includes('[batch 4, feat 6]'), d.message);
  });
  test('near miss: per-step logits against per-step targets', () => {
    assertClean(check(`${experiment('o = dense(seq, vocab)')}\ntrain { loss = cross_entropy(o, ids) }`));
  });
});

describe('state-mismatch', () => {
  test('an init with fewer layers than the layer it starts, with a quick fix that sets layers', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  _, enc = lstm(seq, hidden, layers = 2)\n  dec, _ = lstm(seq, hidden, init = [|enc|])\n}`);
    const d = one(check(text), 'state-mismatch');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /\(1 layer\(s\), 1 direction\(s\), size hidden 16\); enc has 2 layer\(s\) where this lstm has 1/);
    const fixed = applyFix(text, d);
    assert.match(fixed, /lstm\(seq, hidden, init = enc, layers = 2\)/);
    assertClean(check(fixed));
  });
  test('an lstm state into a gru is a state-mismatch', () => {
    const d = one(check(experiment(['_, enc = lstm(seq, hidden)', 'dec, _ = gru(seq, hidden, init = enc)'])), 'state-mismatch');
    assert.match(d.message, /state with h only; got enc, the state of a lstm/);
  });
  test('near miss: an init with the same layers, directions and size', () => {
    assertClean(check(experiment(['_, enc = gru(seq, hidden, layers = 2, bidirectional = true)', 'dec, _ = gru(seq, hidden, layers = 2, bidirectional = true, init = enc)'])));
  });
});

describe('missing-file', () => {
  let root = '';
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'unroll-lang-'));
    mkdirSync(join(root, 'data'));
    writeFileSync(join(root, 'data', 'tiny.txt'), 'hello world\nthe cat sat on the mat\n');
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  const run = (marked: string) => {
    const { text, ranges } = fixture(marked);
    const file = join(root, 'exp.rnn');
    return { a: analyze(text, { uri: `file://${file}`, path: file, host: createFsDataHost({ workspaceRoot: root }) }), ranges };
  };
  const model = '\nmodel {\n  input x: int[batch, time] < vocab\n  input y: int[batch, time] < vocab\n  e = embedding(x, vocab, 4)\n  o = dense(e, vocab)\n}\ntrain { loss = cross_entropy(o, y) }\n';
  test('a data path that does not exist is reported at the path, naming where it looked', () => {
    const { a, ranges } = run(`data text [|"data/nope.txt"|] { seq_len = 5, batch = 2 }${model}`);
    const d = one(a, 'missing-file');
    assert.deepEqual(d.range, ranges[0]);
    assert.ok(d.message.includes(join(root, 'data', 'nope.txt')), d.message);
  });
  test('a data path that leaves the workspace is reported', () => {
    const { a } = run(`data text "../elsewhere.txt" { seq_len = 5, batch = 2 }${model}`);
    assert.match(one(a, 'missing-file').message, /leaves the workspace/);
  });
  test('a directory is not a data file', () => {
    const { a } = run(`data text "data" { seq_len = 5, batch = 2 }${model}`);
    one(a, 'missing-file');
  });
  test('a refused data setting is reported once, at its value (the file is read with the default, not refused again at the path)', () => {
    const { a, ranges } = run(`data text "data/tiny.txt" { tokens = [|letters|], seq_len = 5, batch = 2 }${model}`);
    assert.deepEqual(errors(a).map((d) => [d.code, d.range]), [['bad-argument', ranges[0]]]);
    assert.match(errors(a)[0].message, /tokens must be one of chars, words; got letters/);
  });
  test('near miss: an existing file checks clean and binds vocab from the corpus', () => {
    const { a } = run(`data text "data/tiny.txt" { tokens = words, seq_len = 5, batch = 2 }${model}`);
    assertClean(a);
    assert.ok((a.dims.get('vocab')?.size ?? 0) > 0, 'vocab counted from the file');
  });
});

describe('unused', () => {
  test('a computed tensor nothing reads is a warning at its name', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  [|a|] = relu(seq)\n  o = dense(seq, feat)\n}\ntrain { loss = mse(o, seq) }`);
    const a = check(text);
    const d = one(a, 'unused');
    assert.equal(d.severity, 2);
    assert.deepEqual(d.range, ranges[0]);
    assert.equal(errors(a).length, 0, a.diagnostics.map(show).join('\n'));
  });
  test('an unused state gets a quick fix that writes _', () => {
    const text = `${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  o, st = lstm(seq, feat)\n}\ntrain { loss = mse(o, seq) }`;
    const d = one(check(text), 'unused');
    assert.match(d.message, /state st is never used/);
    const fixed = applyFix(text, d);
    assert.match(fixed, /o, _ = lstm/);
    assert.equal(check(fixed).diagnostics.length, 0, check(fixed).diagnostics.map(show).join('\n'));
  });
  test('near miss: without a train block the last statement is the model\'s output, not unused', () => {
    const a = check(`${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  o = relu(seq)\n}`);
    assert.deepEqual(a.diagnostics, []);
  });
  test('codes() sees no errors in a clean experiment with warnings', () => {
    assert.deepEqual(codes(check(experiment('a = relu(seq)'))), []);
  });
});

describe('one mistake, one diagnostic (no follow-on errors)', () => {
  test('after an unknown op, statements that use its output report nothing about it', () => {
    const a = check(`${ARITH}\nmodel {\n  input x: int[batch, src] < vocab\n  input y: int[batch, tgt] < vocab\n  e = embeddin(x, vocab, 8)\n  _, enc = lstm(e, 8)\n  s = repeat(enc.h, tgt)\n  o = dense(s, vocab)\n}\ntrain { loss = cross_entropy(o, y) }`);
    assert.deepEqual(errors(a).map((d) => d.code), ['unknown-op'], errors(a).map(show).join('\n'));
  });
  test('after a failed shape rule, its outputs are defined without a made-up shape', () => {
    const a = check(experiment(['h, _ = lstm(seq, hidden, layers = 2.5)', 'o = dense(h, classes)', 'p = last(o)']));
    assert.deepEqual(errors(a).map((d) => d.code), ['bad-argument'], errors(a).map(show).join('\n'));
  });
  test('an input declared against the data is reported there; the data\'s shape flows on', () => {
    const a = check(`${ARITH}\nmodel {\n  input x: int[src, batch] < vocab\n  input y: int[batch, tgt] < vocab\n  e = embedding(x, vocab, 8)\n  _, enc = lstm(e, 8)\n  s = repeat(enc.h, tgt)\n  d, _ = lstm(s, 8)\n  o = dense(d, vocab)\n}\ntrain { loss = cross_entropy(o, y) }`);
    const errs = errors(a);
    assert.deepEqual(errs.map((d) => d.code), ['data-mismatch'], errs.map(show).join('\n'));
    assert.equal(errs[0].range.start.line, 2);
  });
});

describe('typos: the fix says what to do with what is in the file', () => {
  test('a misspelt tensor does not also make the tensor it meant "unused" (that fix would delete correct code)', () => {
    const a = check(experiment(['e = relu(seq)', 'o = dense(ee, classes)', 'p = last(o)']));
    assert.deepEqual(a.diagnostics.filter((d) => d.code === 'unused' && /\be\b/.test(d.message)), [], a.diagnostics.map(show).join('\n'));
    one(a, 'unknown-name');
  });
  test('a stray character after a statement: remove it (not "one entry a line")', () => {
    const { text, ranges } = fixture(`${DIMS}\nmodel {\n  input seq: float[batch, time, feat]\n  h = relu(seq) [|@|]\n}`);
    const d = one(check(text), 'syntax');
    assert.deepEqual(d.range, ranges[0]);
    assert.match(d.message, /unexpected '@' after this entry/);
    assert.equal(d.fix, "remove '@'");
  });
});

describe('a swapped batch and time: the fix names what put time first', () => {
  const swapped = (stmts: string[]) => check(`${DIMS}\nmodel {\n  input x: int[time, batch] < vocab\n${stmts.map((s) => `  ${s}`).join('\n')}\n}`);
  test('from an input declaration: declare the input with batch first, no transpose is mentioned', () => {
    const d = one(swapped(['e = embedding(x, vocab, embed)', 'h, _ = lstm(e, hidden)']), 'shape-mismatch');
    assert.doesNotMatch(d.fix ?? '', /drop the transpose/);
    assert.match(d.fix ?? '', /declare input x with batch first \(line 3\)/);
    assert.ok(d.related?.some((r) => r.range.start.line === 2 && /input x is declared/.test(r.message)), JSON.stringify(d.related));
  });
  test('from a transpose: drop that transpose, with its line', () => {
    const a = check(`${DIMS}\nmodel {\n  input x: int[batch, time] < vocab\n  e = embedding(x, vocab, embed)\n  t = transpose(e, [time, batch, embed])\n  h, _ = lstm(t, hidden)\n}`);
    const d = one(a, 'shape-mismatch');
    assert.match(d.fix ?? '', /drop the transpose that put time first \(line 5\)/);
  });
});
