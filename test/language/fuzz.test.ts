// Property tests: `analyze` never throws, never reports an internal error, answers quickly, and keeps every
// diagnostic range inside the document, on random text and on the examples mutated at random.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { analyze, LineMap, tokenize } from '../../language/index';
import type { Analysis, Range } from '../../language/index';

/** Generous: the machine is 2 shared cores. A typical check takes about a millisecond. */
const MAX_MS = 1000;
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);

const EXAMPLES_DIR = join(import.meta.dirname, '..', '..', 'examples');
const INLINE = [
  'experiment tiny\ndims { hidden = 16, embed = 8 }\ndata text "data/tiny.txt" { tokens = chars, seq_len = 20, batch = 4, valid = 0.1 }\nmodel {\n  input x: int[batch, time] < vocab\n  input y: int[batch, time] < vocab\n  e = embedding(x, vocab, embed)\n  h, st = lstm(e, hidden, layers = 2, dropout = 0.1)\n  logits = dense(h, vocab)\n}\ntrain {\n  loss = cross_entropy(logits, y)\n  optimizer = adam(lr = 1e-3)\n  clip = 5\n  metrics = [perplexity]\n}\nsample { prime = "The ", length = 40, temperature = 0.8 }\n',
  'dims { hidden = 32 }\ndata arithmetic { samples = 100, numbers = 2, largest = 9, ops = ["+", "*"], batch = 8 }\nmodel {\n  input x: int[batch, src] < vocab\n  input y: int[batch, tgt] < vocab\n  c = one_hot(x, vocab)\n  _, enc = lstm(c, hidden, bidirectional = true)\n  s = repeat(enc.h, tgt)\n  d, _ = lstm(s, hidden, init = enc, bidirectional = true)\n  r = reshape(d, [batch * tgt, 2 * hidden])\n  t = transpose(d, [tgt, batch, 2 * hidden])\n  m = mean(d, over = tgt)\n  k = concat(d, d, over = tgt)\n  logits = dense(d, vocab)\n}\ntrain { loss = cross_entropy(logits, y), metrics = [exact_match] }\npredict { from = "2+3" }\n',
  'data classify "data/reviews.csv" { text = "text", label = "label", max_len = 50, batch = 16 }\nmodel {\n  input x: int[batch, time] < vocab\n  input y: int[batch] < classes\n  e = embedding(x, vocab, 32)\n  h, _ = gru(e, 32)\n  f = last(h)\n  p = dense(f, 1, activation = sigmoid)\n}\ntrain { loss = binary_cross_entropy(p, y) }\n',
];
function examples(): string[] {
  let files: string[] = [];
  try { files = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.rnn')).sort(); } catch { /* not there yet */ }
  const texts = files.map((f) => readFileSync(join(EXAMPLES_DIR, f), 'utf8'));
  return [...texts, ...INLINE];
}

function within(r: Range, map: LineMap, text: string): boolean {
  const ok = (p: Range['start']) => Number.isInteger(p.line) && Number.isInteger(p.character) && p.line >= 0 && p.character >= 0
    && p.line < map.lineCount && p.character <= map.lineText(p.line).length;
  if (!ok(r.start) || !ok(r.end)) return false;
  const s = map.offset(r.start), e = map.offset(r.end);
  return s <= e && e <= text.length;
}

let slowest = 0;
let cases = 0;
/** The properties every analysis must have, whatever the text. */
function checkText(text: string, maxMs = MAX_MS): Analysis {
  const t0 = performance.now();
  let a: Analysis;
  try {
    a = analyze(text, { uri: 'file:///fuzz.rnn' });
  } catch (err) {
    assert.fail(`analyze threw on ${JSON.stringify(text)}: ${(err as Error)?.stack ?? err}`);
  }
  const ms = performance.now() - t0;
  cases++;
  slowest = Math.max(slowest, ms);
  assert.ok(ms < maxMs, `analyze took ${ms.toFixed(0)} ms on ${JSON.stringify(text.slice(0, 200))}`);
  const map = new LineMap(text);
  for (const d of a.diagnostics) {
    assert.ok(!/internal error/.test(d.message), `internal error on ${JSON.stringify(text)}: ${d.message}`);
    assert.ok(within(d.range, map, text), `diagnostic range outside the document: ${JSON.stringify(d.range)} (${d.code}: ${d.message}) in ${JSON.stringify(text)}`);
    for (const r of d.related ?? []) assert.ok(within(r.range, map, text), `related range outside the document: ${JSON.stringify(r.range)}`);
    for (const q of d.quickFixes ?? []) {
      for (const e of q.edits) assert.ok(within(e.range, map, text), `quick-fix edit outside the document: ${JSON.stringify(e.range)} (${q.title})`);
      // LSP: the edits of one fix must not overlap (inserts at one position are allowed).
      const spans = q.edits.map((e) => [map.offset(e.range.start), map.offset(e.range.end)]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], `overlapping edits in quick fix ${q.title}`);
    }
  }
  // The tokens stay lossless on any input.
  let at = 0;
  for (const tok of tokenize(text)) {
    assert.ok(/^[ \t\uFEFF]*$/.test(text.slice(at, tok.start)) && text.slice(tok.start, tok.end) === tok.text, `tokens lose text near offset ${at}`);
    at = tok.end;
  }
  assert.ok(/^[ \t\uFEFF]*$/.test(text.slice(at)));
  return a;
}

// Characters and words the language is made of, plus a few it is not.
const WORDS = [
  'experiment', 'dims', 'data', 'model', 'train', 'sample', 'predict', 'input', 'int', 'float', 'true', 'false',
  'text', 'classify', 'pairs', 'series', 'arithmetic', 'sine', 'adding', 'embedding', 'one_hot', 'lstm', 'gru',
  'rnn', 'dense', 'dropout', 'relu', 'last', 'first', 'mean', 'max', 'repeat', 'concat', 'reshape', 'transpose',
  'batch', 'time', 'vocab', 'hidden', 'src', 'tgt', 'x', 'y', 'h', 'st', 'enc', '_', 'over', 'init', 'layers',
  'bidirectional', 'loss', 'cross_entropy', 'mse', 'optimizer', 'adam', 'lr', 'epochs', 'metrics', 'buckets',
  '"data/tiny.txt"', '"unclosed', "'q'", '1e-3', '0.5', '256', '-1', '.5', '12abc', '#c', '\n', '\n', '\n',
];
const CHARS = '{}()[],=:<.*+-/#"\' \t\n\r_abxyz0129e\u00e9\u{1F600}@$\\\uFEFF';
const fragment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 3, arbitrary: fc.constantFrom(...[...CHARS]) },
  { weight: 1, arbitrary: fc.string({ maxLength: 3 }) },
);
const soup = fc.array(fragment, { maxLength: 80 }).map((parts) => parts.join(''));
const blockSoup = fc.tuple(fc.constantFrom('dims', 'data text "a.txt"', 'data sine', 'model', 'train', 'sample', 'bogus'), soup)
  .map(([kw, body]) => `${kw} {\n${body}\n}\n`);

/** One mutation of a text: character or token level, positions as fractions so they fit any length. */
type Mutation =
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'insert'; at: number; s: string }
  | { kind: 'dup'; at: number; len: number; to: number }
  | { kind: 'tokdelete' | 'tokdup'; at: number }
  | { kind: 'tokswap'; at: number; to: number };
const frac = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: frac, len: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: frac, s: fragment }),
  fc.record({ kind: fc.constant('dup' as const), at: frac, len: fc.integer({ min: 1, max: 40 }), to: frac }),
  fc.record({ kind: fc.constantFrom('tokdelete' as const, 'tokdup' as const), at: frac }),
  fc.record({ kind: fc.constant('tokswap' as const), at: frac, to: frac }),
);
function mutate(text: string, m: Mutation): string {
  const pos = (f: number) => Math.floor(f * (text.length + 1));
  switch (m.kind) {
    case 'delete': { const i = pos(m.at); return text.slice(0, i) + text.slice(i + m.len); }
    case 'insert': { const i = pos(m.at); return text.slice(0, i) + m.s + text.slice(i); }
    case 'dup': { const i = pos(m.at), j = pos(m.to); return text.slice(0, j) + text.slice(i, i + m.len) + text.slice(j); }
    default: {
      const toks = tokenize(text);
      if (!toks.length) return text;
      const t = toks[Math.floor(m.at * toks.length)];
      if (m.kind !== 'tokswap') return m.kind === 'tokdelete' ? text.slice(0, t.start) + text.slice(t.end) : text.slice(0, t.end) + ' ' + t.text + text.slice(t.end);
      const u = toks[Math.floor(m.to * toks.length)];
      if (u === t) return text;
      const [a, b] = t.start < u.start ? [t, u] : [u, t];
      return text.slice(0, a.start) + b.text + text.slice(a.end, b.start) + a.text + text.slice(b.end);
    }
  }
}

describe('fuzz', () => {
  test('random text from the language\'s alphabet: analyze never throws, is fast, keeps ranges in the document', () => {
    fc.assert(fc.property(soup, (t) => { checkText(t); }), { numRuns: 1500, seed: SEED });
  });
  test('random blocks of random content: the same properties', () => {
    fc.assert(fc.property(fc.array(blockSoup, { maxLength: 4 }), (bs) => { checkText(bs.join('')); }), { numRuns: 600, seed: SEED + 1 });
  });
  test('the examples check without errors before mutation (the fuzz starts from valid files)', () => {
    for (const t of INLINE) {
      const a = checkText(t);
      const errs = a.diagnostics.filter((d) => d.severity === 1 && d.code !== 'missing-file');
      assert.deepEqual(errs.map((d) => d.message), [], t);
    }
  });
  test('the examples mutated by random deletions, insertions, duplications and token edits', () => {
    const texts = examples();
    assert.ok(texts.length >= INLINE.length);
    const arb = fc.tuple(fc.nat({ max: texts.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }));
    fc.assert(fc.property(arb, ([i, ms]) => { checkText(ms.reduce(mutate, texts[i])); }), { numRuns: 2500, seed: SEED + 2 });
  });
  test('pathological inputs: deep nesting, long products, long lines, many statements, only openers', () => {
    // Each of these once overflowed the stack or went quadratic; they are 10-100 KB, hence the larger bound.
    const many = `dims { hidden = 8 }\nmodel {\n  input x: float[batch, time, f]\n${Array.from({ length: 400 }, (_, i) => `  a${i} = relu(${i ? 'a' + (i - 1) : 'x'})`).join('\n')}\n}\n`;
    const inputs = [
      '('.repeat(5000), '['.repeat(5000), 'model { h = f(' + '['.repeat(3000), '{'.repeat(3000), '"'.repeat(9999), '\r\n'.repeat(2000), 'a'.repeat(100000), many,
      'model {\n  x = ' + '-'.repeat(10000) + '1\n}',
      'dims { a = 2 }\nmodel {\n  input x: float[batch, a]\n  r = reshape(x, [batch * ' + 'a * '.repeat(10000) + 'a])\n}',
      'model { ' + 'a, '.repeat(3000) + '= lstm(x, 3) }',
      'model { ' + 'a, '.repeat(3000) + 'b }',
      'train {\n  loss = mse(' + 'last('.repeat(5000) + 'x' + ')'.repeat(5000) + ', y)\n}',
    ];
    for (const t of inputs) {
      const a = checkText(t, 3000);
      assert.ok(a.diagnostics.length < 100, `one problem, not a cascade: ${a.diagnostics.length} diagnostics for ${JSON.stringify(t.slice(0, 60))}`);
    }
  });
  test('report: cases run and the slowest check', () => {
    // Printed for the test log; the bound itself is asserted per case above.
    console.log(`fuzz: ${cases} analyses, slowest ${slowest.toFixed(1)} ms`);
    assert.ok(cases > 4000);
  });
});
