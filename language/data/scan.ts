// One pass over a data file, line by line, that yields the sizes the checker needs (DataProbe) and, for the
// engine's loader, the parsed content. The probe (streamed in chunks) and the loader (whole file) run the
// same scanner, so the checker's `vocab`, `classes`, `src`, `tgt`, `features` are the engine's.
import type { DataProbe, LengthReport } from '../types';
import { LengthCounter } from './lengths';
import { ArgReader, type PlainArgs, type TokenKind } from './args';
import { DataError } from './errors';
import { emptyFile, RowReader, type Row } from './rows';
import { charTokens, fieldTokens, lineWords } from './tokenize';
import { BOS, buildVocab, EOS_PAIR, PAD, TokenCounter, UNK, type Vocab } from './vocab';

export interface ScanOptions {
  /** Keep the parsed content (the loader); the probe only counts. */
  collect?: boolean;
  /** Override MAX_VOCAB (tests). */
  maxVocab?: number;
}

export interface TextSettings {
  tokens: TokenKind; seqLen: number; batch: number; valid: number; buckets?: number[]; vocabSize?: number;
  /** Extension: false keeps a stream's batches in text order (each row continues the previous batch's row). */
  shuffle: boolean;
}
export interface ClassifySettings { textCol: string; labelCol: string; tokens: TokenKind; maxLen: number; vocabSize?: number; batch: number; valid: number }
export interface PairsSettings {
  sourceCol: string; targetCol: string; tokens: TokenKind; vocabSize?: number; batch: number; valid: number;
  /** Extension: how the target column splits (`target_tokens`, default `tokens`): letters in, phonemes out. */
  targetTokens: TokenKind;
}
export interface SeriesSettings { columns?: string[]; window: number; horizon: number; batch: number; valid: number }

export interface ScanResult {
  probe: DataProbe;
  vocab?: Vocab;
  labels?: string[];
  /** series: the columns used, in order. */
  columns?: string[];
  /** text (collect): the ids of each line (as textLineTokens splits it; blank lines give none). */
  seqs?: Int32Array[];
  /** classify/pairs (collect): rows as ids (classify: x and the label; pairs: x and y). */
  rows?: { x: Int32Array; y?: Int32Array; label?: string; line: number }[];
  /** series (collect): one number array per row. */
  values?: number[][];
  /** pairs: vocabulary tokens no source row has (a phoneme): an input holding one is not in the source's language. */
  targetOnly?: string[];
}

export interface Scanner {
  /** `newline`: whether a line break followed this line in the file. */
  line(text: string, lineNo: number, newline: boolean): void;
  finish(lastLine: number): ScanResult;
}

export function textSettings(r: ArgReader): TextSettings {
  const buckets = r.ints('buckets');
  return {
    tokens: r.tokens(), seqLen: r.int('seq_len'), batch: r.int('batch'), valid: r.fraction('valid'),
    buckets: buckets ? [...new Set(buckets)].sort((a, b) => a - b) : undefined, vocabSize: r.vocabSize(),
    shuffle: r.bool('shuffle'),
  };
}
export function classifySettings(r: ArgReader): ClassifySettings {
  return { textCol: r.str('text'), labelCol: r.str('label'), tokens: r.tokens(), maxLen: r.int('max_len'), vocabSize: r.vocabSize(), batch: r.int('batch'), valid: r.fraction('valid') };
}
export function pairsSettings(r: ArgReader): PairsSettings {
  const tokens = r.tokens();
  return {
    sourceCol: r.str('source'), targetCol: r.str('target'), tokens, targetTokens: r.has('target_tokens') ? r.tokens('target_tokens') : tokens,
    vocabSize: r.vocabSize(), batch: r.int('batch'), valid: r.fraction('valid'),
  };
}
export function seriesSettings(r: ArgReader): SeriesSettings {
  return { columns: r.strings('columns'), window: r.int('window'), horizon: r.int('horizon', 1), batch: r.int('batch'), valid: r.fraction('valid') };
}

/** Special tokens of a text vocabulary: `<pad>` with buckets, `<unk>` for words or a capped vocabulary. */
export function textSpecials(s: TextSettings): string[] {
  const sp: string[] = [];
  if (s.buckets) sp.push(PAD);
  if (s.tokens === 'words' || s.vocabSize !== undefined) sp.push(UNK);
  return sp;
}

/** Tokens of one line of a text file. Streams of chars keep every line break; sentences (buckets) and
 *  words skip blank lines and end each sentence with `\n` (chars) or `<eos>` (words). */
export function textLineTokens(line: string, s: TextSettings, newline: boolean): string[] {
  if (s.tokens === 'words') return lineWords(line);
  if (s.buckets) return line.trim() ? [...charTokens(line), '\n'] : [];
  const t = charTokens(line);
  if (newline) t.push('\n');
  return t;
}

export function createScanner(source: string, args: PlainArgs, file: string, opts: ScanOptions = {}): Scanner {
  const r = new ArgReader(source, args, file);
  switch (source) {
    case 'text': return textScanner(textSettings(r), file, opts);
    case 'classify': return classifyScanner(classifySettings(r), file, opts);
    case 'pairs': return pairsScanner(pairsSettings(r), file, opts);
    case 'series': return seriesScanner(seriesSettings(r), file, opts);
    default: throw new DataError(file, `${source} is not a data source that reads a file`, { code: 'bad-argument' });
  }
}

function textScanner(s: TextSettings, file: string, opts: ScanOptions): Scanner {
  const specials = textSpecials(s);
  const counter = new TokenCounter(specials);
  const seqs: number[][] = [];
  const lengths = new LengthCounter();
  let nTokens = 0, nLines = 0, bytesSeen = false;
  return {
    line(text, _lineNo, newline) {
      if (text || newline) bytesSeen = true;
      const t = textLineTokens(text, s, newline);
      nTokens += t.length;
      nLines++;
      if (s.buckets && t.length) lengths.add(t.length);
      if (opts.collect) {
        const codes: number[] = [];
        counter.add(t, codes);
        seqs.push(codes);
      } else counter.add(t);
    },
    finish() {
      if (!bytesSeen) throw emptyFile(file);
      if (nTokens === 0) throw new DataError(file, s.tokens === 'words' ? 'the file has no words' : 'the file has no text', { fix: 'point the data block at a file with text' });
      const vocab = buildVocab(counter, { kind: s.tokens, specials, vocabSize: s.vocabSize, maxVocab: opts.maxVocab, file });
      const dims: Record<string, number> = { vocab: vocab.tokens.length, batch: s.batch };
      if (!s.buckets) dims.time = s.seqLen;
      return {
        probe: { dims, info: { lines: nLines, tokens: nTokens, distinct: counter.distinct }, ...(s.buckets ? { lengths: sentenceReport(lengths, s.buckets) } : {}) },
        vocab, seqs: opts.collect ? mapCodes(seqs, counter.codeMap(vocab)) : undefined,
      };
    },
  };
}

// Plain loops: a typed array's from(array, fn) goes through the iterator protocol and is far slower here.
function mapCodes(seqs: number[][], m: (c: number) => number): Int32Array[] {
  return seqs.map((q) => mapSeq(q, m));
}
function mapSeq(q: number[], m: (c: number) => number): Int32Array {
  const out = new Int32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = m(q[i]);
  return out;
}

function cellOf(row: Row, col: string, file: string, arg: string): string {
  const v = row.cells[col] ?? '';
  if (!v.trim()) throw new DataError(file, `the "${col}" cell is empty`, { line: row.line, fix: `give every row a ${arg === 'label' ? 'label' : 'value'} in column "${col}" or remove the row` });
  return v;
}

function classifyScanner(s: ClassifySettings, file: string, opts: ScanOptions): Scanner {
  const reader = new RowReader(file, [s.textCol, s.labelCol], { [s.textCol]: 'text', [s.labelCol]: 'label' });
  const specials = [PAD, UNK];
  const counter = new TokenCounter(specials);
  const labels = new Set<string>();
  const rows: { x: number[]; label: string; line: number }[] = [];
  const lengths = new LengthCounter();
  let sawText = false;
  return {
    line(text, lineNo) {
      if (text.trim()) sawText = true;
      const row = reader.line(text, lineNo);
      if (!row) return;
      const label = cellOf(row, s.labelCol, file, 'label').trim();
      const toks = fieldTokens(row.cells[s.textCol] ?? '', s.tokens, 'keras');
      labels.add(label);
      lengths.add(toks.length);
      if (opts.collect) {
        const x: number[] = [];
        counter.add(toks, x);
        rows.push({ x, label, line: row.line });
      } else counter.add(toks);
    },
    finish(lastLine) {
      if (!sawText) throw emptyFile(file);
      reader.end(lastLine);
      const sorted = sortLabels([...labels]);
      if (sorted.length < 2) throw new DataError(file, `every row has the label "${sorted[0]}"; a classifier needs at least 2 classes`, { fix: `check the label column ("${s.labelCol}")` });
      const vocab = buildVocab(counter, { kind: s.tokens, specials, vocabSize: s.vocabSize, maxVocab: opts.maxVocab, file });
      return {
        probe: {
          dims: { vocab: vocab.tokens.length, classes: sorted.length, batch: s.batch, time: s.maxLen }, info: { rows: reader.rows, distinct: counter.distinct },
          lengths: {
            unit: unitOf(s.tokens), rows: lengths.rows, kept: lengths.rows, cut: lengths.over(s.maxLen), cutBy: `max_len = ${s.maxLen}`, dropped: 0,
            ...(lengths.under(1) ? { empty: lengths.under(1) } : {}), spread: lengths.spread(),
          },
        },
        vocab, labels: sorted,
        rows: opts.collect ? ((m) => rows.map((r) => ({ x: mapSeq(r.x, m), label: r.label, line: r.line })))(counter.codeMap(vocab)) : undefined,
      };
    },
  };
}

const unitOf = (t: TokenKind) => (t === 'chars' ? 'characters' : 'words');

/** Sentences (text with buckets): one of a single token has nothing to predict; a longer one than the largest
 *  bucket is cut to it (engine/data/text.ts). Lengths count the sentence's end token. */
function sentenceReport(lengths: LengthCounter, buckets: number[]): LengthReport {
  const largest = Math.max(...buckets);
  const dropped = lengths.under(2);
  return {
    what: 'sentence', unit: 'tokens', rows: lengths.rows, kept: lengths.rows - dropped, cut: lengths.over(largest), cutBy: `the largest bucket (${largest})`,
    dropped, droppedWhy: 'one token: nothing to predict', spread: lengths.spread(),
  };
}

/** Labels in sorted order: numerically when every label is a number, else by string. */
export function sortLabels(labels: string[]): string[] {
  const numeric = labels.every((l) => l !== '' && Number.isFinite(Number(l)));
  return numeric ? labels.sort((a, b) => Number(a) - Number(b)) : labels.sort();
}

export const PAIR_SPECIALS = [PAD, UNK, BOS, EOS_PAIR];

/** The shared vocabulary's kind: chars (ordered by code point) only when both sides are characters. */
export function pairsVocabKind(s: PairsSettings): TokenKind {
  return s.tokens === 'chars' && s.targetTokens === 'chars' ? 'chars' : 'words';
}

function pairsScanner(s: PairsSettings, file: string, opts: ScanOptions): Scanner {
  const reader = new RowReader(file, [s.sourceCol, s.targetCol], { [s.sourceCol]: 'source', [s.targetCol]: 'target' });
  const counter = new TokenCounter(PAIR_SPECIALS);
  const rows: { x: number[]; y: number[]; line: number }[] = [];
  const inSources = new Set<string>();
  const srcLengths = new LengthCounter(), tgtLengths = new LengthCounter();
  let maxSrc = 0, maxTgt = 0, sawText = false;
  return {
    line(text, lineNo) {
      if (text.trim()) sawText = true;
      const row = reader.line(text, lineNo);
      if (!row) return;
      const x = fieldTokens(cellOf(row, s.sourceCol, file, 'source'), s.tokens, 'plain');
      const y = fieldTokens(cellOf(row, s.targetCol, file, 'target'), s.targetTokens, 'plain');
      maxSrc = Math.max(maxSrc, x.length);
      maxTgt = Math.max(maxTgt, y.length);
      srcLengths.add(x.length);
      tgtLengths.add(y.length);
      for (const t of x) inSources.add(t);
      if (opts.collect) {
        const xc: number[] = [], yc: number[] = [];
        counter.add(x, xc);
        counter.add(y, yc);
        rows.push({ x: xc, y: yc, line: row.line });
      } else {
        counter.add(x);
        counter.add(y);
      }
    },
    finish(lastLine) {
      if (!sawText) throw emptyFile(file);
      reader.end(lastLine);
      const vocab = buildVocab(counter, { kind: pairsVocabKind(s), specials: PAIR_SPECIALS, vocabSize: s.vocabSize, maxVocab: opts.maxVocab, file });
      // tgt: the target and its end token `</s>` (y), or the start token and the target (y_in).
      return {
        probe: {
          dims: { vocab: vocab.tokens.length, src: maxSrc, tgt: maxTgt + 1, batch: s.batch }, info: { rows: reader.rows, distinct: counter.distinct },
          lengths: {
            unit: `source ${unitOf(s.tokens)}`, rows: srcLengths.rows, kept: srcLengths.rows, cut: 0, dropped: 0, spread: srcLengths.spread(),
            target: { unit: `target ${unitOf(s.targetTokens)}`, spread: tgtLengths.spread() },
          },
        },
        vocab,
        targetOnly: vocab.tokens.filter((t) => !inSources.has(t) && !PAIR_SPECIALS.includes(t)),
        rows: opts.collect ? ((m) => rows.map((r) => ({ x: mapSeq(r.x, m), y: mapSeq(r.y, m), line: r.line })))(counter.codeMap(vocab)) : undefined,
      };
    },
  };
}

function seriesScanner(s: SeriesSettings, file: string, opts: ScanOptions): Scanner {
  const reader = new RowReader(file, s.columns, Object.fromEntries((s.columns ?? []).map((c) => [c, 'columns'])));
  let cols = s.columns;
  const values: number[][] = [];
  let sawText = false;
  return {
    line(text, lineNo) {
      if (text.trim()) sawText = true;
      const row = reader.line(text, lineNo);
      if (!row) return;
      if (!cols) {
        // Without `columns`, the numeric columns of the first row are the features (a date column is skipped).
        cols = (reader.header ?? Object.keys(row.cells)).filter((c) => isNumber(row.cells[c]));
        if (cols.length === 0) throw new DataError(file, 'no column of the first row holds a number', { line: row.line, fix: 'name the numeric columns with columns = ["a", "b"]' });
      }
      const v: number[] = [];
      for (const c of cols) {
        const cell = row.cells[c] ?? '';
        if (!isNumber(cell)) throw new DataError(file, `column "${c}" holds ${cell.trim() ? `"${cell.trim()}"` : 'nothing'}, not a number`, { line: row.line, fix: 'write a number in every cell of the columns used, or leave the column out of columns = [...]' });
        v.push(Number(cell));
      }
      if (opts.collect) values.push(v);
    },
    finish(lastLine) {
      if (!sawText) throw emptyFile(file);
      reader.end(lastLine);
      const need = s.window + s.horizon;
      if (reader.rows < need) throw new DataError(file, `${reader.rows} rows are fewer than window + horizon = ${need}`, { code: 'bad-argument', fix: `lower window (now ${s.window}) or add rows` });
      return {
        probe: { dims: { features: cols!.length, batch: s.batch, time: s.window }, info: { rows: reader.rows } },
        columns: cols, values: opts.collect ? values : undefined,
      };
    },
  };
}

function isNumber(cell: string | undefined): boolean {
  return cell !== undefined && cell.trim() !== '' && Number.isFinite(Number(cell));
}

/**
 * Runs a scanner over a whole file's text (the loader, and the probe for small files). Lines split on
 * `\n`; a `\r` before it is dropped, so CRLF files read as LF ones. A leading byte-order mark is dropped.
 */
export function scanText(scanner: Scanner, content: string): ScanResult {
  const lines = new LineSplitter(scanner);
  lines.push(content);
  return lines.end();
}

/** Feeds chunks of a file to a scanner, line by line (the streamed probe). */
export class LineSplitter {
  private rest = '';
  private lineNo = 0;
  private first = true;
  constructor(private readonly scanner: Scanner) {}
  push(chunk: string): void {
    if (this.first) {
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      this.first = false;
    }
    let text = this.rest + chunk;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      let line = text.slice(start, nl);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.scanner.line(line, ++this.lineNo, true);
      start = nl + 1;
    }
    this.rest = text.slice(start);
    text = '';
  }
  end(): ScanResult {
    if (this.rest) {
      const line = this.rest.endsWith('\r') ? this.rest.slice(0, -1) : this.rest;
      this.scanner.line(line, ++this.lineNo, false);
      this.rest = '';
    }
    return this.scanner.finish(Math.max(1, this.lineNo));
  }
}
