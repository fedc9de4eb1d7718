// Sizes of the generated sources, derived from their arguments (the checker needs them without data).
import type { DataProbe } from '../types';
import { ArgReader, type PlainArgs } from './args';
import { DataError } from './errors';

export interface ArithmeticSettings { samples: number; numbers: number; largest: number; ops: ('+' | '*')[]; batch: number; src: number; tgt: number; chars: string[] }
export interface SineSettings {
  seqLen: number; samples: number; batch: number;
  /** Extension: sample i is the half-period t in [i*pi, (i+1)*pi] (seq_len + 1 points), in order, as the
   *  Udacity notebook trains (with the state carried over: train { carry_state = true }). */
  contiguous: boolean;
}
export interface AddingSettings { length: number; samples: number; batch: number }

const OP_ORDER = ['+', '*'] as const;

/**
 * The arithmetic task: `numbers` numbers in 1..largest joined by one operator, x right-aligned to `src`
 * characters, y the result right-aligned to `tgt`. Characters: digits 0-9, the operators, then ' ' (the
 * order of the MXNet notebook's reproduction in design/bench/torch_quality.py, so ids match 1:1).
 */
export function arithmeticSettings(r: ArgReader): ArithmeticSettings {
  const numbers = r.int('numbers', 2, 16);
  const largest = r.int('largest', 1, 1_000_000);
  const opsArg = r.strings('ops') ?? ['+', '*'];
  const opChars = opsArg.length === 1 && opsArg[0].length > 1 ? [...opsArg[0]] : opsArg; // ops = "+*" too
  for (const o of opChars) {
    if (o !== '+' && o !== '*') throw new DataError(r.where, `ops may hold "+" and "*", got "${o}"`, { code: 'bad-argument', fix: 'write ops = ["+", "*"]' });
  }
  const ops = OP_ORDER.filter((o) => opChars.includes(o));
  const digits = (n: number) => String(n).length;
  const src = numbers * digits(largest) + (numbers - 1);
  let maxResult = 0;
  if (ops.includes('+')) maxResult = Math.max(maxResult, numbers * largest);
  if (ops.includes('*')) maxResult = Math.max(maxResult, largest ** numbers);
  if (!(maxResult < 1e15)) throw new DataError(r.where, `results up to ${largest}^${numbers} are too long to write`, { code: 'bad-argument', fix: 'lower largest or numbers' });
  const tgt = digits(maxResult);
  const chars = [...'0123456789', ...ops, ' '];
  return { samples: r.int('samples'), numbers, largest, ops, batch: r.int('batch'), src, tgt, chars };
}

export function sineSettings(r: ArgReader): SineSettings {
  return { seqLen: r.int('seq_len', 1, 100_000), samples: r.int('samples'), batch: r.int('batch'), contiguous: r.bool('contiguous') };
}
export function addingSettings(r: ArgReader): AddingSettings {
  return { length: r.int('length', 4, 100_000), samples: r.int('samples'), batch: r.int('batch') };
}

/** Validation samples of a generator: a tenth of the training set, at most 1,000, in whole batches (at
 *  least one), so no validation sample is dropped (arithmetic: 992 at batch 32). */
export function validSamples(samples: number, batch: number): number {
  return Math.max(batch, Math.floor(Math.min(1000, Math.round(samples / 10)) / batch) * batch);
}

/**
 * Sizes a generator source implies: arithmetic -> src, tgt, vocab (8, 4, 13 by default); sine -> time
 * (seq_len); adding -> time (length). Every answer also carries `batch`. Never throws: a bad argument comes
 * back as `error` with code 'bad-argument'.
 */
export function probeDims(source: string, args: PlainArgs): DataProbe {
  try {
    const r = new ArgReader(source, args, `data ${source}`);
    switch (source) {
      case 'arithmetic': {
        const a = arithmeticSettings(r);
        return { dims: { src: a.src, tgt: a.tgt, vocab: a.chars.length, batch: a.batch }, info: { samples: a.samples } };
      }
      case 'sine': {
        const s = sineSettings(r);
        return { dims: { time: s.seqLen, batch: s.batch }, info: { samples: s.samples } };
      }
      case 'adding': {
        const s = addingSettings(r);
        return { dims: { time: s.length, batch: s.batch }, info: { samples: s.samples } };
      }
      default:
        return { dims: {}, error: { message: `${source} is not a generated data source`, code: 'bad-argument' } };
    }
  } catch (e) {
    if (e instanceof DataError) return { dims: {}, error: { message: e.text, code: e.code } };
    return { dims: {}, error: { message: String(e), code: 'bad-argument' } };
  }
}
