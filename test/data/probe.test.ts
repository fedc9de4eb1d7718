import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFsDataHost, formatLengthReport, probeDims } from '../../language/data';
import { loadDataset } from '../../engine/data';
import { dataSource, EXAMPLES, tempDir, writeTemp } from './helpers';

const dir = tempDir();

test('text probe: chars vocab is the distinct characters, line breaks included', () => {
  const p = writeTemp(dir, 'a.txt', 'abba\ncab\n');
  const r = createFsDataHost().probe({ source: 'text', path: p, args: {} });
  assert.deepEqual(r?.dims, { vocab: 4, batch: 32, time: 100 });
  assert.deepEqual(r?.info, { lines: 2, tokens: 9, distinct: 4 });
});

test('text probe: words count <unk> (and <pad> with buckets); time is left to the buckets', () => {
  const p = writeTemp(dir, 'w.txt', 'the cat sat\nthe dog\n\n');
  const host = createFsDataHost();
  assert.equal(host.probe({ source: 'text', path: p, args: { tokens: 'words' } })?.dims.vocab, 1 + 5); // <unk> the cat sat dog <eos>
  const b = host.probe({ source: 'text', path: p, args: { tokens: 'words', buckets: [4, 8], batch: 2 } });
  assert.deepEqual(b?.dims, { vocab: 2 + 5, batch: 2 });
  assert.equal(host.probe({ source: 'text', path: p, args: { tokens: 'words', vocab_size: 4 } })?.dims.vocab, 4);
});

test('classify probe: vocab with <pad> and <unk>, classes are the distinct labels (CSV, TSV and JSONL agree)', () => {
  const csv = writeTemp(dir, 'c.csv', 'text,label\n"Good, good movie",pos\nBad movie,neg\nfine,meh\n');
  const tsv = writeTemp(dir, 'c.tsv', 'text\tlabel\nGood, good movie\tpos\nBad movie\tneg\nfine\tmeh\n');
  const jsonl = writeTemp(dir, 'c.jsonl', '{"text": "Good, good movie", "label": "pos"}\n{"text": "Bad movie", "label": "neg"}\n\n{"text": "fine", "label": "meh"}\n');
  const host = createFsDataHost();
  for (const path of [csv, tsv, jsonl]) {
    const r = host.probe({ source: 'classify', path, args: {} });
    assert.deepEqual(r?.dims, { vocab: 2 + 4, classes: 3, batch: 32, time: 200 }, path);
  }
});

test('classify probe: other column names are read from the text and label arguments', () => {
  const p = writeTemp(dir, 'named.csv', 'review,stars\nnice,5\nawful,1\n');
  const r = createFsDataHost().probe({ source: 'classify', path: p, args: { text: 'review', label: 'stars', max_len: 50 } });
  assert.deepEqual(r?.dims, { vocab: 4, classes: 2, batch: 32, time: 50 });
});

test('pairs probe: a shared vocabulary with <pad> <unk> <s> </s>; src is the longest source, tgt the longest target + 1', () => {
  const r = createFsDataHost().probe({ source: 'pairs', path: join(EXAMPLES, 'pronunciations.csv'), args: { source: 'spelling', target: 'pronunciation' } });
  assert.equal(r?.error, undefined);
  const rows = readFileSync(join(EXAMPLES, 'pronunciations.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  assert.equal(r?.dims.src, Math.max(...rows.map((c) => c[0].length)));
  assert.equal(r?.dims.tgt, Math.max(...rows.map((c) => c[1].length)) + 1);
  const p = writeTemp(dir, 'p.csv', 'source,target\nab,xyz\nb,x\n');
  assert.deepEqual(createFsDataHost().probe({ source: 'pairs', path: p, args: {} })?.dims, { vocab: 4 + 5, src: 2, tgt: 4, batch: 32 });
});

test('series probe: features are the numeric columns (a date column is skipped) or the named ones', () => {
  const host = createFsDataHost();
  const w = join(EXAMPLES, 'weather.csv');
  assert.deepEqual(host.probe({ source: 'series', path: w, args: {} })?.dims, { features: 2, batch: 32, time: 20 });
  assert.deepEqual(host.probe({ source: 'series', path: w, args: { columns: ['humidity'], window: 7 } })?.dims, { features: 1, batch: 32, time: 7 });
});

test('probe errors carry the 1-based line and the code', () => {
  const host = createFsDataHost();
  const cases: [string, string, Record<string, string | number | string[]>, string, number | undefined, RegExp][] = [
    ['classify', 'text,label\na,pos\nb,neg,extra\n', {}, 'cols.csv', 3, /expected 2 columns \(text, label\), found 3/],
    ['classify', '{"text":"a","label":"x"}\n{"text": "b", label: y}\n', {}, 'bad.jsonl', 2, /not valid JSON/],
    ['classify', '{"text":"a","label":"x"}\n{"text":"b"}\n', {}, 'missing.jsonl', 2, /no "label" field/],
    ['classify', 'review,label\na,x\n', {}, 'hdr.csv', 1, /column "text" is not in the header \(columns: review, label\)/],
    ['classify', 'text,label\n"open quote,x\nmore\n', {}, 'quote.csv', 2, /never closed/],
    ['classify', 'text,label\na,\nb,y\n', {}, 'nolabel.csv', 2, /"label" cell is empty/],
    ['series', 'a,b\n1,2\n3,x\n', { window: 1 }, 'num.csv', 3, /column "b" holds "x", not a number/],
    ['pairs', 'source,target\n', {}, 'norows.csv', 1, /header but no rows/],
  ];
  for (const [source, content, args, name, line, re] of cases) {
    const r = host.probe({ source, path: writeTemp(dir, name, content), args });
    assert.ok(r?.error, name);
    assert.equal(r.error.code, 'data-mismatch', name);
    assert.equal(r.error.line, line, name);
    assert.match(r.error.message, re, name);
  }
});

test('a missing file, an empty file and a bad argument are reported, not thrown', () => {
  const host = createFsDataHost();
  const missing = host.probe({ source: 'text', path: join(dir, 'nope.txt'), args: {} });
  assert.equal(missing?.error?.code, 'missing-file');
  const empty = host.probe({ source: 'text', path: writeTemp(dir, 'empty.txt', ''), args: {} });
  assert.equal(empty?.error?.code, 'data-mismatch');
  assert.match(empty!.error!.message, /empty/);
  const bad = host.probe({ source: 'text', path: writeTemp(dir, 'ok.txt', 'abc\n'), args: { tokens: 'bytes' } });
  assert.equal(bad?.error?.code, 'bad-argument');
  assert.match(bad!.error!.message, /tokens.*chars or words/);
  assert.equal(host.probe({ source: 'text', path: dir, args: {} })?.error?.code, 'missing-file', 'a folder is not a data file');
  assert.equal(host.probe({ source: 'sine', path: join(dir, 'ok.txt'), args: {} })?.error?.code, 'bad-argument');
  assert.equal(host.exists(join(dir, 'ok.txt')), true);
  assert.equal(host.exists(dir), false);
});

test('a too-large vocabulary is a bad-argument probe error that suggests vocab_size', () => {
  const words = Array.from({ length: 300 }, (_, i) => `w${i}`).join(' ');
  const p = writeTemp(dir, 'many.txt', words + '\n');
  const r = createFsDataHost({ maxVocab: 100 }).probe({ source: 'text', path: p, args: { tokens: 'words' } });
  assert.equal(r?.error?.code, 'bad-argument');
  assert.match(r!.error!.message, /301 distinct words is more than the 100.*vocab_size/);
});

test('a large file is read in the background: undefined first, then the sizes, then a cache hit until the mtime changes', async () => {
  // ~3 MB of words: over the 1 MB synchronous limit.
  const line = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu\n';
  const p = writeTemp(dir, 'big.txt', line.repeat(Math.ceil(3e6 / line.length)));
  let settled = 0;
  const host = createFsDataHost({ onSettled: () => settled++ });
  const req = { source: 'text', path: p, args: { tokens: 'words' } };
  assert.equal(host.probe(req), undefined);
  assert.equal(host.probe(req), undefined, 'still reading: no second read is started');
  assert.equal(settled, 0, 'the read runs after the probe returned, not inside it');
  await host.idle();
  assert.equal(settled, 1);
  const r = host.probe(req);
  assert.deepEqual(r?.dims, { vocab: 1 + 13, batch: 32, time: 100 });
  assert.equal(host.scans, 1);
  assert.equal(host.probe(req), r, 'unchanged file: the cached answer');
  assert.equal(host.scans, 1);
  // A new mtime (and content) is a new read.
  writeFileSync(p, 'one two\n'.repeat(200_000));
  const later = new Date(Date.now() + 5000);
  utimesSync(p, later, later);
  assert.equal(host.probe(req), undefined);
  await host.idle();
  assert.equal(host.probe(req)?.dims.vocab, 1 + 3);
  assert.equal(settled, 2);
});

test('a malformed row in a large file is found by the background read', async () => {
  const rows = Array.from({ length: 40_000 }, (_, i) => `"review number ${i} was fine",${i % 2 ? 'pos' : 'neg'}`);
  rows[30_000] = 'broken row without a label';
  const p = writeTemp(dir, 'bigbad.csv', 'text,label\n' + rows.join('\n') + '\n');
  const host = createFsDataHost({ maxSyncBytes: 64 * 1024 });
  const req = { source: 'classify', path: p, args: {} };
  assert.equal(host.probe(req), undefined);
  await host.idle();
  const r = host.probe(req);
  assert.equal(r?.error?.line, 30_002);
  assert.match(r!.error!.message, /expected 2 columns/);
});

test("the probe's sizes are the loader's sizes", async () => {
  const host = createFsDataHost();
  const cases: [string, string, Record<string, string | number | number[]>][] = [
    ['text', 'tiny.txt', {}],
    ['text', 'tiny.txt', { tokens: 'words', buckets: [8, 16], batch: 4 }],
    ['classify', 'reviews.csv', { max_len: 40 }],
    ['pairs', 'pronunciations.csv', { source: 'spelling', target: 'pronunciation', batch: 8 }],
    ['series', 'weather.csv', {}],
  ];
  for (const [source, file, args] of cases) {
    const path = join(EXAMPLES, file);
    const probe = host.probe({ source, path, args });
    const d = await loadDataset(dataSource(source, path, args), { seed: 1, baseDir: EXAMPLES });
    for (const [k, v] of Object.entries(probe!.dims)) assert.equal(d.dims[k], v, `${source} ${file} ${k}`);
    if (d.vocab) assert.equal(d.vocab.tokens.length, probe!.dims.vocab);
  }
});

test('generator sizes: arithmetic 8/4/13 by default and derived from numbers, largest and ops', () => {
  assert.deepEqual(probeDims('arithmetic', {}).dims, { src: 8, tgt: 4, vocab: 13, batch: 32 });
  // 4 numbers up to 99: "99*99*99*99" is 11 chars; 99^4 = 96059601 is 8 digits.
  assert.deepEqual(probeDims('arithmetic', { numbers: 4, largest: 99 }).dims, { src: 11, tgt: 8, vocab: 13, batch: 32 });
  // Only +: 3*10 = 30 is 2 digits, and the vocabulary loses '*'.
  assert.deepEqual(probeDims('arithmetic', { ops: ['+'], batch: 16 }).dims, { src: 8, tgt: 2, vocab: 12, batch: 16 });
  assert.deepEqual(probeDims('sine', { seq_len: 30 }).dims, { time: 30, batch: 1 });
  assert.deepEqual(probeDims('adding', {}).dims, { time: 55, batch: 100 });
  const bad = probeDims('arithmetic', { ops: ['-'] });
  assert.equal(bad.error?.code, 'bad-argument');
  assert.match(bad.error!.message, /ops may hold/);
  assert.equal(probeDims('sine', { seq_len: 2.5 }).error?.code, 'bad-argument');
});

test('the probe says what the rows became: read, kept, cut by max_len, dropped, and the length spread', () => {
  const rows = Array.from({ length: 20 }, (_, i) => `${Array.from({ length: i + 1 }, () => 'w').join(' ')},${i % 2 ? 'a' : 'b'}`);
  const csv = writeTemp(dir, 'lens.csv', `text,label\n${rows.join('\n')}\n`);
  const host = createFsDataHost();
  const c = host.probe({ source: 'classify', path: csv, args: { max_len: 15 } })!.lengths!;
  assert.deepEqual(c, { unit: 'words', rows: 20, kept: 20, cut: 5, cutBy: 'max_len = 15', dropped: 0, spread: { median: 10, p95: 19, longest: 20 } });
  assert.equal(formatLengthReport(c), '20 rows read, 20 kept (5 rows cut to max_len = 15); words per row: median 10, 95th percentile 19, longest 20');
  const empty = writeTemp(dir, 'lens-empty.csv', 'text,label\n"",a\nsome words,b\n"!!",a\n');
  assert.equal(formatLengthReport(host.probe({ source: 'classify', path: empty, args: {} })!.lengths!), '3 rows read, 3 kept (none cut to max_len = 200, 2 rows with no words, each read as one padding step); words per row: median 0, 95th percentile 2, longest 2');
  const pairs = writeTemp(dir, 'lens-pairs.csv', 'source,target\nab,x\nabcd,x y z\nabc,x y\n');
  const p = host.probe({ source: 'pairs', path: pairs, args: { target_tokens: 'words' } })!.lengths!;
  assert.deepEqual([p.spread, p.target?.spread], [{ median: 3, p95: 4, longest: 4 }, { median: 2, p95: 3, longest: 3 }]);
  // Sentences: a word and its <eos> are two tokens (one to predict); one past the largest bucket is cut to it.
  const txt = writeTemp(dir, 'lens.txt', 'a\nthe cat sat\nthe cat sat on the mat today\n\n');
  const t = host.probe({ source: 'text', path: txt, args: { tokens: 'words', buckets: [4, 6] } })!.lengths!;
  assert.deepEqual([t.rows, t.kept, t.dropped, t.cut], [3, 3, 0, 1]);
  assert.equal(formatLengthReport(t), '3 sentences read, 3 kept (1 sentence cut to the largest bucket (6)); tokens per sentence: median 4, 95th percentile 8, longest 8');
});
