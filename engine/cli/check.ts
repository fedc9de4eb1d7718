// `unroll check` and `unroll summary`: the language core over files, with compiler-style output.
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyze, formatSummary, LineMap, type Analysis, type Diagnostic } from '../../language/index';
import { createFsDataHost, formatLengthReport } from '../../language/data/index';

export interface CliIO { out: (s: string) => void; err: (s: string) => void; color: boolean; cwd: string; stdoutTty?: boolean }

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' } as const;

/** Analyses a file, waiting for background data reads so sizes from the data are known. */
export async function analyzeFile(file: string, cwd: string): Promise<{ text: string; analysis: Analysis } | { error: string }> {
  const abs = path.resolve(cwd, file);
  let text: string;
  try {
    if (!statSync(abs).isFile()) return { error: `${file}: not a file` };
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read it (${(e as Error).message})` };
  }
  // The workspace rule of the command line (language/data/root.ts): the same one `unroll train` applies.
  const host = createFsDataHost();
  const uri = pathToFileURL(abs).href;
  let analysis = analyze(text, { uri, path: abs, host });
  for (let i = 0; analysis.pending && i < 10; i++) {
    await host.idle();
    analysis = analyze(text, { uri, path: abs, host });
  }
  return { text, analysis };
}

/** Characters of the source line shown around a diagnostic (a 4 MB one-line file must not print 4 MB). */
const EXCERPT = 100;
/** Diagnostics printed per file in text mode; the rest are counted (`--format json` lists all). */
export const MAX_PRINTED = 50;

export function formatDiagnostic(file: string, text: string | LineMap, d: Diagnostic, color: boolean): string {
  const map = typeof text === 'string' ? new LineMap(text) : text;
  const c = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const sev = SEVERITY[d.severity];
  const sevText = d.severity === 1 ? c('1;31', sev) : d.severity === 2 ? c('1;33', sev) : c('1;36', sev);
  const line = d.range.start.line;
  const col = d.range.start.character;
  const out = [`${c('1', `${file}:${line + 1}:${col + 1}`)}: ${sevText}[${d.code}]: ${d.message}`];
  const full = map.lineText(Math.min(line, map.lineCount - 1));
  const endCol = d.range.end.line === line ? d.range.end.character : full.length;
  // A window of the line around the range, marked with ... where it is cut.
  const from = Math.max(0, Math.min(col - 20, full.length - EXCERPT));
  const to = Math.min(full.length, from + EXCERPT);
  const src = `${from > 0 ? '...' : ''}${full.slice(from, to).replace(/\t/g, ' ')}${to < full.length ? '...' : ''}`;
  const at = col - from + (from > 0 ? 3 : 0);
  const gutter = String(line + 1);
  const width = Math.max(1, Math.min(endCol, to) - col);
  out.push(`${' '.repeat(gutter.length)} |`);
  out.push(`${gutter} | ${src}`);
  out.push(`${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, at))}${c(d.severity === 1 ? '31' : '33', '^'.repeat(width))}`);
  for (const r of d.related ?? []) out.push(`${' '.repeat(gutter.length)} = note: ${file}:${r.range.start.line + 1}:${r.range.start.character + 1}: ${r.message}`);
  if (d.fix) out.push(`${' '.repeat(gutter.length)} = ${c('32', 'fix')}: ${d.fix}`);
  return out.join('\n');
}

/** The LSP Diagnostic as JSON (plus `file`, and the fix in words). */
export function diagnosticJson(file: string, uri: string, d: Diagnostic): Record<string, unknown> {
  const j: Record<string, unknown> = { range: d.range, severity: d.severity, code: d.code, source: 'unroll', message: d.message };
  if (d.related?.length) j.relatedInformation = d.related.map((r) => ({ location: { uri, range: r.range }, message: r.message }));
  if (d.fix) j.fix = d.fix;
  j.file = file;
  return j;
}

export async function runCheck(args: string[], io: CliIO): Promise<number> {
  let format: 'text' | 'json' = 'text';
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--format') { const f = args[++i]; if (f !== 'text' && f !== 'json') { io.err(`unroll check: --format is text or json, got ${f ?? 'nothing'}\n`); return 2; } format = f; }
    else if (a.startsWith('--format=')) { const f = a.slice(9); if (f !== 'text' && f !== 'json') { io.err(`unroll check: --format is text or json, got ${f}\n`); return 2; } format = f; }
    else if (a === '-h' || a === '--help') { io.out(CHECK_HELP); return 0; }
    else if (a.startsWith('-')) { io.err(`unroll check: unknown option ${a}\n${CHECK_HELP}`); return 2; }
    else files.push(a);
  }
  if (!files.length) { io.err(`unroll check: no files given\n${CHECK_HELP}`); return 2; }
  let errors = 0, warnings = 0;
  const json: Record<string, unknown>[] = [];
  for (const file of files) {
    const r = await analyzeFile(file, io.cwd);
    if ('error' in r) {
      errors++;
      if (format === 'json') json.push({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 1, code: 'missing-file', source: 'unroll', message: r.error, file });
      else io.err(`${r.error}\n`);
      continue;
    }
    const map = new LineMap(r.text);
    let printed = 0;
    for (const d of r.analysis.diagnostics) {
      if (d.severity === 1) errors++; else if (d.severity === 2) warnings++;
      if (format === 'json') json.push(diagnosticJson(file, r.analysis.uri, d));
      else if (printed++ < MAX_PRINTED) io.out(formatDiagnostic(file, map, d, io.color) + '\n\n');
    }
    const data = r.analysis.data;
    if (format === 'text' && data?.lengths) io.out(`${file}: data ${data.path}: ${formatLengthReport(data.lengths)}\n`);
    if (format === 'text' && printed > MAX_PRINTED) io.out(`${file}: ${printed - MAX_PRINTED} more diagnostic${printed - MAX_PRINTED === 1 ? '' : 's'} not shown (fix the first ones, or see all with --format json)\n\n`);
  }
  if (format === 'json') io.out(JSON.stringify(json, null, 2) + '\n');
  else io.out(`${files.length} file${files.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  return errors ? 1 : 0;
}

export async function runSummary(args: string[], io: CliIO): Promise<number> {
  const files = args.filter((a) => !a.startsWith('-'));
  if (args.includes('-h') || args.includes('--help')) { io.out('usage: unroll summary FILE\n'); return 0; }
  if (files.length !== 1) { io.err('usage: unroll summary FILE\n'); return 2; }
  const r = await analyzeFile(files[0], io.cwd);
  if ('error' in r) { io.err(r.error + '\n'); return 1; }
  io.out(formatSummary(r.analysis) + '\n');
  const errs = r.analysis.diagnostics.filter((d) => d.severity === 1);
  if (errs.length) io.err(`${files[0]} has ${errs.length} error${errs.length === 1 ? '' : 's'}; shapes after them may be unknown (run unroll check ${files[0]})\n`);
  return errs.length ? 1 : 0;
}

export const CHECK_HELP = `usage: unroll check [--format text|json] FILE...
  Checks experiment files: shapes, names, data. Exit code 1 if any error.
`;
