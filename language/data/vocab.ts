// Vocabularies: built from token counts the same way for the checker's probe and the engine's loader, so
// the `vocab` a file is checked against is exactly the table the engine trains.
import type { TokenKind } from './args';
import { MAX_VOCAB } from './args';
import { DataError } from './errors';

export const PAD = '<pad>';
export const UNK = '<unk>';
export const BOS = '<s>';
export const EOS_PAIR = '</s>';

export interface Vocab {
  tokens: string[];
  index: Map<string, number>;
  pad?: number;
  unk?: number;
  bos?: number;
  eos?: number;
  kind: 'chars' | 'words';
}

/**
 * Counts tokens in first-seen order (ties in frequency keep that order, as Python's Counter does). `add` can
 * also write each token's code (its first-seen index, or -1-k for the k-th special) so a loader encodes the
 * corpus in the same pass; `Vocab` ids come from the codes with `codeMap`.
 */
export class TokenCounter {
  /** token -> first-seen index */
  readonly seen = new Map<string, number>();
  readonly names: string[] = [];
  readonly freq: number[] = [];
  private readonly specials: Map<string, number>;
  constructor(readonly specialNames: readonly string[] = []) {
    this.specials = new Map(specialNames.map((t, k) => [t, k]));
  }
  add(tokens: readonly string[], codes?: number[]): void {
    const seen = this.seen;
    for (let j = 0; j < tokens.length; j++) {
      const t = tokens[j];
      let i = seen.get(t);
      if (i === undefined) {
        const k = this.specials.get(t);
        if (k !== undefined) { codes?.push(-1 - k); continue; }
        i = this.names.length;
        seen.set(t, i);
        this.names.push(t);
        this.freq.push(0);
      }
      this.freq[i]++;
      codes?.push(i);
    }
  }
  get distinct(): number { return this.names.length; }
  /** Maps codes written by `add` to ids of `vocab` (dropped tokens to `<unk>`). */
  codeMap(vocab: Vocab): (code: number) => number {
    const ids = Int32Array.from(this.names, (t) => vocab.index.get(t) ?? vocab.unk ?? -1);
    const sp = this.specialNames.map((t) => vocab.index.get(t) ?? -1);
    return (c) => (c >= 0 ? ids[c] : sp[-1 - c]);
  }
}

export interface VocabOptions {
  kind: TokenKind;
  /** Reserved entries first, in this order (e.g. [PAD, UNK]). */
  specials: string[];
  /** Total size cap, specials included; the rest of the tokens map to UNK (which must be a special). */
  vocabSize?: number;
  /** Refuse more distinct tokens than this when vocabSize is not given (default MAX_VOCAB). */
  maxVocab?: number;
  /** For the refusal message. */
  file: string;
}

/**
 * Specials first, then: chars sorted by code point (as `sorted(set(text))`), words by frequency (most
 * frequent first, ties in first-seen order, as `Counter.most_common`). `vocabSize` keeps the most frequent.
 */
export function buildVocab(counter: TokenCounter, o: VocabOptions): Vocab {
  const limit = o.maxVocab ?? MAX_VOCAB;
  const what = o.kind === 'chars' ? 'characters' : 'words';
  if (o.vocabSize === undefined && counter.distinct + o.specials.length > limit) {
    throw new DataError(o.file,
      `${counter.distinct.toLocaleString('en-US')} distinct ${what} is more than the ${limit.toLocaleString('en-US')} a vocabulary may hold`,
      { code: 'bad-argument' }).withFix(`set vocab_size = 50000 in the data block to keep the most frequent ${what} (the rest become ${UNK})`);
  }
  let entries: [string, number][] = counter.names.map((t, i) => [t, counter.freq[i]]);
  if (o.kind === 'chars' && o.vocabSize === undefined) {
    entries.sort((a, b) => cmpCodePoints(a[0], b[0]));
  } else {
    entries.sort((a, b) => b[1] - a[1]);
  }
  if (o.vocabSize !== undefined) {
    if (o.vocabSize <= o.specials.length) {
      throw new DataError(o.file, `vocab_size = ${o.vocabSize} leaves no room beside the ${o.specials.length} reserved tokens (${o.specials.join(' ')})`, { code: 'bad-argument' });
    }
    entries = entries.slice(0, o.vocabSize - o.specials.length);
    if (o.kind === 'chars') entries.sort((a, b) => cmpCodePoints(a[0], b[0]));
  }
  const tokens = [...o.specials, ...entries.map((e) => e[0])];
  return makeVocab(tokens, o.kind);
}

/** A Vocab from its token list (as saved with a run). */
export function makeVocab(tokens: string[], kind: TokenKind): Vocab {
  const index = new Map<string, number>();
  tokens.forEach((t, i) => { if (!index.has(t)) index.set(t, i); });
  const v: Vocab = { tokens, index, kind };
  const at = (s: string) => index.get(s);
  v.pad = at(PAD);
  v.unk = at(UNK);
  v.bos = at(BOS);
  v.eos = at(EOS_PAIR);
  return v;
}

function cmpCodePoints(a: string, b: string): number {
  return (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Id of a token: its own, else `<unk>`, else undefined (a chars vocabulary without `<unk>`). */
export function tokenId(v: Vocab, t: string): number | undefined {
  return v.index.get(t) ?? v.unk;
}
