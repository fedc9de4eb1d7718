// Padded rows (classify, pairs) batched by length, as torchtext's BucketIterator and MXNet's BucketingModule:
// each epoch's rows (shuffled, cut to full batches as before) are sorted by length inside pools of
// POOL_BATCHES batches, cut into batches, and the batches shuffled, all with the epoch's seeded generator. A
// batch is as wide as the smallest width that holds its longest row; the widths are the training rows' length
// quantiles, so a run meets a bounded set of shapes (one compiled session each). A masked model gives the
// same loss and updates at any width (padded steps keep the state and count in no loss), so only the time
// spent on padding changes.
import { shuffleInPlace } from '../../language/data';
import { chunk, validChunks } from './batches';

/** Widths per padded dimension: one dimension (classify) gets up to 8, two (pairs) up to 4 each (their
 *  combinations are the shapes, and the two lengths go together). */
export const MAX_WIDTHS: Record<number, number> = { 1: 8, 2: 4 };
/** Batches sorted together: torchtext's BucketIterator sorts pools of 100 batches. */
export const POOL_BATCHES = 100;

export interface PlannedBatch { idx: number[]; dims: Record<string, number> }

/** The lengths at the quantiles k/count of `lengths` (k = 1..count), and `longest`, deduplicated, ascending. */
export function quantileWidths(lengths: number[], count: number, longest: number): number[] {
  const s = Int32Array.from(lengths).sort();
  const out = new Set<number>([longest]);
  for (let k = 1; k <= count && s.length; k++) out.add(s[Math.ceil((k * s.length) / count) - 1]);
  return [...out].sort((a, b) => a - b);
}

/** The smallest width that holds `len` (the widths end with the longest row, so one always does). */
export function widthFor(len: number, widths: number[]): number {
  for (const w of widths) if (len <= w) return w;
  return widths[widths.length - 1];
}

export interface LengthPlan {
  /** Each padded dimension's widths, ascending (`time`; `src` and `tgt`). */
  readonly widths: Record<string, number[]>;
  /** False: every batch as wide as the caps, in the rows' order (a model whose weights depend on the width). */
  grouped: boolean;
  /** An epoch's batches from its shuffled rows; `rng` (the epoch's) also shuffles the batches. */
  train(order: number[], rng: () => number): PlannedBatch[];
  /** Validation: every row, pooled by length, not shuffled; the last batch smaller. */
  valid(items: number[]): PlannedBatch[];
  /** Padded steps over all steps of these batches, as planned and as if every batch were at the caps. */
  padding(batches: PlannedBatch[]): { grouped: number; full: number };
}

/**
 * `lengths[d][i]`: row i's length along padded dimension d, at most `caps[d]` (the width without grouping).
 * The widths come from the training rows; the longest of all rows (validation too) is always one of them.
 */
export function lengthPlan(lengths: Record<string, ArrayLike<number>>, caps: Record<string, number>, train: number[], all: number[], batch: number): LengthPlan {
  const dims = Object.keys(lengths);
  // At most one width per two batches of an epoch, so each compiled shape serves several steps.
  const count = Math.min(MAX_WIDTHS[dims.length] ?? 4, Math.max(1, Math.floor(train.length / batch / 2)));
  const widths: Record<string, number[]> = {};
  for (const d of dims) {
    const len = lengths[d];
    let longest = 1;
    for (const i of all) longest = Math.max(longest, len[i]);
    widths[d] = quantileWidths(train.map((i) => len[i]), count, longest);
  }
  const byLength = (a: number, b: number) => {
    for (const d of dims) if (lengths[d][a] !== lengths[d][b]) return lengths[d][a] - lengths[d][b];
    return 0;
  };
  const plan: LengthPlan = {
    widths,
    grouped: true,
    train(order, rng) {
      const batches = chunk(order, batch);
      if (!plan.grouped) return batches.map(planned);
      const out = pooled(batches.flat(), batch, byLength);
      shuffleInPlace(out, rng);
      return out.map(planned);
    },
    valid(items) {
      return (plan.grouped ? pooled(items, batch, byLength) : validChunks(items, batch)).map(planned);
    },
    padding(batches) {
      let real = 0, steps = 0, full = 0;
      for (const b of batches) {
        for (const d of dims) {
          for (const i of b.idx) real += lengths[d][i];
          steps += b.idx.length * b.dims[d];
          full += b.idx.length * caps[d];
        }
      }
      return { grouped: steps ? 1 - real / steps : 0, full: full ? 1 - real / full : 0 };
    },
  };
  function planned(idx: number[]): PlannedBatch {
    const out: Record<string, number> = {};
    for (const d of dims) {
      if (!plan.grouped) { out[d] = caps[d]; continue; }
      let longest = 1;
      for (const i of idx) longest = Math.max(longest, lengths[d][i]);
      out[d] = widthFor(longest, widths[d]);
    }
    return { idx, dims: out };
  }
  return plan;
}

/** Rows sorted by length inside pools of POOL_BATCHES batches (ties keep their order), cut into batches. */
function pooled(rows: number[], batch: number, byLength: (a: number, b: number) => number): number[][] {
  const out: number[][] = [];
  const size = POOL_BATCHES * batch;
  for (let p = 0; p < rows.length; p += size) {
    const pool = rows.slice(p, p + size).sort(byLength);
    for (let i = 0; i < pool.length; i += batch) out.push(pool.slice(i, i + batch));
  }
  return out;
}
