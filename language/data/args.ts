// Data-block arguments: defaults per source and typed readers. The checker and the engine read arguments
// through these, so a default never differs between what is checked and what is trained.
import type { Value } from '../types';
import { DataError } from './errors';

export type PlainArg = string | number | boolean | string[] | number[];
export type PlainArgs = Record<string, PlainArg>;

export type TokenKind = 'chars' | 'words';

/** Every source's arguments and their defaults (undefined: optional, no default). */
export const SOURCE_DEFAULTS: Record<string, Record<string, PlainArg | undefined>> = {
  text: { tokens: 'chars', seq_len: 100, batch: 32, valid: 0.1, buckets: undefined, vocab_size: undefined, shuffle: true },
  classify: { text: 'text', label: 'label', tokens: 'words', max_len: 200, vocab_size: undefined, batch: 32, valid: 0.1 },
  pairs: { source: 'source', target: 'target', tokens: 'chars', vocab_size: undefined, batch: 32, valid: 0.1 },
  series: { columns: undefined, window: 20, horizon: 1, batch: 32, valid: 0.1 },
  arithmetic: { samples: 10000, numbers: 3, largest: 10, ops: ['+', '*'], batch: 32 },
  sine: { seq_len: 20, samples: 1000, batch: 1, contiguous: false },
  adding: { length: 55, samples: 10000, batch: 100 },
};

/** Sources that read a file (the others generate their data). */
export const FILE_SOURCES = new Set(['text', 'classify', 'pairs', 'series']);
export const GENERATOR_SOURCES = new Set(['arithmetic', 'sine', 'adding']);

/** Largest vocabulary the tool builds (distinct tokens kept). Past it, `vocab_size` must cap the words:
 *  2,000,000 entries is already a 1 GB float32 embedding table at 128 dimensions. */
export const MAX_VOCAB = 2_000_000;

/** The language core's `Value`s as plain literals (identifiers such as `chars` become strings). */
export function argsFromValues(args: Record<string, Value>): PlainArgs {
  const out: PlainArgs = {};
  for (const [k, v] of Object.entries(args)) {
    const p = plainValue(v);
    if (p !== undefined) out[k] = p;
  }
  return out;
}

function plainValue(v: Value): PlainArg | undefined {
  switch (v.kind) {
    case 'number': return v.value;
    case 'string': return v.value;
    case 'bool': return v.value;
    case 'name': return v.name;
    case 'dimexpr': return v.text;
    case 'list': {
      const items = v.items.map(plainValue);
      if (items.every((i) => typeof i === 'number')) return items as number[];
      if (items.every((i) => typeof i === 'string')) return items as string[];
      return undefined;
    }
    default: return undefined;
  }
}

/** Typed access to one source's arguments with its defaults; errors name the file (or source) and the fix. */
export class ArgReader {
  constructor(readonly source: string, readonly args: PlainArgs, readonly where: string) {}

  private raw(name: string): PlainArg | undefined {
    return name in this.args ? this.args[name] : SOURCE_DEFAULTS[this.source]?.[name];
  }
  private bad(msg: string): DataError {
    return new DataError(this.where, msg, { code: 'bad-argument' });
  }
  has(name: string): boolean { return this.raw(name) !== undefined; }

  int(name: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.raw(name);
    if (typeof v !== 'number' || !Number.isInteger(v)) throw this.bad(`\`${name}\` must be a whole number, got ${show(v)}`);
    if (v < min || v > max) throw this.bad(`\`${name}\` must be between ${min} and ${max}, got ${v}`);
    return v;
  }
  optInt(name: string, min = 1, max = Number.MAX_SAFE_INTEGER): number | undefined {
    return this.raw(name) === undefined ? undefined : this.int(name, min, max);
  }
  fraction(name: string): number {
    const v = this.raw(name);
    if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw this.bad(`\`${name}\` must be a fraction in [0, 1), got ${show(v)}`);
    return v;
  }
  bool(name: string): boolean {
    const v = this.raw(name);
    if (typeof v !== 'boolean') throw this.bad(`\`${name}\` must be true or false, got ${show(v)}`);
    return v;
  }
  str(name: string): string {
    const v = this.raw(name);
    if (typeof v !== 'string') throw this.bad(`\`${name}\` must be a name or string, got ${show(v)}`);
    return v;
  }
  tokens(name = 'tokens'): TokenKind {
    const v = this.str(name);
    if (v !== 'chars' && v !== 'words') throw this.bad(`\`${name}\` must be chars or words, got ${v}`);
    return v;
  }
  ints(name: string): number[] | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1)) {
      throw this.bad(`\`${name}\` must be a list of positive whole numbers, e.g. [10, 20, 40], got ${show(v)}`);
    }
    return v as number[];
  }
  strings(name: string): string[] | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v === 'string') return [v];
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string')) {
      throw this.bad(`\`${name}\` must be a list of names, e.g. ["a", "b"], got ${show(v)}`);
    }
    return v as string[];
  }
  /** vocab_size: optional cap on the vocabulary, specials included. */
  vocabSize(): number | undefined {
    return this.optInt('vocab_size', 2, MAX_VOCAB);
  }
}

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}
