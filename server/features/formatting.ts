// Formatting: two-space indentation inside blocks, `=` aligned across a block's `name = ...` lines, one
// space either side of that `=`, no space before `,` `)` `]` or after `(` `[`, one after `,`, no trailing
// whitespace (the space before a comment is kept: comments are often aligned by hand). Only whitespace outside tokens changes, so the
// result parses exactly as the input did, and formatting the result again changes nothing.
import type { TextEdit } from 'vscode-languageserver';
import { lineText, type DocContext } from '../document';
import type { BlockInfo, LineInfo } from '../syntax';

const INDENT = '  ';

export function format(ctx: DocContext): TextEdit[] {
  const { tokens, lines } = ctx.syntax;
  const lineCount = lines.length;
  const newText: (string | undefined)[] = new Array(lineCount).fill(undefined);

  // Per block: which lines are `lhs = rhs` entries, and the widest lhs.
  const align = new Map<number, { lhs: string; rhs: string }>();
  const widthOf = new Map<BlockInfo, number>();
  for (let l = 0; l < lineCount; l++) {
    const li = lines[l];
    const b = li.block;
    if (!b || b.open === undefined || li.insideToken || li.parenDepth > 0) continue;
    if (l <= tokens[b.open].range.start.line) continue; // the header line
    if (b.close !== undefined && l >= tokens[b.close].range.start.line) continue;
    const eq = topLevelEquals(ctx, li);
    if (eq === undefined) continue;
    const lhs = tidy(ctx, li.from, eq);
    const rhs = eq + 1 < li.to ? tidy(ctx, eq + 1, li.to) : '';
    align.set(l, { lhs, rhs });
    widthOf.set(b, Math.max(widthOf.get(b) ?? 0, lhs.length));
  }

  for (let l = 0; l < lineCount; l++) {
    const li = lines[l];
    if (li.insideToken) continue;
    if (li.from >= li.to) { newText[l] = ''; continue; }
    const content = tidy(ctx, li.from, li.to);
    const depth = indentDepth(ctx, li, l);
    const a = align.get(l);
    if (a && li.block) {
      const width = widthOf.get(li.block) ?? a.lhs.length;
      newText[l] = INDENT.repeat(depth) + a.lhs.padEnd(width) + ' =' + (a.rhs ? ' ' + a.rhs : '');
    } else newText[l] = INDENT.repeat(depth) + content;
  }

  const edits: TextEdit[] = [];
  for (let l = 0; l < lineCount; l++) {
    const want = newText[l];
    if (want === undefined) continue;
    const have = lineText(ctx, l);
    if (have === want) continue;
    edits.push({ range: { start: { line: l, character: 0 }, end: { line: l, character: have.length } }, newText: want });
  }
  return edits;
}

/** Tokens [from, to) of one line as text, with the spacing around brackets and commas made regular. */
function tidy(ctx: DocContext, from: number, to: number): string {
  const { tokens } = ctx.syntax;
  let out = tokens[from].text;
  for (let k = from + 1; k < to; k++) {
    const prev = tokens[k - 1], t = tokens[k];
    const gap = ctx.text.slice(prev.end, t.start);
    let want = gap;
    if (t.kind === 'comment') want = gap || ' ';
    else if (t.kind === 'punct' && (t.text === ',' || t.text === ')' || t.text === ']')) want = '';
    else if (prev.kind === 'punct' && (prev.text === '(' || prev.text === '[')) want = '';
    else if (prev.kind === 'punct' && prev.text === ',') want = ' ';
    out += want + t.text;
  }
  return out;
}

/** The `=` that splits `lhs = rhs` on this line: the first one outside brackets, with something before it. */
function topLevelEquals(ctx: DocContext, li: LineInfo): number | undefined {
  const { tokens } = ctx.syntax;
  let depth = 0;
  for (let k = li.from; k < li.to; k++) {
    const t = tokens[k];
    if (t.kind !== 'punct') continue;
    if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
    else if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
    else if (t.text === '=' && depth === 0) return k > li.from && tokens[k - 1].kind !== 'comment' ? k : undefined;
  }
  return undefined;
}

function indentDepth(ctx: DocContext, li: LineInfo, l: number): number {
  const { tokens } = ctx.syntax;
  const b = li.block;
  if (!b || b.open === undefined) return 0;
  if (l <= tokens[b.open].range.start.line) return 0;
  if (b.close !== undefined && l === tokens[b.close].range.start.line && tokens[li.from].text === '}') return 0;
  if (b.close !== undefined && l > tokens[b.close].range.start.line) return 0;
  // Inside the block: one level, plus one for continuation lines of a call or list (closing bracket lines
  // go back to the statement's level).
  const closes = tokens[li.from].text === ')' || tokens[li.from].text === ']';
  return 1 + (li.parenDepth > 0 && !closes ? 1 : 0);
}

