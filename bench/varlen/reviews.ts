// Generated reviews whose lengths are spread as real ones are: `short` like tweets or examples/data/reviews.csv
// (median 14 words, 95th percentile about 50, 2% of rows 300 to 1,000 words: far longer than max_len), `long`
// like IMDB (median 120, a tail to 2,500). Words follow Zipf's law over a 5,000-word vocabulary; the label
// leans on a few sentiment words, so the model has something to learn. Seeded: the same file every run.
import { mulberry32 } from '../../language/data';

const SPREAD = {
  short: { median: 14, sigma: 0.8, tail: 0.02, tailMin: 300, tailMax: 1000 },
  long: { median: 120, sigma: 0.9, tail: 0, tailMin: 0, tailMax: 2500 },
};
const POSITIVE = ['wonderful', 'moving', 'brilliant', 'loved'];
const NEGATIVE = ['dull', 'boring', 'waste', 'hated'];

export function reviewsCsv(kind: keyof typeof SPREAD, rows: number, seed = 1): string {
  const s = SPREAD[kind];
  const rnd = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  // Zipf over ranks 1..5000: inverse of the cumulative 1/r weights.
  const weights = Array.from({ length: 5000 }, (_, r) => 1 / (r + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf: number[] = [];
  weights.reduce((acc, w, i) => (cdf[i] = acc + w / total), 0);
  const word = () => {
    const u = rnd();
    let lo = 0, hi = cdf.length - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cdf[mid] < u) lo = mid + 1; else hi = mid; }
    return `w${lo}`;
  };
  const out = ['text,label'];
  for (let i = 0; i < rows; i++) {
    const len = rnd() < s.tail
      ? s.tailMin + Math.floor(rnd() * (s.tailMax - s.tailMin))
      : Math.max(1, Math.min(s.tailMax, Math.round(s.median * Math.exp(s.sigma * normal()))));
    const positive = rnd() < 0.5;
    const words = Array.from({ length: len }, () => (rnd() < 0.08 ? (positive ? POSITIVE : NEGATIVE)[Math.floor(rnd() * 4)] : word()));
    out.push(`${words.join(' ')},${positive ? 'pos' : 'neg'}`);
  }
  return out.join('\n') + '\n';
}
