// Document symbols (blocks with their statements and keys) and folding ranges (blocks, comment runs).
import { FoldingRangeKind, SymbolKind, type DocumentSymbol, type FoldingRange } from 'vscode-languageserver';
import type { Range } from '../core';
import type { DocContext } from '../document';
import { isState, styledShape } from './shapes';

export function documentSymbols(ctx: DocContext): DocumentSymbol[] {
  const { tokens, lines } = ctx.syntax;
  const out: DocumentSymbol[] = [];
  for (const b of ctx.syntax.blocks) {
    const headEnd = b.open !== undefined ? b.open : Math.min(b.last, lines[b.startLine].to) - 1;
    const header = ctx.text.slice(b.keyword.start, tokens[Math.max(b.first, headEnd)]?.end ?? b.keyword.end).trim() || b.kind;
    const sym: DocumentSymbol = {
      name: b.kind === 'experiment' ? header : b.kind,
      detail: b.kind === 'data' || b.kind === 'experiment' ? header.replace(/^\S+\s*/, '') : undefined,
      kind: b.kind === 'model' ? SymbolKind.Class : b.kind === 'experiment' ? SymbolKind.File : SymbolKind.Namespace,
      range: b.range, selectionRange: b.keyword.range, children: [],
    };
    if (b.open !== undefined) {
      for (let l = b.startLine; l <= b.endLine; l++) {
        const li = lines[l];
        if (li.parenDepth > 0) continue;
        // Entries start after `{` (same line as the header for one-liners) and end at the line's end.
        let from = li.from;
        if (l === b.startLine) from = b.open + 1;
        while (from < li.to && (tokens[from].kind === 'comment')) from++;
        if (from >= li.to || tokens[from].text === '}') continue;
        const entries = splitEntries(ctx, from, li.to, b.close);
        for (const e of entries) {
          const child = entrySymbol(ctx, b.kind, e.from, e.to);
          if (child) sym.children!.push(child);
        }
      }
    }
    out.push(sym);
  }
  return out;
}

/** One-line blocks hold several `key = value` entries separated by commas at the top level. */
function splitEntries(ctx: DocContext, from: number, to: number, close?: number): { from: number; to: number }[] {
  const { tokens } = ctx.syntax;
  const out: { from: number; to: number }[] = [];
  let depth = 0, start = from;
  for (let k = from; k < to; k++) {
    if (close !== undefined && k >= close) { to = k; break; }
    const t = tokens[k];
    if (t.kind !== 'punct') continue;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (t.text === ',' && depth === 0 && tokens[start + 1]?.text === '=' && hasEqualAhead(ctx, k + 1, to)) { out.push({ from: start, to: k }); start = k + 1; }
  }
  if (start < to) out.push({ from: start, to });
  return out;
}

function hasEqualAhead(ctx: DocContext, from: number, to: number): boolean {
  const t = ctx.syntax.tokens;
  return from + 1 < to && t[from].kind === 'ident' && t[from + 1].text === '=';
}

function entrySymbol(ctx: DocContext, block: string, from: number, to: number): DocumentSymbol | undefined {
  const { tokens } = ctx.syntax;
  let end = to - 1;
  while (end > from && tokens[end].kind === 'comment') end--;
  const range: Range = { start: tokens[from].range.start, end: tokens[end].range.end };
  const first = tokens[from];
  if (block === 'model' && first.text === 'input' && from + 1 < to) {
    const name = tokens[from + 1];
    const v = ctx.analysis.values.get(name.text);
    return { name: name.text, detail: v && !isState(v) ? `input ${styledShape(v, 'names-and-sizes')}` : 'input', kind: SymbolKind.Variable, range, selectionRange: name.range };
  }
  const eq = tokens.slice(from, to).findIndex((t) => t.text === '=');
  if (eq <= 0) return undefined;
  const lhs = tokens.slice(from, from + eq).filter((t) => t.kind === 'ident');
  if (!lhs.length) return undefined;
  const name = lhs.map((t) => t.text).join(', ');
  const selectionRange = { start: lhs[0].range.start, end: lhs[lhs.length - 1].range.end };
  if (block === 'model') {
    const v = ctx.analysis.values.get(lhs[0].text);
    const op = tokens[from + eq + 1]?.text;
    const shape = v && !isState(v) ? styledShape(v, 'names-and-sizes') : undefined;
    return { name, detail: [op, shape].filter(Boolean).join(' '), kind: SymbolKind.Variable, range, selectionRange };
  }
  if (block === 'dims') return { name, detail: ctx.text.slice(tokens[from + eq].end, tokens[end].end).trim(), kind: SymbolKind.Constant, range, selectionRange };
  return { name, detail: ctx.text.slice(tokens[from + eq].end, tokens[end].end).trim(), kind: SymbolKind.Property, range, selectionRange };
}

export function foldingRanges(ctx: DocContext): FoldingRange[] {
  const out: FoldingRange[] = [];
  const { tokens, lines } = ctx.syntax;
  for (const b of ctx.syntax.blocks) {
    const end = b.close !== undefined ? tokens[b.close].range.start.line - 1 : b.endLine;
    if (end > b.startLine) out.push({ startLine: b.startLine, endLine: end });
  }
  // Runs of two or more whole-line comments.
  let runStart = -1;
  for (let l = 0; l <= lines.length; l++) {
    const li = lines[l];
    const isComment = li !== undefined && li.to - li.from === 1 && tokens[li.from].kind === 'comment';
    if (isComment) { if (runStart < 0) runStart = l; continue; }
    if (runStart >= 0 && l - 1 > runStart) out.push({ startLine: runStart, endLine: l - 1, kind: FoldingRangeKind.Comment });
    runStart = -1;
  }
  return out;
}
