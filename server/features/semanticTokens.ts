// Semantic tokens (full document): ops, tensors, dims, data sources, block keys, the train block's
// vocabulary, with `declaration` on definitions. Keywords, numbers, strings and comments come from tokens.
import type { SemanticTokens, SemanticTokensLegend } from 'vscode-languageserver';
import { INITS, LOSSES, METRICS, OPS, OPTIMIZERS, SOURCES } from '../core';
import type { DocContext } from '../document';
import { nextSignificant, prevSignificant } from '../syntax';

export const TOKEN_TYPES = ['keyword', 'number', 'string', 'comment', 'function', 'variable', 'parameter', 'property', 'type', 'namespace', 'enumMember', 'operator'] as const;
export const TOKEN_MODIFIERS = ['declaration', 'readonly', 'defaultLibrary'] as const;
export const LEGEND: SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] };

const T = Object.fromEntries(TOKEN_TYPES.map((t, i) => [t, i])) as Record<(typeof TOKEN_TYPES)[number], number>;
const DECL = 1, READONLY = 2, LIB = 4;

export function semanticTokens(ctx: DocContext): SemanticTokens {
  const { tokens } = ctx.syntax;
  // Symbol definitions and references by start offset, so each identifier is classified in O(1).
  const symAt = new Map<number, { kind: string; decl: boolean }>();
  const named = (o: number, name: string) => ctx.text.startsWith(name, o) && !/[A-Za-z0-9_]/.test(ctx.text[o + name.length] ?? '');
  for (const s of ctx.analysis.symbols) {
    if (s.kind === 'data') continue;
    const d = ctx.doc.offsetAt(s.definition.start);
    if (named(d, s.name)) symAt.set(d, { kind: s.kind, decl: true });
    for (const r of s.references) {
      const o = ctx.doc.offsetAt(r.start);
      if (!symAt.has(o) && named(o, s.name)) symAt.set(o, { kind: s.kind, decl: false });
    }
  }
  const data: number[] = [];
  let prevLine = 0, prevChar = 0;
  const push = (line: number, char: number, length: number, type: number, mods: number) => {
    data.push(line - prevLine, line === prevLine ? char - prevChar : char, length, type, mods);
    prevLine = line;
    prevChar = char;
  };
  let depth = 0; // bracket depth, so `name =` inside a call reads as an argument name
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind === 'punct') {
      if (t.text === '(' || t.text === '[') depth++;
      else if ((t.text === ')' || t.text === ']') && depth > 0) depth--;
      else if (t.text === '{' || t.text === '}') depth = 0;
      continue;
    }
    if (t.kind === 'newline' || t.kind === 'error' || t.text === '_') continue;
    // LSP tokens cannot span lines; only strings can (after a backslash). Positions come from the token's
    // numbers, so colouring a whole file builds no ranges.
    if (t.kind === 'string' && t.range.end.line !== t.line) continue;
    const { line, character } = t;
    const len = t.end - t.start;
    if (t.kind === 'keyword') { push(line, character, len, T.keyword, 0); continue; }
    if (t.kind === 'number') { push(line, character, len, T.number, 0); continue; }
    if (t.kind === 'string') { push(line, character, len, T.string, 0); continue; }
    if (t.kind === 'comment') { push(line, character, len, T.comment, 0); continue; }
    // Identifiers.
    const sym = symAt.get(t.start);
    if (sym) {
      const type = sym.kind === 'dim' ? T.type : T.variable;
      push(line, character, len, type, (sym.decl ? DECL : 0) | (sym.kind === 'dim' ? READONLY : 0));
      continue;
    }
    const n = nextSignificant(tokens, k + 1);
    const p = prevSignificant(tokens, k - 1);
    const next = n !== undefined ? tokens[n].text : '';
    const prev = p !== undefined ? tokens[p].text : '';
    const block = ctx.syntax.lines[line]?.block?.kind;
    if (prev === 'data' && SOURCES[t.text]) push(line, character, len, T.namespace, LIB);
    else if (next === '(' && (OPS[t.text] || LOSSES[t.text] || OPTIMIZERS[t.text] || INITS[t.text])) push(line, character, len, T.function, LIB);
    else if (next === '=' && prev !== '=') push(line, character, len, block === 'dims' ? T.type : depth > 0 ? T.parameter : T.property, block === 'dims' ? DECL | READONLY : 0);
    else if (block === 'train' && (METRICS[t.text] || OPTIMIZERS[t.text] || INITS[t.text] || LOSSES[t.text])) push(line, character, len, T.enumMember, LIB);
    else if (prev === '.' && (t.text === 'h' || t.text === 'c')) push(line, character, len, T.property, 0);
    else if (ctx.analysis.dims.has(t.text)) push(line, character, len, T.type, READONLY);
    else if (ctx.analysis.values.has(t.text)) push(line, character, len, T.variable, 0);
  }
  return { data };
}
