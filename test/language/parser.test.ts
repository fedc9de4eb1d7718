// The parser: every construct of language.md parses, node ranges are exact, the token stream is lossless,
// and one typo yields one syntax error while the statements after it are still checked.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LineMap, parse, tokenize } from '../../language/index';
import type { AssignEntry, Block, CallExpr, Expr, InputEntry, SyntaxTree } from '../../language/index';
import { check, codes, fixture, one, show } from './helpers';

const blocks = (t: SyntaxTree) => t.items.filter((i): i is Block => i.kind === 'block');
const block = (t: SyntaxTree, kind: Block['block']) => {
  const b = blocks(t).find((x) => x.block === kind);
  assert.ok(b, `no ${kind} block`);
  return b;
};
const assigns = (b: Block) => b.entries.filter((e): e is AssignEntry => e.kind === 'assign');
const entry = (b: Block, name: string) => {
  const e = assigns(b).find((x) => x.targets[0].name === name);
  assert.ok(e, `no entry ${name}`);
  return e;
};
function clean(text: string): SyntaxTree {
  const t = parse(text);
  assert.deepEqual(t.errors, [], `expected no syntax errors in:\n${text}`);
  return t;
}
/** A literal view of an expression, for deepEqual. */
function lit(e: Expr): unknown {
  switch (e.kind) {
    case 'number': case 'string': case 'bool': return e.value;
    case 'ident': return { name: e.name };
    case 'member': return { member: `${e.object.name}.${e.field.name}` };
    case 'list': return e.items.map(lit);
    case 'call': return { call: e.callee.name, args: e.args.map((a) => (a.name ? { [a.name.name]: lit(a.value) } : lit(a.value))) };
    case 'binary': return { [e.op]: [lit(e.left), lit(e.right)] };
    case 'unary': return { neg: lit(e.operand) };
    case 'missing': return { missing: true };
  }
}

describe('constructs', () => {
  test('experiment takes a name or a string', () => {
    const a = clean('experiment char_lm\n');
    assert.equal(a.items[0].kind, 'experiment');
    const b = clean('experiment "my run"\n');
    const d = b.items[0];
    assert.ok(d.kind === 'experiment' && d.name?.kind === 'string' && d.name.value === 'my run');
    assert.equal(check('experiment "my run"\n').experiment, 'my run');
  });

  test('every block kind parses, with entries on separate lines', () => {
    const t = clean([
      'dims {', '  hidden = 256', '  embed = 64', '}',
      'data text "data/tiny.txt" {', '  tokens = chars', '}',
      'model {', '  input x: int[batch, time] < vocab', '}',
      'train {', '  epochs = 3', '}',
      'sample {', '  prime = "The "', '}',
      'predict {', '  from = "2+3"', '}',
    ].join('\n'));
    assert.deepEqual(blocks(t).map((b) => b.block), ['dims', 'data', 'model', 'train', 'sample', 'predict']);
    assert.deepEqual(assigns(block(t, 'dims')).map((e) => [e.targets[0].name, lit(e.value)]), [['hidden', 256], ['embed', 64]]);
  });

  for (const [source, pathText, args] of [
    ['text', '"data/tiny.txt"', 'tokens = words, seq_len = 35, batch = 20, valid = 0.1, buckets = [10, 20, 40]'],
    ['classify', '"data/reviews.csv"', 'text = "review", label = "sentiment", tokens = words, max_len = 200, vocab_size = 20000, batch = 50, valid = 0.2'],
    ['pairs', '"data/pairs.tsv"', 'source = "src", target = "tgt", tokens = chars, batch = 64, valid = 0.1'],
    ['series', '"data/weather.csv"', 'columns = ["temp", "rain"], window = 24, horizon = 1, batch = 32, valid = 0.1'],
    ['arithmetic', undefined, 'samples = 5000, numbers = 2, largest = 99, ops = ["+"], batch = 32'],
    ['sine', undefined, 'seq_len = 20, samples = 100, batch = 1'],
    ['adding', undefined, 'length = 55, samples = 1000, batch = 100'],
  ] as const) {
    test(`data ${source}${pathText ? ' with a path' : ''} and its arguments parse`, () => {
      const t = clean(`data ${source}${pathText ? ' ' + pathText : ''} { ${args} }\n`);
      const b = block(t, 'data');
      assert.equal(b.source?.name, source);
      assert.equal(b.path?.value, pathText ? JSON.parse(pathText) : undefined);
      assert.equal(assigns(b).length, args.split('=').length - 1);
    });
  }

  test('input types with dims and a bound; float inputs without one', () => {
    const t = clean('model {\n  input x: int[batch, time] < vocab\n  input s: float[batch, time, 1]\n  input y: int[batch] < 10\n}\n');
    const ins = block(t, 'model').entries as InputEntry[];
    assert.deepEqual(ins.map((i) => [i.name.name, i.type?.elem.name, i.type?.dims.map(lit), i.type?.bound ? lit(i.type.bound) : undefined]), [
      ['x', 'int', [{ name: 'batch' }, { name: 'time' }], { name: 'vocab' }],
      ['s', 'float', [{ name: 'batch' }, { name: 'time' }, 1], undefined],
      ['y', 'int', [{ name: 'batch' }], 10],
    ]);
  });

  test('single and tuple assignments, _ and member references', () => {
    const t = clean('model {\n  e = embedding(x, vocab, 64)\n  out, state = lstm(e, 256)\n  _, enc = gru(e, 128)\n  d, _ = lstm(out, 256, init = state)\n  h = relu(enc.h)\n}\n');
    const m = block(t, 'model');
    assert.deepEqual(assigns(m).map((e) => e.targets.map((x) => x.name)), [['e'], ['out', 'state'], ['_', 'enc'], ['d', '_'], ['h']]);
    assert.deepEqual(lit(assigns(m)[3].value), { call: 'lstm', args: [{ name: 'out' }, 256, { init: { name: 'state' } }] });
    assert.deepEqual(lit(assigns(m)[4].value), { call: 'relu', args: [{ member: 'enc.h' }] });
  });

  test('lists, dim expressions and nested products parse with * binding tighter than +', () => {
    const t = clean('model {\n  r = reshape(h, [batch * time, hidden])\n  s = reshape(h, [batch * time * hidden])\n  q = f(a + b * c)\n}\n');
    const m = block(t, 'model');
    assert.deepEqual(lit(assigns(m)[0].value), { call: 'reshape', args: [{ name: 'h' }, [{ '*': [{ name: 'batch' }, { name: 'time' }] }, { name: 'hidden' }]] });
    assert.deepEqual(lit(assigns(m)[1].value), { call: 'reshape', args: [{ name: 'h' }, [{ '*': [{ '*': [{ name: 'batch' }, { name: 'time' }] }, { name: 'hidden' }] }]] });
    assert.deepEqual(lit(assigns(m)[2].value), { call: 'f', args: [{ '+': [{ name: 'a' }, { '*': [{ name: 'b' }, { name: 'c' }] }] }] });
  });

  test('numbers: integers, floats, exponents and negatives', () => {
    const t = clean('train {\n  a = 1e-3\n  b = 0.5\n  c = 42\n  d = 2.5E+2\n  e = -1\n  f = .5\n}\n');
    const tr = block(t, 'train');
    assert.deepEqual(['a', 'b', 'c', 'd', 'f'].map((k) => lit(entry(tr, k).value)), [0.001, 0.5, 42, 250, 0.5]);
    const c = entry(tr, 'c').value;
    assert.ok(c.kind === 'number' && c.integer);
    const a = entry(tr, 'a').value;
    assert.ok(a.kind === 'number' && !a.integer);
    assert.deepEqual(lit(entry(tr, 'e').value), { neg: 1 });
  });

  test('strings with both quotes and escapes, and booleans', () => {
    const t = clean('sample {\n  prime = "say \\"hi\\"\\n"\n  other = \'it\'\n}\ntrain {\n  x = true\n  y = false\n}\n');
    assert.equal(lit(entry(block(t, 'sample'), 'prime').value), 'say "hi"\n');
    assert.equal(lit(entry(block(t, 'sample'), 'other').value), 'it');
    assert.equal(lit(entry(block(t, 'train'), 'x').value), true);
    assert.equal(lit(entry(block(t, 'train'), 'y').value), false);
  });

  test('comments are ignored anywhere: own line, end of line, inside a call split over lines', () => {
    const t = clean('# header\ndims { hidden = 8 }  # trailing\nmodel {\n  # inside\n  h = dense(x,   # first arg\n    hidden)\n}\n');
    assert.deepEqual(lit(assigns(block(t, 'model'))[0].value), { call: 'dense', args: [{ name: 'x' }, { name: 'hidden' }] });
    assert.ok(tokenize('# only a comment').every((k) => k.kind === 'comment'));
  });

  test('commas and newlines both separate entries, and a call may span lines', () => {
    const a = clean('dims { a = 1, b = 2, c = 3 }\n');
    const b = clean('dims {\n  a = 1\n  b = 2,\n  c = 3\n}\n');
    const names = (t: SyntaxTree) => assigns(block(t, 'dims')).map((e) => e.targets[0].name);
    assert.deepEqual(names(a), ['a', 'b', 'c']);
    assert.deepEqual(names(b), ['a', 'b', 'c']);
    const c = clean('train {\n  optimizer = sgd(\n    lr = 0.1,\n    momentum = 0.9\n  )\n}\n');
    assert.deepEqual(lit(entry(block(c, 'train'), 'optimizer').value), { call: 'sgd', args: [{ lr: 0.1 }, { momentum: 0.9 }] });
  });

  test('CRLF line endings parse like LF', () => {
    const lf = 'dims {\n  a = 1\n}\nmodel {\n  input x: float[batch, time, a]\n}\n';
    const t = clean(lf.replace(/\n/g, '\r\n'));
    assert.deepEqual(blocks(t).map((b) => b.block), ['dims', 'model']);
    assert.equal((block(t, 'model').entries[0] as InputEntry).range.start.line, 4);
  });
});

describe('ranges', () => {
  test('a block spans its keyword to its closing brace', () => {
    const { text, ranges } = fixture('dims { a = 1 }\n[|model {\n  input x: float[batch, time, a]\n}|]\n');
    assert.deepEqual(block(parse(text), 'model').range, ranges[0]);
  });
  test('an input entry spans input ... bound, and its name is exact', () => {
    const { text, ranges } = fixture('model {\n  [|input [|x|]: int[batch, time] < vocab|]   # c\n}');
    const e = block(parse(text), 'model').entries[0] as InputEntry;
    assert.deepEqual(e.range, ranges[0]);
    assert.deepEqual(e.name.range, ranges[1]);
  });
  test('a call spans callee to ), with each argument exact, and a member spans object.field', () => {
    const { text, ranges } = fixture('model {\n  out, st = [|lstm([|e|], [|256|], [|init = [|enc.h|]|])|]\n}');
    const call = assigns(block(parse(text), 'model'))[0].value as CallExpr;
    assert.deepEqual(call.range, ranges[0]);
    assert.deepEqual(call.args.map((a) => a.range), [ranges[1], ranges[2], ranges[3]]);
    assert.deepEqual(call.args[2].value.range, ranges[4]);
  });
  test('a data path string range includes its quotes', () => {
    const { text, ranges } = fixture('data text [|"data/tiny.txt"|] { }');
    assert.deepEqual(block(parse(text), 'data').path?.range, ranges[0]);
  });
  test('positions are UTF-16 columns after non-ASCII text', () => {
    const { text, ranges } = fixture('# héllo wörld 😀\nmodel {\n  input x: float[batch, time, 1]  # ünïcode 😀\n  [|y|] = relu(x)\n}');
    assert.deepEqual(assigns(block(parse(text), 'model'))[0].targets[0].range, ranges[0]);
  });
});

describe('losslessness', () => {
  const samples = [
    'experiment x\ndims { a = 1 }\n',
    '\uFEFF# bom\r\nmodel {\r\n\tinput x: int[batch, time] < vocab\r\n}\r\n',
    'model { h = dense(x, @@ 3) \u00e9\u00e9 "unclosed\n}\n',
    'train {\n  loss = cross_entropy(last(logits), y)   # end\n  lr = 1e-3\n}',
    '12abc .5 1. 1e 1e+ \'x\' "a\\"b" ## } } )(][',
  ];
  for (const [i, s] of samples.entries()) {
    test(`tokens plus the whitespace between them reproduce the text (sample ${i + 1})`, () => {
      const toks = tokenize(s);
      let rebuilt = '';
      let at = 0;
      for (const t of toks) {
        const gap = s.slice(at, t.start);
        assert.match(gap, /^[ \t\uFEFF]*$/, `only blanks may fall between tokens; got ${JSON.stringify(gap)}`);
        assert.equal(s.slice(t.start, t.end), t.text);
        rebuilt += gap + t.text;
        at = t.end;
      }
      assert.match(s.slice(at), /^[ \t\uFEFF]*$/);
      rebuilt += s.slice(at);
      assert.equal(rebuilt, s);
      const map = new LineMap(s);
      for (const t of toks) assert.deepEqual(t.range, map.range(t.start, t.end));
    });
  }
  test('the parse tree keeps every token, comments included', () => {
    const s = 'model { # c\n  h = relu(x)\n}\n';
    assert.deepEqual(parse(s).tokens.map((t) => t.text), tokenize(s).map((t) => t.text));
  });
});

describe('recovery: one typo, one syntax error, the rest still checked', () => {
  const head = 'dims { batch = 2, time = 3, feat = 4, hidden = 5 }\nmodel {\n  input x: float[batch, time, feat]\n';
  // A statement after the typo with a real shape error: `repeat` needs [batch, f], x is a sequence.
  const tail = '  r = repeat([|x|], time)\n  s = relu(r)\n}\n';
  const cases: [string, string, RegExp][] = [
    ['an unclosed (', '  h = dense(x, hidden\n', /never closed/],
    ['a missing =', '  h dense(x, hidden)\n', /expected '='/],
    ['a stray token after a call', '  h = dense(x, hidden))\n', /unexpected '\)' after this entry/],
    ['an unknown character', '  h = dense(x, @)\n', /expected a value/],
    ['an unclosed [', '  h = reshape(x, [batch * time, feat)\n', /never closed|expected/],
    ['an unclosed string', '  h = dense(x, "hidden)\n', /./],
  ];
  for (const [what, line, msg] of cases) {
    test(`${what} yields one syntax error and a later shape error is still reported`, () => {
      const { text, ranges } = fixture(head + line + tail);
      const a = check(text);
      const syn = one(a, 'syntax');
      assert.match(syn.message, msg);
      assert.equal(syn.range.start.line, 3, `the syntax error is on the typo's line: ${show(syn)}`);
      const sm = one(a, 'shape-mismatch');
      assert.deepEqual(sm.range, ranges[0]);
    });
  }
  test('a stray } between blocks yields one syntax error and the next block is still checked', () => {
    const { text, ranges } = fixture('dims { batch = 2, time = 3, feat = 4 }\n[|}|]\nmodel {\n  input x: float[batch, time, feat]\n  r = repeat([|x|], time)\n  s = relu(r)\n}\n');
    const a = check(text);
    const syn = one(a, 'syntax');
    assert.deepEqual(syn.range, ranges[0]);
    assert.match(syn.message, /closes nothing/);
    assert.deepEqual(one(a, 'shape-mismatch').range, ranges[1]);
  });
  test('a stray } inside a model block yields one syntax error at that brace and the statements after it are still checked', () => {
    const { text, ranges } = fixture(head + '  h = dense(x, hidden)[|}|]\n' + tail.replace('  s = relu(r)\n', '  s = relu(r)\n  o = concat(h, h)\n'));
    const a = check(text);
    const syn = one(a, 'syntax');
    assert.deepEqual(syn.range, ranges[0]);
    assert.match(syn.message, /closes the model block, but its entries go on below it/);
    assert.deepEqual(one(a, 'shape-mismatch').range, ranges[1]);
    assert.ok(a.summaries.some((s) => s.label === 'o' && s.shape), 'the statements after the brace are checked');
  });
  test('an unknown top-level word yields one syntax error and the blocks after it are checked', () => {
    const { text, ranges } = fixture('[|modle|] {\n  h = relu(x)\n}\ndims { batch = 2, time = 3, feat = 4 }\nmodel {\n  input x: float[batch, time, feat]\n  r = repeat([|x|], time)\n  s = relu(r)\n}\n');
    const a = check(text);
    const syn = one(a, 'syntax');
    assert.deepEqual(syn.range, ranges[0]);
    assert.deepEqual(one(a, 'shape-mismatch').range, ranges[1]);
  });
  test('an unclosed model block still checks the train block below it', () => {
    const text = 'dims { batch = 2, time = 3, feat = 4 }\nmodel {\n  input x: float[batch, time, feat]\n  o = dense(x, feat)\ntrain {\n  loss = mse(o, x)\n  epochs = 0\n}\n';
    const a = check(text);
    assert.deepEqual(codes(a).sort(), ['bad-argument', 'syntax']);
    assert.match(one(a, 'bad-argument').message, /epochs/);
  });
});
