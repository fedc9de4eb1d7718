// Names known at a point of the document (tensors, dims) and "did you mean" ranking.
import type { Position } from '../core';
import type { DocContext } from '../document';
import { before } from '../syntax';

export interface ScopeName { name: string; kind: 'tensor' | 'state' | 'dim' | 'data'; detail?: string }

/**
 * Tensors and states defined by statements before the one at `pos` (every one when pos is undefined): in
 * `z = dense(|` the name being defined, `z`, is not yet in scope.
 */
export function tensorsInScope(ctx: DocContext, pos?: Position): ScopeName[] {
  const out = new Map<string, ScopeName>();
  const start = pos && statementStart(ctx, pos);
  for (const s of ctx.analysis.symbols) {
    if (s.kind !== 'tensor' && s.kind !== 'state') continue;
    if (start && !before(s.definition.end, start)) continue;
    out.set(s.name, { name: s.name, kind: s.kind, detail: s.detail });
  }
  // Values the analysis inferred but that have no symbol entry (defensive: the two should agree).
  if (!pos) for (const name of ctx.analysis.values.keys()) if (!out.has(name)) out.set(name, { name, kind: 'tensor' });
  return [...out.values()];
}

/** Where the statement holding `pos` begins: its first line (a call may continue over several lines). */
function statementStart(ctx: DocContext, pos: Position): Position {
  let l = pos.line;
  while (l > 0 && ctx.syntax.lines[l] && ctx.syntax.lines[l].parenDepth > 0) l--;
  return { line: l, character: 0 };
}

export function dimsInScope(ctx: DocContext): ScopeName[] {
  const out = new Map<string, ScopeName>();
  for (const d of ctx.analysis.dims.values()) out.set(d.name, { name: d.name, kind: 'dim', detail: d.detail });
  for (const s of ctx.analysis.symbols) if (s.kind === 'dim' && !out.has(s.name)) out.set(s.name, { name: s.name, kind: 'dim' });
  return [...out.values()];
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const m = a.length, n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[m][n];
}

/** Up to `max` candidates close to `word`, best first. */
export function didYouMean(word: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = word.length <= 3 ? 1 : word.length <= 6 ? 2 : 3;
  const scored: [string, number][] = [];
  for (const c of new Set(candidates)) {
    if (c === word) continue;
    const dist = editDistance(word, c);
    const prefix = c.toLowerCase().startsWith(word.toLowerCase()) && word.length >= 3;
    if (dist <= limit || prefix) scored.push([c, prefix ? Math.min(dist, limit) : dist]);
  }
  scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]));
  return scored.slice(0, max).map((s) => s[0]);
}
