// What the status item and the "Show Model Summary" view say, built from standard LSP answers (inlay hints:
// one per model statement with its output shape; the code lens above `model`: the parameter count). Pure:
// no `vscode` import, so it is unit-tested in plain Node.

/** An inlay hint as LSP sends it (label is a string or label parts). */
export interface HintLike { position: { line: number; character: number }; label: string | { value: string }[] }

export interface SummaryRow { line: number; statement: string; shape: string; ran?: string; params?: number }
/** `shapes` is undefined when inlay hints are switched off (the count comes from them). */
export interface SummaryStats { shapes?: number; params?: number; errors: number; warnings: number }

export function hintText(h: HintLike): string {
  const text = typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('');
  return text.replace(/^\s*[:→=]?\s*/, '').trim();
}

/** Runtime hints are marked `ran: [...]` by the server; everything else is a static shape. */
export function isRuntimeHint(text: string): boolean {
  return /^ran\b/i.test(text);
}

/**
 * The parameter count from a code lens title such as "Summary: 1,234,567 parameters", "12.3k params" or
 * "Summary: 1.2M parameters". Undefined when the title carries no count (e.g. "parameters: ?").
 */
export function parseParamCount(title: string): number | undefined {
  const m = /(\d[\d,_]*(?:\.\d+)?)\s*([kKMG])?\s*param/.exec(title);
  if (!m) return undefined;
  const n = Number(m[1].replace(/[,_]/g, ''));
  const scale = { k: 1e3, K: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ''] ?? 1;
  return Number.isFinite(n) ? Math.round(n * scale) : undefined;
}

/** Where to hover for a statement's own details: its first output name that is not `_` (or the name after `input`). */
export function statementNameColumn(line: string): number | undefined {
  const input = /^(\s*input\s+)([A-Za-z_]\w*)/.exec(line);
  if (input) return input[1].length;
  const lhs = /^\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*=/.exec(line);
  if (!lhs) return undefined;
  for (const m of lhs[1].matchAll(/[A-Za-z_]\w*/g)) if (m[0] !== '_') return lhs.index + line.indexOf(lhs[1]) + m.index;
  return undefined;
}

/** 1234567 -> "1.23M", 12345 -> "12.3k", 999 -> "999". */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toPrecision(3)}G`;
  if (n >= 1e6) return `${(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e3) return `${(n / 1e3).toPrecision(3)}k`;
  return String(n);
}

/** Rows of the summary: one per line that has a static shape hint, with the statement text of that line. */
export function summaryRows(lines: readonly string[], hints: readonly HintLike[]): SummaryRow[] {
  const byLine = new Map<number, SummaryRow>();
  for (const h of hints) {
    const text = hintText(h);
    const line = h.position.line;
    const row = byLine.get(line) ?? { line, statement: (lines[line] ?? '').replace(/#.*$/, '').trim(), shape: '' };
    if (isRuntimeHint(text)) row.ran = text.replace(/^ran:?\s*/i, '');
    else row.shape = row.shape ? `${row.shape} ${text}` : text;
    byLine.set(line, row);
  }
  return [...byLine.values()].filter((r) => r.shape || r.ran).sort((a, b) => a.line - b.line);
}

export function statusText(stats: SummaryStats): { text: string; detail: string } {
  const parts: string[] = [];
  if (stats.shapes !== undefined) parts.push(`${stats.shapes} shape${stats.shapes === 1 ? '' : 's'}`);
  if (stats.params !== undefined) parts.push(`${formatCount(stats.params)} params`);
  if (parts.length === 0) parts.push('checking');
  const problems = stats.errors ? `${stats.errors} error${stats.errors === 1 ? '' : 's'}` : stats.warnings ? `${stats.warnings} warning${stats.warnings === 1 ? '' : 's'}` : 'checks clean';
  return { text: parts.join(', '), detail: problems };
}

/** The "Show Model Summary" document: plain text in aligned columns (a table a person reads, not a format to parse). */
export function formatSummary(file: string, rows: readonly SummaryRow[], stats: SummaryStats): string {
  const out = [`Model summary: ${file}`, ''];
  if (rows.length === 0) {
    out.push(stats.shapes === undefined
      ? 'Shapes come from the inlay hints, which are switched off (setting unroll.inlayHints.enabled).'
      : 'No model statement has a known shape yet. Open the Problems view (the experiment may not check), or wait while the data is read.');
  } else {
    const runtime = rows.some((r) => r.ran);
    const counted = rows.some((r) => r.params !== undefined);
    const header = ['line', 'statement', 'shape', ...(counted ? ['params'] : []), ...(runtime ? ['ran'] : [])];
    const body = rows.map((r) => [String(r.line + 1), r.statement, r.shape || '?',
      ...(counted ? [r.params === undefined ? '' : r.params.toLocaleString('en-US')] : []), ...(runtime ? [r.ran ?? ''] : [])]);
    const width = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
    const right = (i: number) => i === 0 || header[i] === 'params'; // numbers align right
    const line = (cells: string[]) => cells.map((c, i) => (right(i) ? c.padStart(width[i]) : c.padEnd(width[i]))).join('  ').trimEnd();
    out.push(line(header), ...body.map(line));
  }
  out.push('', `Trainable parameters: ${stats.params === undefined ? 'unknown until every size is known' : stats.params.toLocaleString('en-US')}`);
  out.push(`Diagnostics: ${stats.errors} error(s), ${stats.warnings} warning(s)`, '');
  return out.join('\n');
}
