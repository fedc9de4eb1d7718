import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  argsFromValues, buildVocab, charTokens, createScanner, DataError, kerasWords, lineWords, MAX_VOCAB, mulberry32,
  scanText, shuffleInPlace, TokenCounter, UNK, PAD, wordTokens, deriveSeed,
} from '../../language/data';

test('chars are code points: a surrogate pair is one token', () => {
  assert.deepEqual(charTokens('a😀b'), ['a', '😀', 'b']);
});

test('text words split on whitespace, keep case and end a line with <eos>; a blank line gives nothing', () => {
  assert.deepEqual(lineWords('  The  cat sat.\t'), ['The', 'cat', 'sat.', '<eos>']);
  assert.deepEqual(lineWords('   '), []);
  assert.deepEqual(wordTokens('a\u00a0b'), ['a', 'b']);
});

test('classify words follow Keras text_to_word_sequence: lowercase, punctuation removed, apostrophes kept', () => {
  assert.deepEqual(kerasWords("Don't STOP, it's great!!! (really)"), ["don't", 'stop', "it's", 'great', 'really']);
});

test('a chars vocabulary is sorted by code point, as sorted(set(text))', () => {
  const c = new TokenCounter();
  c.add(charTokens('hello world\n'));
  const v = buildVocab(c, { kind: 'chars', specials: [], file: 'f' });
  assert.deepEqual(v.tokens, ['\n', ' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
  assert.equal(v.pad, undefined);
  assert.equal(v.unk, undefined);
});

test('a words vocabulary puts specials first, then words by frequency with ties in first-seen order', () => {
  const c = new TokenCounter([PAD, UNK]);
  c.add(['b', 'a', 'c', 'a', 'c', 'd']);
  const v = buildVocab(c, { kind: 'words', specials: [PAD, UNK], file: 'f' });
  assert.deepEqual(v.tokens, [PAD, UNK, 'a', 'c', 'b', 'd']);
  assert.equal(v.pad, 0);
  assert.equal(v.unk, 1);
});

test('vocab_size keeps the most frequent words, specials included, and the rest encode as <unk>', () => {
  const c = new TokenCounter([UNK]);
  const codes: number[] = [];
  c.add(['x', 'y', 'y', 'z', 'z', 'z', '<unk>'], codes);
  const v = buildVocab(c, { kind: 'words', specials: [UNK], vocabSize: 3, file: 'f' });
  assert.deepEqual(v.tokens, [UNK, 'z', 'y']);
  const m = c.codeMap(v);
  assert.deepEqual(codes.map(m), [0, 2, 2, 1, 1, 1, 0]);
});

test('a corpus that already writes <unk> maps it to the special, not to a second entry', () => {
  const c = new TokenCounter([UNK]);
  c.add(['<unk>', 'a', '<unk>']);
  const v = buildVocab(c, { kind: 'words', specials: [UNK], file: 'f' });
  assert.deepEqual(v.tokens, [UNK, 'a']);
});

test('a vocabulary past the limit is refused up front with the fix (vocab_size)', () => {
  const c = new TokenCounter([UNK]);
  c.add(Array.from({ length: 50 }, (_, i) => `w${i}`));
  assert.throws(() => buildVocab(c, { kind: 'words', specials: [UNK], maxVocab: 40, file: 'corpus.txt' }), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.equal(e.code, 'bad-argument');
    assert.match(e.message, /^corpus\.txt: 50 distinct words is more than the 40/);
    assert.match(e.message, /vocab_size/);
    return true;
  });
  // With a cap the same counts are fine.
  assert.equal(buildVocab(c, { kind: 'words', specials: [UNK], maxVocab: 40, vocabSize: 10, file: 'f' }).tokens.length, 10);
  assert.equal(MAX_VOCAB, 2_000_000);
});

test('vocab_size must leave room beside the reserved tokens', () => {
  const c = new TokenCounter([PAD, UNK]);
  c.add(['a']);
  assert.throws(() => buildVocab(c, { kind: 'words', specials: [PAD, UNK], vocabSize: 2, file: 'f' }), /leaves no room/);
});

test('the text scanner counts chars of every line and its line break; CRLF reads as LF; a BOM is dropped', () => {
  const a = scanText(createScanner('text', {}, 'a.txt'), '\ufeffab\r\nba\r\n');
  const b = scanText(createScanner('text', {}, 'b.txt'), 'ab\nba\n');
  assert.deepEqual(a.probe, b.probe);
  assert.equal(a.probe.dims.vocab, 3);
  assert.equal(a.probe.info?.tokens, 6);
});

test('data-block values become plain arguments (identifiers as strings, lists as arrays)', () => {
  assert.deepEqual(argsFromValues({
    tokens: { kind: 'name', name: 'words' },
    buckets: { kind: 'list', items: [{ kind: 'number', value: 10, integer: true }, { kind: 'number', value: 20, integer: true }] },
    path: { kind: 'string', value: 'x' },
    flag: { kind: 'bool', value: true },
  }), { tokens: 'words', buckets: [10, 20], path: 'x', flag: true });
});

test('mulberry32 repeats under a seed, stays in [0, 1) and derived seeds differ per stream', () => {
  const a = mulberry32(42), b = mulberry32(42);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((p, q) => p + q, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
  assert.notEqual(deriveSeed(42, 1), deriveSeed(42, 2));
  assert.notEqual(deriveSeed(42, 1), deriveSeed(43, 1));
  const p = [1, 2, 3, 4, 5, 6, 7, 8];
  shuffleInPlace(p, mulberry32(1));
  assert.deepEqual([...p].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.notDeepEqual(p, [1, 2, 3, 4, 5, 6, 7, 8]);
});
