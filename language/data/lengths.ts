// What a file's rows became: how many were read, kept, cut and dropped, and how long they are. The scanner
// counts lengths in a histogram (a 1M-row file costs a few hundred entries, not 1M numbers), so the checker's
// probe, `unroll summary` and the start of `unroll train` all say the same thing.
import type { LengthReport, LengthSpread } from '../types';

export class LengthCounter {
  private readonly counts = new Map<number, number>();
  rows = 0;
  add(len: number): void {
    this.counts.set(len, (this.counts.get(len) ?? 0) + 1);
    this.rows++;
  }
  /** Rows longer than `limit`. */
  over(limit: number): number {
    let n = 0;
    for (const [len, c] of this.counts) if (len > limit) n += c;
    return n;
  }
  /** Rows shorter than `least`. */
  under(least: number): number {
    let n = 0;
    for (const [len, c] of this.counts) if (len < least) n += c;
    return n;
  }
  spread(): LengthSpread {
    const lens = [...this.counts.keys()].sort((a, b) => a - b);
    const at = (q: number): number => {
      const want = Math.max(1, Math.ceil(q * this.rows));
      let seen = 0;
      for (const len of lens) {
        seen += this.counts.get(len)!;
        if (seen >= want) return len;
      }
      return lens[lens.length - 1] ?? 0;
    };
    return { median: at(0.5), p95: at(0.95), longest: lens[lens.length - 1] ?? 0 };
  }
}

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const spreadText = (s: LengthSpread, unit: string) => `${unit} per row: median ${s.median}, 95th percentile ${s.p95}, longest ${s.longest}`;

/** One line: "400 rows read, 400 kept (3 cut to max_len = 200); words per row: median 14, 95th percentile 41, longest 230". */
export function formatLengthReport(r: LengthReport): string {
  const what = r.what ?? 'row';
  const notes: string[] = [];
  if (r.cutBy) notes.push(`${r.cut ? count(r.cut, what) : 'none'} cut to ${r.cutBy}`);
  if (r.dropped) notes.push(`${count(r.dropped, what)} dropped (${r.droppedWhy ?? 'unusable'})`);
  if (r.empty) notes.push(`${count(r.empty, what)} with no ${r.unit}, each read as one padding step`);
  const head = `${count(r.rows, what)} read, ${r.kept.toLocaleString('en-US')} kept${notes.length ? ` (${notes.join(', ')})` : ''}`;
  const spreads = [spreadText(r.spread, r.unit)];
  if (r.target) spreads.push(spreadText(r.target.spread, r.target.unit));
  return `${head}; ${spreads.join('; ')}`.replace(/ per row/g, ` per ${what}`);
}
