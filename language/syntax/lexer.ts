// Lexer for `.rnn` files. Lossless: every character belongs to a token or to the whitespace between two
// tokens (recoverable from offsets), so the server can colour, fold and format from tokens alone.
import type { Position, Range } from '../types';

export type TokenKind = 'ident' | 'keyword' | 'number' | 'string' | 'punct' | 'comment' | 'newline' | 'error';

export interface Token {
  kind: TokenKind;
  text: string;
  /** UTF-16 offsets into the source. */
  start: number;
  end: number;
  /** Line and UTF-16 column of `start` (= range.start), as plain numbers: reading them allocates nothing. */
  line: number;
  character: number;
  /** The LSP range. The lexer's tokens build it on first read: most tokens never need one. */
  readonly range: Range;
}

/**
 * A lexed token. A class rather than a literal so the range can be lazy: a 2,000-line file has ~16,000
 * tokens, and three objects per token for ranges nobody reads were a large share of the analysis' garbage.
 */
class LexToken implements Token {
  /** `r`: given up front only where the end is not implied (a string over a line break, the parser's EOF). */
  constructor(
    readonly kind: TokenKind, readonly text: string, readonly start: number, readonly end: number,
    readonly line: number, readonly character: number, private r: Range | undefined,
  ) {}
  get range(): Range {
    // Every other token ends on its own line, except a line break, which ends at the next line's start.
    return (this.r ??= {
      start: { line: this.line, character: this.character },
      end: this.kind === 'newline' ? { line: this.line + 1, character: 0 } : { line: this.line, character: this.character + (this.end - this.start) },
    });
  }
}

/** A token made outside the lexer (the parser's end-of-file marker), positioned through the map. */
export function makeToken(kind: TokenKind, text: string, start: number, end: number, map: LineMap): Token {
  const range = map.range(start, end);
  return new LexToken(kind, text, start, end, range.start.line, range.start.character, range);
}

export const KEYWORDS = new Set([
  'experiment', 'dims', 'data', 'model', 'train', 'sample', 'predict', 'input', 'true', 'false', 'int', 'float',
]);

/** Maps offsets to LSP positions. Built once per text. */
export class LineMap {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 10) this.starts.push(i + 1);
      else if (ch === 13 && text.charCodeAt(i + 1) !== 10) this.starts.push(i + 1);
    }
  }
  position(offset: number): Position {
    let lo = 0, hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo] };
  }
  range(start: number, end: number): Range { return { start: this.position(start), end: this.position(end) }; }
  offset(p: Position): number {
    const line = Math.max(0, Math.min(p.line, this.starts.length - 1));
    return Math.min(this.text.length, this.starts[line] + p.character);
  }
  lineText(line: number): string {
    const s = this.starts[line] ?? this.text.length;
    const e = this.starts[line + 1] ?? this.text.length;
    return this.text.slice(s, e).replace(/\r?\n$/, '').replace(/\r$/, '');
  }
  get lineCount(): number { return this.starts.length; }
}

const isIdStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdPart = (c: number) => isIdStart(c) || isDigit(c);
const PUNCT = '{}()[],=:<.*+-/';

export function tokenize(text: string, map: LineMap = new LineMap(text)): Token[] {
  const out: Token[] = [];
  const n = text.length;
  let i = 0;
  // Positions are tracked while scanning (the line and its start offset) instead of searched per token.
  let line = 0;
  let lineStart = 0;
  const push = (kind: TokenKind, start: number, end: number) => {
    out.push(new LexToken(kind, text.slice(start, end), start, end, line, start - lineStart, undefined));
  };
  /** A string may run over a line break after a backslash: position its end, and the lexer, through the map. */
  const pushMultiline = (kind: TokenKind, start: number, end: number) => {
    const range = map.range(start, end);
    out.push(new LexToken(kind, text.slice(start, end), start, end, line, start - lineStart, range));
    line = range.end.line;
    lineStart = end - range.end.character;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 0xfeff) { i++; continue; }
    if (c === 10 || c === 13) {
      const s = i;
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      out.push(new LexToken('newline', text.slice(s, i), s, i, line, s - lineStart, undefined));
      line++;
      lineStart = i;
      continue;
    }
    if (c === 35 /* # */) {
      const s = i;
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
      push('comment', s, i);
      continue;
    }
    if (isIdStart(c)) {
      const s = i;
      while (i < n && isIdPart(text.charCodeAt(i))) i++;
      push(KEYWORDS.has(text.slice(s, i)) ? 'keyword' : 'ident', s, i);
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      const s = i;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) === 46 && isDigit(text.charCodeAt(i + 1))) { i++; while (i < n && isDigit(text.charCodeAt(i))) i++; }
      else if (text.charCodeAt(i) === 46 && !isIdStart(text.charCodeAt(i + 1))) i++; // `1.`
      if ((text.charCodeAt(i) | 32) === 101 /* e */) {
        let j = i + 1;
        if (text[j] === '+' || text[j] === '-') j++;
        if (isDigit(text.charCodeAt(j))) { i = j; while (i < n && isDigit(text.charCodeAt(i))) i++; }
      }
      // `12abc` is one bad token, not a number followed by a name.
      if (i < n && isIdStart(text.charCodeAt(i))) { while (i < n && isIdPart(text.charCodeAt(i))) i++; push('error', s, i); continue; }
      push('number', s, i);
      continue;
    }
    if (c === 34 || c === 39 /* " ' */) {
      const s = i;
      i++;
      let closed = false;
      let multiline = false;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) {
          const e = text.charCodeAt(i + 1);
          if (e === 10 || e === 13) multiline = true;
          i += 2;
          continue;
        }
        if (d === 10 || d === 13) break;
        i++;
        if (d === c) { closed = true; break; }
      }
      if (i > n) i = n;
      if (multiline) pushMultiline(closed ? 'string' : 'error', s, i);
      else push(closed ? 'string' : 'error', s, i);
      continue;
    }
    if (PUNCT.includes(text[i])) { push('punct', i, i + 1); i++; continue; }
    // Anything else (a stray `@`, a non-ASCII letter): one error token per run of such characters.
    const s = i;
    i++;
    while (i < n) {
      const d = text.charCodeAt(i);
      if (d === 32 || d === 9 || d === 10 || d === 13 || d === 35 || isIdPart(d) || d === 34 || d === 39 || PUNCT.includes(text[i])) break;
      i++;
    }
    push('error', s, i);
  }
  return out;
}

/** Decodes a string literal's text (`"a\n"`) to its value. */
export function stringValue(tokenText: string): string {
  const q = tokenText[0];
  const body = tokenText.slice(1, tokenText.endsWith(q) && tokenText.length > 1 ? -1 : undefined);
  return body.replace(/\\(.)/g, (_m, ch: string) => ({ n: '\n', t: '\t', r: '\r', '0': '\0' } as Record<string, string>)[ch] ?? ch);
}
