// The lexer's speed-minded representation: positions tracked while scanning, ranges built on first read,
// and the analysis handing its tokens to the editor. Each must give exactly what a fresh, position-by-
// position computation gives, on any text.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyze, LineMap, parse, tokenize, type Token } from '../../language/index';
import { fixture } from './helpers';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);

/** Every token's numbers and lazy range against the LineMap's binary search over the same text. */
function assertPositions(text: string, tokens: Token[]): void {
  const map = new LineMap(text);
  for (const t of tokens) {
    const where = `token ${JSON.stringify(t.text)} at ${t.start} in ${JSON.stringify(text)}`;
    assert.deepEqual({ line: t.line, character: t.character }, map.position(t.start), `start numbers of ${where}`);
    assert.deepEqual(t.range, map.range(t.start, t.end), `range of ${where}`);
    assert.equal(t.range, t.range, `the range of ${where} is built once`);
  }
}

// Line breaks of every kind, a BOM, strings continued over a line with a backslash, unclosed strings.
const CHARS = ['\n', '\r\n', '\r', '\\', '"', "'", ' ', '\t', '\uFEFF', '#', 'ab', 'x1', '12', '1.5e-3', '(', ')', '=', ',', '@', '\u00e9', '\u{1F600}'];
const soup = fc.array(fc.constantFrom(...CHARS), { maxLength: 60 }).map((p) => p.join(''));

describe('token positions', () => {
  test('line, character and range equal the LineMap positions on tricky line breaks', () => {
    for (const text of [
      'a\r\nb\rc\n\nd', '\uFEFFmodel {\r\n  x = "a\\\r\nb"\r\n}', 'x = "a\\\nb" y', "s = 'open\\\rq\nz", 'e = "a\\\r', '"\\',
      '\n\n\r\r\n', '',
    ]) assertPositions(text, tokenize(text));
  });

  test('line, character and range equal the LineMap positions on random text', () => {
    fc.assert(fc.property(soup, (text) => { assertPositions(text, tokenize(text)); }), { numRuns: 1500, seed: SEED });
  });

  test('a string continued over a line break ends where the LineMap says, and the next token follows it', () => {
    const text = 'p = "a\\\nbc" q';
    const toks = tokenize(text);
    const str = toks.find((t) => t.kind === 'string');
    assert.ok(str);
    assert.deepEqual(str.range, { start: { line: 0, character: 4 }, end: { line: 1, character: 3 } });
    const q = toks[toks.length - 1];
    assert.equal(q.text, 'q');
    assert.deepEqual({ line: q.line, character: q.character }, { line: 1, character: 4 });
  });
});

describe('tokens carried by the analysis', () => {
  const same = (a: Token[], b: Token[]) =>
    assert.deepEqual(a.map((t) => [t.kind, t.text, t.start, t.end, t.line, t.character, t.range]), b.map((t) => [t.kind, t.text, t.start, t.end, t.line, t.character, t.range]));

  test('analyze() hands over the tokens it parsed, equal to a fresh lex, comments and newlines included', () => {
    const { text } = fixture('dims { hidden = 4 }  # sizes\nmodel {\n  input x: float[batch, time, hidden]\n  # a comment\n  h = tanh(x)\n}\n');
    const a = analyze(text, { uri: 'file:///t.rnn' });
    assert.ok(a.tokens, 'the analysis carries tokens');
    assert.ok(a.tokens.some((t) => t.kind === 'comment') && a.tokens.some((t) => t.kind === 'newline'));
    same(a.tokens, tokenize(text));
  });

  test('on random text too, the carried tokens equal a fresh lex', () => {
    fc.assert(fc.property(soup, (text) => {
      const a = analyze(`model {\n${text}\n}`, { uri: 'file:///t.rnn' });
      same(a.tokens ?? [], tokenize(`model {\n${text}\n}`));
    }), { numRuns: 300, seed: SEED });
  });
});

describe('syntax-tree ranges', () => {
  /** Every node (and token) in the tree: its range is exactly the LineMap's range of its offsets. */
  function assertTreeRanges(text: string): number {
    const map = new LineMap(text);
    const tree = parse(text, map);
    let nodes = 0;
    const seen = new Set<object>();
    const walk = (x: unknown): void => {
      if (x === null || typeof x !== 'object' || seen.has(x)) return;
      seen.add(x);
      if (Array.isArray(x)) { x.forEach(walk); return; }
      const o = x as { start?: unknown; end?: unknown; range?: unknown };
      if (typeof o.start === 'number' && typeof o.end === 'number' && 'range' in o) { // syntax errors carry offsets only
        nodes++;
        assert.deepEqual(o.range, map.range(o.start, o.end), `range of ${JSON.stringify({ ...o, range: undefined }).slice(0, 120)} in ${JSON.stringify(text)}`);
      }
      for (const v of Object.values(x)) walk(v);
    };
    walk(tree);
    return nodes;
  }

  test('node ranges built from their children\'s positions equal fresh lookups, on the examples\' constructs', () => {
    const text = [
      'experiment e', 'dims { hidden = 2 * 8, h2 = -4 }', 'data text "a.txt" { seq_len = 3 }', 'model {',
      '  input x: int[batch, time] < vocab', '  input f: float[batch, time, 3]', '  a, st = lstm(f, hidden, layers = 2)',
      '  b = reshape(a, [batch * time, hidden])', '  c = dense(st.h, 3 + 1)', '  d = (e)', '  z = dense(', '}', 'train { loss = mse(c, y) }',
    ].join('\r\n');
    assert.ok(assertTreeRanges(text) > 50);
  });

  test('node ranges equal fresh lookups on random text', () => {
    const words = fc.constantFrom('model {', '}', 'input', 'x', 'h', ':', 'float', '[', ']', ',', '=', '(', ')', '*', '-', '+', '.', '1', '2.5', '"s"', 'dense', '<', ' ', '\n', '\r\n', '#c\n', '\\', '"');
    fc.assert(fc.property(fc.array(words, { maxLength: 60 }).map((w) => `model {\n${w.join(' ')}\n}`), (text) => { assertTreeRanges(text); }), { numRuns: 800, seed: SEED });
  });
});
