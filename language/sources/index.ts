// Data sources: their arguments, defaults, the dimensions they bind and the tensors they provide.
import type { Dim, Shape } from '../types';
import type { ParamInfo } from '../ops/types';

export interface SourceInfo {
  name: string;
  doc: string;
  /** Reads a file given as `data SOURCE "PATH"`. */
  path: boolean;
  params: ParamInfo[];
  provides: string;
}

const batch = (d: string): ParamInfo => ({ name: 'batch', type: 'int', default: d, doc: 'examples per batch' });
const valid: ParamInfo = { name: 'valid', type: 'float', default: '0.1', doc: 'fraction held out for validation (from the end)' };
const tokens = (d: string): ParamInfo => ({ name: 'tokens', type: 'name', default: d, choices: ['chars', 'words'], doc: 'split into chars or words' });

export const SOURCES: Record<string, SourceInfo> = {
  text: {
    name: 'text', path: true,
    doc: 'A text corpus for language models. With `buckets`, one sentence a line, padded to the smallest bucket that fits and masked (MXNet BucketSentenceIter).',
    params: [tokens('chars'), { name: 'seq_len', type: 'int', default: '100', doc: 'steps per window (time)' }, batch('32'), valid,
      { name: 'buckets', type: 'ints', doc: 'sentence lengths to bucket by, e.g. [10, 20, 40, 60, 80]; time then varies' },
      { name: 'vocab_size', type: 'int', doc: 'keep the most frequent words; the rest become <unk>' },
      { name: 'shuffle', type: 'bool', default: 'true', doc: 'shuffle the order of batches each epoch; false: text order, each batch row continuing the previous one (needed by train { carry_state = true })' }],
    provides: 'x, y: int[batch, time] < vocab (y is x shifted by one token)',
  },
  classify: {
    name: 'classify', path: true,
    doc: 'Labelled texts from CSV (with a header), TSV or JSONL, for classifiers.',
    params: [{ name: 'text', type: 'string', default: '"text"', doc: 'the text column' }, { name: 'label', type: 'string', default: '"label"', doc: 'the label column' },
      tokens('words'), { name: 'max_len', type: 'int', default: '200', doc: 'pad or cut each text to this many tokens (time)' },
      { name: 'vocab_size', type: 'int', doc: 'keep the most frequent tokens; the rest become <unk>' }, batch('32'), valid],
    provides: 'x: int[batch, time] < vocab, y: int[batch] < classes',
  },
  pairs: {
    name: 'pairs', path: true,
    doc: 'Source and target sequences from CSV, TSV or JSONL, for encoder-decoders.',
    params: [{ name: 'source', type: 'string', default: '"source"', doc: 'the source column' }, { name: 'target', type: 'string', default: '"target"', doc: 'the target column' },
      tokens('chars'), { name: 'target_tokens', type: 'name', choices: ['chars', 'words'], doc: 'split the target column into chars or words (default: as tokens); source and target share one vocabulary' },
      { name: 'vocab_size', type: 'int', doc: 'keep the most frequent tokens; the rest become <unk>' }, batch('32'), valid],
    provides: 'x: int[batch, src] < vocab, y: int[batch, tgt] < vocab, y_in: y shifted right after a start token (teacher forcing)',
  },
  series: {
    name: 'series', path: true,
    doc: 'A numeric time series from a CSV with a header.',
    params: [{ name: 'columns', type: 'strings', doc: 'columns to use (default: every numeric column)' }, { name: 'window', type: 'int', default: '20', doc: 'steps per example (time)' },
      { name: 'horizon', type: 'int', default: '1', doc: 'how far ahead y is' }, batch('32'), valid],
    provides: 'x, y: float[batch, time, features]',
  },
  arithmetic: {
    name: 'arithmetic', path: false,
    doc: 'Generated expressions such as "  3*10*5" (right-aligned) and their results " 150": the seq2seq arithmetic task.',
    params: [{ name: 'samples', type: 'int', default: '10000', doc: 'expressions to generate' }, { name: 'numbers', type: 'int', default: '3', doc: 'numbers per expression' },
      { name: 'largest', type: 'int', default: '10', doc: 'numbers are 1..largest' }, { name: 'ops', type: 'strings', default: '["+", "*"]', doc: 'operators, one per expression' }, batch('32')],
    provides: 'x: int[batch, src] < vocab, y: int[batch, tgt] < vocab',
  },
  sine: {
    name: 'sine', path: false,
    doc: 'Generated sine waves; predict the next value.',
    params: [{ name: 'seq_len', type: 'int', default: '20', doc: 'steps per example (time)' }, { name: 'samples', type: 'int', default: '1000', doc: 'waves to generate' }, batch('1'),
      { name: 'contiguous', type: 'bool', default: 'false', doc: 'one wave: sample i spans t in [i*pi, (i+1)*pi], in order (the Udacity notebook; pair it with train { carry_state = true })' }],
    provides: 'x, y: float[batch, time, 1]',
  },
  adding: {
    name: 'adding', path: false,
    doc: "Hochreiter's adding problem: sum the two marked values of a sequence.",
    params: [{ name: 'length', type: 'int', default: '55', doc: 'sequence length (time)' }, { name: 'samples', type: 'int', default: '10000', doc: 'sequences to generate' }, batch('100')],
    provides: 'x: float[batch, time, 2], y: float[batch]',
  },
};

export type ArgValue = string | number | boolean | string[] | number[];

/** Dims a source binds from its arguments alone (no file needed). File-derived ones come from the probe. */
export function sourceDims(source: string, args: Record<string, ArgValue>): Record<string, number | number[]> {
  const num = (k: string, d: number) => (typeof args[k] === 'number' ? (args[k] as number) : d);
  const out: Record<string, number | number[]> = { batch: num('batch', Number(SOURCES[source]?.params.find((p) => p.name === 'batch')?.default ?? 32)) };
  switch (source) {
    case 'text': {
      const b = args.buckets;
      out.time = Array.isArray(b) && b.length ? (b as number[]) : num('seq_len', 100);
      break;
    }
    case 'classify': out.time = num('max_len', 200); break;
    case 'series': out.time = num('window', 20); if (Array.isArray(args.columns)) out.features = args.columns.length; break;
    case 'sine': out.time = num('seq_len', 20); break;
    case 'adding': out.time = num('length', 55); break;
    case 'arithmetic': Object.assign(out, arithmeticDims(num('numbers', 3), num('largest', 10), Array.isArray(args.ops) ? (args.ops as string[]) : ['+', '*'])); break;
  }
  return out;
}

/** The arithmetic task's sizes: x right-aligned to src chars, y to tgt chars, vocab = digits, space, operators. */
export function arithmeticDims(numbers: number, largest: number, ops: string[]): { src: number; tgt: number; vocab: number } {
  const digits = (n: number) => String(Math.max(0, Math.floor(n))).length;
  const maxResult = ops.includes('*') ? Math.pow(largest, numbers) : numbers * largest;
  return { src: numbers * digits(largest) + (numbers - 1), tgt: digits(maxResult), vocab: 11 + new Set(ops).size };
}

/** The tensors a source provides, given its dims (unknown sizes stay undefined). */
export function provides(source: string, dim: (name: string) => Dim): Record<string, Shape> {
  const ids = (dims: string[], bound: string, masked = false): Shape => ({ elem: 'int', dims: dims.map(dim), bound: dim(bound), masked: masked || undefined });
  const floats = (dims: Dim[]): Shape => ({ elem: 'float', dims });
  switch (source) {
    case 'text': {
      const masked = dim('time').sizes !== undefined;
      return { x: ids(['batch', 'time'], 'vocab', masked), y: ids(['batch', 'time'], 'vocab', masked) };
    }
    case 'classify': return { x: ids(['batch', 'time'], 'vocab', true), y: { elem: 'int', dims: [dim('batch')], bound: dim('classes') } };
    case 'pairs': return { x: ids(['batch', 'src'], 'vocab', true), y: ids(['batch', 'tgt'], 'vocab', true), y_in: ids(['batch', 'tgt'], 'vocab', true) };
    case 'arithmetic': return { x: ids(['batch', 'src'], 'vocab'), y: ids(['batch', 'tgt'], 'vocab') };
    case 'series': return { x: floats([dim('batch'), dim('time'), dim('features')]), y: floats([dim('batch'), dim('time'), dim('features')]) };
    case 'sine': return { x: floats([dim('batch'), dim('time'), { size: 1 }]), y: floats([dim('batch'), dim('time'), { size: 1 }]) };
    case 'adding': return { x: floats([dim('batch'), dim('time'), { size: 2 }]), y: floats([dim('batch')]) };
  }
  return {};
}

/** Dims whose size only the file can tell. */
export const FILE_DIMS: Record<string, string[]> = {
  text: ['vocab'], classify: ['vocab', 'classes'], pairs: ['vocab', 'src', 'tgt'], series: ['features'],
};
