// "Did you mean" for names, ops and argument keys.
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const m = a.length, n = b.length;
  if (Math.abs(m - n) > 3) return Math.abs(m - n);
  // Optimal string alignment: a swap of neighbours (`lats` for `last`) costs 1, read from two rows back.
  let before: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j], before[j - 2] + 1);
    }
    before = prev;
    prev = cur;
  }
  return prev[n];
}

/** Candidates compared per suggestion at most. */
const MAX_CANDIDATES = 200;

/** The closest candidate, if it is close enough to be a likely typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3) + 1));
  let scanned = 0;
  for (const c of candidates) {
    if (c === word) continue;
    // Bounded, so a file with thousands of unknown names checks in linear time: a typo is almost always of
    // a name near the start of the scope (dims, inputs, the data's tensors), which come first.
    if (++scanned > MAX_CANDIDATES) break;
    if (Math.abs(c.length - word.length) > limit) continue;
    const d = c.toLowerCase() === word.toLowerCase() ? 0.5 : editDistance(word, c);
    if (d < bestD) { bestD = d; best = c; }
  }
  return bestD <= limit ? best : undefined;
}
