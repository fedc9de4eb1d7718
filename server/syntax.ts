// Token-level structure the editor features need and the analysis does not carry: which block a line is
// in, bracket depth at each line start, the call a cursor is inside. Built once per document version from
// the core's lossless token stream, and tolerant of any text (unclosed braces, stray characters).
import type { Position, Range, Token } from './core';

export const BLOCK_NAMES = ['experiment', 'dims', 'data', 'model', 'train', 'sample', 'predict'] as const;
export type BlockName = (typeof BLOCK_NAMES)[number];
const BLOCK_SET = new Set<string>(BLOCK_NAMES);

export interface BlockInfo {
  kind: BlockName;
  /** The block keyword token. */
  keyword: Token;
  /** Index of the keyword token. */
  first: number;
  /** `{` and `}` token indices (undefined when absent: `experiment NAME`, or an unclosed block). */
  open?: number;
  close?: number;
  /** Index one past the block's last token. */
  last: number;
  startLine: number;
  endLine: number;
  range: Range;
}

export interface LineInfo {
  /** Token indices on this line, newline excluded ([from, to)). */
  from: number;
  to: number;
  /** `{` depth at the start of the line. */
  braceDepth: number;
  /** `(`/`[` depth at the start of the line (continuation lines of a call or list are > 0). */
  parenDepth: number;
  /** True when the line starts inside a multi-line token (never happens with this lexer, kept for safety). */
  insideToken: boolean;
  block?: BlockInfo;
}

export interface Syntax {
  tokens: Token[];
  lines: LineInfo[];
  blocks: BlockInfo[];
  /** Token index -> block containing it (or undefined at top level). */
  blockOf(tokenIndex: number): BlockInfo | undefined;
  /** The token whose span contains the offset (ends inclusive for identifiers so `lstm|` finds `lstm`). */
  tokenAt(offset: number): number | undefined;
  /** The last non-trivia token index ending at or before the offset. */
  tokenBefore(offset: number): number | undefined;
}

const isTrivia = (t: Token) => t.kind === 'newline' || t.kind === 'comment';

export function buildSyntax(tokens: Token[], lineCount: number): Syntax {
  const lines: LineInfo[] = [];
  for (let i = 0; i < lineCount; i++) lines.push({ from: 0, to: 0, braceDepth: 0, parenDepth: 0, insideToken: false });
  const blocks: BlockInfo[] = [];

  // Per-line token spans [from, to), newline excluded; an empty line gets from = to = its newline's index.
  const seen = new Array<boolean>(lineCount).fill(false);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const l = t.line; // not t.range: the core's tokens build ranges on demand, and most are never read
    if (l >= lineCount) continue;
    if (!seen[l]) { seen[l] = true; lines[l].from = i; lines[l].to = i; }
    if (t.kind !== 'newline') lines[l].to = i + 1;
  }
  for (let l = lineCount - 1, next = tokens.length; l >= 0; l--) {
    if (!seen[l]) { lines[l].from = next; lines[l].to = next; } else next = lines[l].from;
  }
  for (const t of tokens) {
    // Only a string (or an unclosed one) can run over a line break, after a backslash.
    if ((t.kind === 'string' || t.kind === 'error') && t.range.end.line > t.line) {
      for (let l = t.range.start.line + 1; l <= t.range.end.line && l < lineCount; l++) lines[l].insideToken = true;
    }
  }

  // Blocks: a block keyword first on its line at top level starts one; `{ ... }` extends it. A block keyword
  // at the start of a line followed by `{` (or `data SOURCE`) also ends an unclosed previous block, so one
  // missing `}` does not swallow the rest of the file.
  let brace = 0;
  let paren = 0;
  let open: BlockInfo | undefined;
  const closeBlock = (b: BlockInfo, last: number) => {
    b.last = last;
    const lastTok = tokens[Math.max(b.first, last - 1)];
    let endTok = lastTok;
    for (let k = last - 1; k > b.first; k--) { if (!isTrivia(tokens[k])) { endTok = tokens[k]; break; } }
    if (endTok.kind === 'newline' || endTok.kind === 'comment') endTok = b.keyword;
    b.endLine = endTok.range.end.line;
    b.range = { start: b.keyword.range.start, end: endTok.range.end };
  };
  for (let l = 0; l < lineCount; l++) {
    const li = lines[l];
    const firstTok = li.from < li.to ? tokens[li.from] : undefined;
    const startsBlock = firstTok !== undefined && BLOCK_SET.has(firstTok.text) && firstTok.kind !== 'string'
      && looksLikeHeader(tokens, li.from, li.to, brace === 0);
    if (startsBlock) {
      if (open) closeBlock(open, li.from);
      brace = 0;
      paren = 0;
      open = {
        kind: firstTok.text as BlockName, keyword: firstTok, first: li.from, last: li.to,
        startLine: l, endLine: l, range: firstTok.range,
      };
      blocks.push(open);
    }
    li.braceDepth = brace;
    li.parenDepth = paren;
    li.block = open;
    for (let k = li.from; k < li.to; k++) {
      const t = tokens[k];
      if (t.kind !== 'punct') continue;
      if (t.text === '{') {
        if (open && open.open === undefined && brace === 0) open.open = k;
        brace++;
      } else if (t.text === '}') {
        brace = Math.max(0, brace - 1);
        if (brace === 0 && open && open.open !== undefined && open.close === undefined) {
          open.close = k;
          closeBlock(open, k + 1);
          open = undefined;
          paren = 0;
        }
      } else if (t.text === '(' || t.text === '[') paren++;
      else if (t.text === ')' || t.text === ']') paren = Math.max(0, paren - 1);
    }
    // A block without braces (`experiment NAME`) ends with its line.
    if (open && open.open === undefined && (open.kind === 'experiment' || !hasOpenAhead(tokens, li.to))) {
      closeBlock(open, li.to);
      open = undefined;
    }
  }
  if (open) closeBlock(open, tokens.length);

  const blockOf = (idx: number): BlockInfo | undefined => {
    // Blocks are few (a handful): a linear scan is fine.
    for (const b of blocks) if (idx >= b.first && idx < b.last) return b;
    return undefined;
  };
  const tokenAt = (offset: number): number | undefined => {
    let lo = 0, hi = tokens.length - 1, found: number | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (tokens[mid].start <= offset) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (found === undefined) return undefined;
    const t = tokens[found];
    if (offset < t.end && t.kind !== 'newline') return found;
    // Cursor right after an identifier: treat it as on the identifier.
    if (offset === t.end && (t.kind === 'ident' || t.kind === 'keyword')) return found;
    return undefined;
  };
  const tokenBefore = (offset: number): number | undefined => {
    let lo = 0, hi = tokens.length - 1, found: number | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (tokens[mid].end <= offset) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    while (found !== undefined && found >= 0 && tokens[found].kind === 'comment') found = found > 0 ? found - 1 : undefined;
    return found;
  };
  return { tokens, lines, blocks, blockOf, tokenAt, tokenBefore };
}

function looksLikeHeader(tokens: Token[], from: number, to: number, topLevel: boolean): boolean {
  const kw = tokens[from].text;
  const next = from + 1 < to ? tokens[from + 1] : undefined;
  if (kw === 'experiment') return topLevel;
  if (next?.text === '{') return true;
  if (kw === 'data') return next === undefined ? topLevel : next.kind === 'ident' || next.kind === 'string';
  // `model` alone on a line at top level, with `{` on the next line.
  return topLevel && next === undefined;
}

function hasOpenAhead(tokens: Token[], from: number): boolean {
  // A header whose `{` is on the next non-blank line.
  for (let k = from; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind === 'newline' || t.kind === 'comment') continue;
    return t.text === '{';
  }
  return false;
}

/** The innermost unclosed call before `offset`: callee token index, `(` index and the argument state. */
export interface CallContext {
  callee: Token;
  calleeIndex: number;
  openIndex: number;
  /** 0-based index of the argument the cursor is in (commas at the call's own level). */
  argIndex: number;
  /** `name` when the cursor's argument is written `name = ...` (cursor after the `=`). */
  argName?: string;
  /** Names already given as `name = value` in this call. */
  namedArgs: string[];
  /** Positional arguments before the cursor's argument. */
  positionalBefore: number;
  /** The cursor is right after `name =` or inside that value. */
  inValue: boolean;
}

export function callContext(syn: Syntax, offset: number, stopAtIndex = 0): CallContext | undefined {
  const { tokens } = syn;
  const startK = syn.tokenBefore(offset);
  if (startK === undefined) return undefined;
  // A call starts on the statement's first line: look no further back than that (keeps this O(line)).
  let l = tokens[startK].range.start.line;
  while (l > 0 && syn.lines[l] && syn.lines[l].parenDepth > 0) l--;
  if (syn.lines[l]) stopAtIndex = Math.max(stopAtIndex, syn.lines[l].from);
  // Find the innermost unclosed `(` before the cursor, never crossing a brace (calls do not span blocks).
  let depth = 0;
  let openIndex: number | undefined;
  for (let k = startK; k >= stopAtIndex; k--) {
    const t = tokens[k];
    if (t.kind !== 'punct') continue;
    if (t.text === ')' || t.text === ']') depth++;
    else if (t.text === '[') { if (depth === 0) return undefined; depth--; }
    else if (t.text === '(') { if (depth === 0) { openIndex = k; break; } depth--; }
    else if (t.text === '{' || t.text === '}') return undefined;
  }
  if (openIndex === undefined) return undefined;
  const calleeIndex = prevSignificant(tokens, openIndex - 1);
  if (calleeIndex === undefined || tokens[calleeIndex].kind !== 'ident') return undefined;
  // Split the arguments before the cursor at top-level commas.
  const segments: Token[][] = [[]];
  depth = 0;
  for (let k = openIndex + 1; k <= startK; k++) {
    const t = tokens[k];
    if (isTrivia(t)) continue;
    if (t.kind === 'punct' && (t.text === '(' || t.text === '[')) depth++;
    else if (t.kind === 'punct' && (t.text === ')' || t.text === ']')) depth--;
    if (depth === 0 && t.kind === 'punct' && t.text === ',') { segments.push([]); continue; }
    segments[segments.length - 1].push(t);
  }
  const nameOf = (seg: Token[]) => (seg.length >= 2 && seg[0].kind === 'ident' && seg[1].text === '=' ? seg[0].text : undefined);
  const done = segments.slice(0, -1);
  const cur = segments[segments.length - 1];
  const namedArgs = done.map(nameOf).filter((n): n is string => n !== undefined);
  const positionalBefore = done.filter((s) => nameOf(s) === undefined).length;
  const argName = nameOf(cur);
  return {
    callee: tokens[calleeIndex], calleeIndex, openIndex, argIndex: segments.length - 1, argName, namedArgs,
    positionalBefore, inValue: argName !== undefined,
  };
}

export function prevSignificant(tokens: Token[], from: number): number | undefined {
  for (let k = from; k >= 0; k--) if (!isTrivia(tokens[k])) return k;
  return undefined;
}
export function nextSignificant(tokens: Token[], from: number): number | undefined {
  for (let k = from; k < tokens.length; k++) if (!isTrivia(tokens[k])) return k;
  return undefined;
}

export function contains(r: Range, p: Position): boolean {
  if (p.line < r.start.line || p.line > r.end.line) return false;
  if (p.line === r.start.line && p.character < r.start.character) return false;
  if (p.line === r.end.line && p.character > r.end.character) return false;
  return true;
}

export function overlaps(a: Range, b: Range): boolean {
  return !(before(a.end, b.start) || before(b.end, a.start));
}
export function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}
export function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character
    && a.end.line === b.end.line && a.end.character === b.end.character;
}

export const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
