// Error-tolerant recursive-descent parser. Each error is recorded and the parser resynchronises at the
// next line, comma or closing brace, so one typo never hides the rest of the file. Every loop consumes
// at least one token per iteration, so it always terminates.
import { LineMap, makeToken, stringValue, tokenize, type Token } from './lexer';
import type { Range } from '../types';
import type { Arg, Block, BlockKind, Entry, ExperimentDecl, Expr, Ident, SyntaxError, SyntaxTree, TypeExpr } from './tree';

const BLOCKS = new Set<BlockKind>(['dims', 'data', 'model', 'train', 'sample', 'predict']);
const MAX_DEPTH = 64;

export function parse(text: string, map: LineMap = new LineMap(text)): SyntaxTree {
  const all = tokenize(text, map);
  // Comments are trivia to the grammar. Copied into an array sized up front: filter() would grow its result
  // step by step, several throwaway copies of a 16,000-token array per keystroke.
  let comments = 0;
  for (const t of all) if (t.kind === 'comment') comments++;
  const toks: Token[] = comments === 0 ? all : new Array<Token>(all.length - comments);
  if (comments) for (let i = 0, k = 0; i < all.length; i++) if (all[i].kind !== 'comment') toks[k++] = all[i];
  const errors: SyntaxError[] = [];
  const errorStarts = new Set<number>();
  const items: SyntaxTree['items'] = [];
  let p = 0;
  let depth = 0;
  let tooDeep = false;
  const eofTok: Token = makeToken('newline', '', text.length, text.length, map);

  const peek = (k = 0): Token => toks[p + k] ?? eofTok;
  const atEnd = () => p >= toks.length;
  const isP = (t: Token, s: string) => t.kind === 'punct' && t.text === s;
  const skipNewlines = () => { while (!atEnd() && peek().kind === 'newline') p++; };
  const rng = (s: number, e: number) => map.range(s, e);
  /**
   * The range [s, e), reusing the start position of `from` and the end position of `to` when they sit at s
   * and e (the same values as a fresh lookup, fewer objects: a node mostly starts and ends where its children
   * do). Pass only nodes or tokens whose range is already built.
   */
  const span = (s: number, e: number, from?: { start: number; range: Range }, to?: { end: number; range: Range }): Range => ({
    start: from !== undefined && from.start === s ? from.range.start : map.position(s),
    end: to !== undefined && to.end === e ? to.range.end : map.position(e),
  });
  const err = (start: number, end: number, message: string, fix?: string) => {
    // One error per position is enough; cascades only add noise.
    if (errorStarts.has(start)) return;
    errorStarts.add(start);
    errors.push({ start, end: Math.max(end, start), message, fix });
  };
  const describe = (t: Token) => (t === eofTok || atEnd() ? 'the end of the file' : t.kind === 'newline' ? 'the end of the line' : `'${t.text}'`);
  const ident = (t: Token): Ident => ({ kind: 'ident', name: t.text, start: t.start, end: t.end, range: t.range });
  const lastEnd = () => (p > 0 ? toks[p - 1].end : 0);
  /** The previous token is an unclosed string: it swallowed the rest of the line, closers included. */
  const afterUnclosedString = () => p > 0 && toks[p - 1].kind === 'error' && /^["']/.test(toks[p - 1].text);

  /** A top-level block keyword at the start of a line, e.g. `train {`: ends an unclosed block. */
  const atTopLevelStart = () => {
    const t = peek();
    if (t.kind !== 'keyword' || !(BLOCKS.has(t.text as BlockKind) || t.text === 'experiment')) return false;
    const prev = toks[p - 1];
    if (prev && prev.kind !== 'newline') return false;
    if (t.text === 'experiment') return true;
    const n1 = peek(1);
    return isP(n1, '{') || (t.text === 'data' && (n1.kind === 'ident' || n1.kind === 'keyword'));
  };

  function parseExpr(): Expr {
    return parseAdd();
  }
  function parseAdd(): Expr {
    let left = parseMul();
    while (isP(peek(), '+') || isP(peek(), '-')) {
      const op = peek().text as '+' | '-';
      p++;
      const right = parseMul();
      left = { kind: 'binary', op, left, right, start: left.start, end: right.end, range: span(left.start, right.end, left, right) };
    }
    return left;
  }
  function parseMul(): Expr {
    let left = parseUnary();
    while (isP(peek(), '*') || isP(peek(), '/')) {
      const op = peek().text as '*' | '/';
      p++;
      const right = parseUnary();
      left = { kind: 'binary', op, left, right, start: left.start, end: right.end, range: span(left.start, right.end, left, right) };
    }
    return left;
  }
  function parseUnary(): Expr {
    const t = peek();
    if (isP(t, '-')) {
      // `- - - ... 1` nests like brackets do: the same depth limit keeps the recursion off the stack's end.
      if (depth > MAX_DEPTH) return parsePrimary();
      p++;
      depth++;
      const operand = parseUnary();
      depth--;
      return { kind: 'unary', op: '-', operand, start: t.start, end: operand.end, range: span(t.start, operand.end, undefined, operand) };
    }
    return parsePrimary();
  }
  function missing(): Expr {
    const t = peek();
    err(t.start, t.end, `expected a value, found ${describe(t)}`);
    const at = t.kind === 'newline' || atEnd() ? lastEnd() : t.start;
    return { kind: 'missing', start: at, end: at, range: rng(at, at) };
  }
  /** The rest of a too-deep expression, skipped up to the bracket that closes the level it started in, so
   *  the levels around it close normally: one error, not one per unmatched bracket. */
  function skipTooDeep(t: Token): Expr {
    const skipped: string[] = [];
    let open = 0;
    let end = t.end;
    while (!atEnd()) {
      const k = peek();
      if (k.kind === 'newline' && open === 0) break;
      if (isP(k, '(') || isP(k, '[')) open++;
      else if (isP(k, ')') || isP(k, ']')) { if (open === 0) break; open--; }
      else if (open === 0 && isP(k, ',')) break;
      else if (k.kind === 'ident') skipped.push(k.text);
      end = k.end;
      p++;
    }
    return { kind: 'missing', start: t.start, end, range: rng(t.start, end), skipped };
  }
  function parsePrimary(): Expr {
    const t = peek();
    if (depth > MAX_DEPTH) {
      // Once per file: a runaway `((((` or `----` would otherwise report every 64 tokens.
      if (!tooDeep) err(t.start, t.end, `expression nested too deeply (more than ${MAX_DEPTH} levels of calls and parentheses)`, 'name the inner parts in statements of their own (a = ..., then use a)');
      tooDeep = true;
      return skipTooDeep(t);
    }
    if (t.kind === 'number') {
      p++;
      const value = Number(t.text);
      return { kind: 'number', value, integer: /^\d+$/.test(t.text), text: t.text, start: t.start, end: t.end, range: t.range };
    }
    if (t.kind === 'string') { p++; return { kind: 'string', value: stringValue(t.text), start: t.start, end: t.end, range: t.range }; }
    if (t.kind === 'error' && /^["']/.test(t.text)) {
      // An unclosed string runs to the end of the line: say so once, and keep its text as the value.
      err(t.start, t.end, 'this string is never closed', `add the closing ${t.text[0]}`);
      p++;
      return { kind: 'string', value: stringValue(t.text), start: t.start, end: t.end, range: t.range };
    }
    if (t.kind === 'keyword' && (t.text === 'true' || t.text === 'false')) {
      p++;
      return { kind: 'bool', value: t.text === 'true', start: t.start, end: t.end, range: t.range };
    }
    if (t.kind === 'ident' || (t.kind === 'keyword' && !BLOCKS.has(t.text as BlockKind) && t.text !== 'experiment' && t.text !== 'input')) {
      p++;
      const id = ident(t);
      if (isP(peek(), '(')) return parseCall(id);
      if (isP(peek(), '.') && peek(1).kind === 'ident') {
        p++;
        const f = ident(peek());
        p++;
        return { kind: 'member', object: id, field: f, start: id.start, end: f.end, range: span(id.start, f.end, id, f) };
      }
      return id;
    }
    if (isP(t, '[')) {
      p++;
      depth++;
      const items: Expr[] = [];
      while (!atEnd()) {
        skipNewlines();
        if (isP(peek(), ']')) break;
        if (isP(peek(), '}') || atTopLevelStart()) break;
        const before = p;
        items.push(parseExpr());
        skipNewlines();
        if (isP(peek(), ',')) { p++; continue; }
        if (!isP(peek(), ']')) {
          // A closer of the enclosing call or block, or the line's end, means the `[` was left open: that is
          // the one error to report, not also "expected ']'" at the closer.
          const n = peek();
          if (!(isP(n, ')') || isP(n, '}') || n.kind === 'newline' || atEnd())) err(n.start, n.end, `expected ',' or ']' in a list, found ${describe(n)}`);
          if (p === before) p++;
          break;
        }
      }
      depth--;
      let end = lastEnd();
      if (isP(peek(), ']')) { end = peek().end; p++; } else if (!afterUnclosedString()) err(t.start, t.end, "this '[' is never closed", "add ']'");
      return { kind: 'list', items, start: t.start, end, range: rng(t.start, end) };
    }
    if (isP(t, '(')) {
      // Parenthesised expression: `(batch * time)`.
      p++;
      depth++;
      const e = parseExpr();
      depth--;
      if (!isP(peek(), ')')) { err(peek().start, peek().end, `expected ')', found ${describe(peek())}`); return e; }
      const close = peek();
      p++;
      // The parentheses belong to an operation's text (`0.5 * (h + e)` reads back whole); a name keeps its own
      // range, so renaming `(h)` renames `h` only.
      if (e.kind !== 'binary' && e.kind !== 'unary' && e.kind !== 'call') return e;
      return { ...e, start: t.start, end: close.end, range: span(t.start, close.end, t, close) };
    }
    return missing();
  }
  function parseCall(callee: Ident): Expr {
    const open = peek();
    p++;
    depth++;
    const args: Arg[] = [];
    while (!atEnd()) {
      skipNewlines();
      if (isP(peek(), ')')) break;
      if (isP(peek(), '}') || atTopLevelStart()) break;
      const before = p;
      const a = peek();
      let name: Ident | undefined;
      if ((a.kind === 'ident' || a.kind === 'keyword') && isP(peek(1), '=')) { name = ident(a); p += 2; }
      const value = parseExpr();
      const s = name ? name.start : value.start;
      args.push({ name, value, start: s, end: value.end, range: span(s, value.end, name ?? value, value) });
      // A newline ends the call unless the next line continues it (`,` or `)`): an unclosed `(` must not
      // swallow the statements below it.
      let q = p;
      while (toks[q]?.kind === 'newline') q++;
      const nx = toks[q];
      if (q > p && !(nx && nx.kind === 'punct' && (nx.text === ',' || nx.text === ')'))) break;
      p = q;
      if (isP(peek(), ',')) { p++; continue; }
      if (!isP(peek(), ')')) {
        err(peek().start, peek().end, `expected ',' or ')' after an argument of ${callee.name}(...), found ${describe(peek())}`);
        if (p === before) p++;
        // Skip to the closing paren on this line if there is one.
        while (!atEnd() && peek().kind !== 'newline' && !isP(peek(), ')') && !isP(peek(), '}')) p++;
        if (!isP(peek(), ')')) break;
      }
    }
    depth--;
    let close: number | undefined;
    let end = lastEnd();
    if (isP(peek(), ')')) { close = peek().start; end = peek().end; p++; } else if (!afterUnclosedString()) err(open.start, open.end, `the '(' of ${callee.name}(...) is never closed`, "add ')'");
    return { kind: 'call', callee, args, open: open.start, close, start: callee.start, end, range: span(callee.start, end, callee) };
  }
  function parseType(): TypeExpr | undefined {
    const t = peek();
    if (!(t.kind === 'keyword' && (t.text === 'int' || t.text === 'float')) && t.kind !== 'ident') {
      err(t.start, t.end, `expected a type such as int[batch, time] < vocab or float[batch, time, 1], found ${describe(t)}`);
      return undefined;
    }
    p++;
    const elem = ident(t);
    const dims: Expr[] = [];
    let end = t.end;
    if (isP(peek(), '[')) {
      const list = parsePrimary();
      if (list.kind === 'list') dims.push(...list.items);
      end = list.end;
    } else err(peek().start, peek().end, `expected '[' with the dimensions after ${t.text}, e.g. ${t.text}[batch, time]`);
    let bound: Expr | undefined;
    if (isP(peek(), '<')) { p++; bound = parseExpr(); end = bound.end; }
    return { elem, dims, bound, start: t.start, end, range: span(t.start, end, elem, bound) };
  }
  /** Skips the rest of a broken entry: to the next newline, comma or `}` at this level. */
  function recover() {
    let nest = 0;
    while (!atEnd()) {
      const t = peek();
      if (nest === 0 && (t.kind === 'newline' || isP(t, ',') || isP(t, '}'))) return;
      if (isP(t, '(') || isP(t, '[')) nest++;
      if ((isP(t, ')') || isP(t, ']')) && nest > 0) nest--;
      if (t.kind === 'newline') { if (atTopLevelStart()) return; }
      p++;
    }
  }
  function parseEntry(): Entry | undefined {
    const t = peek();
    if (t.kind === 'keyword' && t.text === 'input') {
      p++;
      const n = peek();
      if (n.kind !== 'ident') { err(n.start, n.end, `expected a tensor name after 'input', found ${describe(n)}`, 'write input x: int[batch, time] < vocab'); recover(); return undefined; }
      p++;
      let type: TypeExpr | undefined;
      if (isP(peek(), ':')) { p++; type = parseType(); }
      else err(peek().start, peek().end, `expected ':' and a type after 'input ${n.text}'`, `write input ${n.text}: int[batch, time] < vocab`);
      const end = type?.end ?? n.end;
      const name = ident(n);
      return { kind: 'input', keyword: t.range, name, type, start: t.start, end, range: span(t.start, end, t, type ?? name) };
    }
    // targets: ident (, ident)* =
    const targets: Ident[] = [];
    while ((peek().kind === 'ident' || peek().kind === 'keyword') && !(peek().text === 'true' || peek().text === 'false')) {
      targets.push(ident(peek()));
      p++;
      if (isP(peek(), ',') && (peek(1).kind === 'ident' || peek(1).kind === 'keyword')) { p++; continue; }
      // `out, state, = lstm(...)`: one error at the stray comma, and the statement is still checked.
      if (isP(peek(), ',') && isP(peek(1), '=')) { err(peek().start, peek().end, "remove this ','; no name follows it", 'remove the comma'); p++; }
      break;
    }
    if (targets.length === 0 || !isP(peek(), '=')) {
      // Report after the whole target list and recover from there: going back to its start would make
      // `a, b, c d` one error per name (and re-scan the list for each, quadratic on long lines).
      const last = targets[targets.length - 1];
      const bad = peek();
      if (!last) {
        err(bad.start, bad.end, `expected 'name = value' or 'input name: type', found ${describe(bad)}`);
      } else if (bad.kind === 'newline' || isP(bad, '}') || bad === eofTok) {
        err(last.start, last.end, `expected '= value' after '${last.name}'`, `write ${last.name} = ...`);
      } else if (targets.length === 1 && isP(bad, '(')) {
        err(last.start, last.end, `a call needs a name for its result: NAME = ${last.name}(...)`, `write out = ${last.name}(...)`);
      } else {
        err(bad.start, bad.end, `expected '=' after '${last.name}', found ${describe(bad)}`);
      }
      recover();
      return undefined;
    }
    p++; // '='
    const value = parseExpr();
    const s = targets[0].start;
    const e = Math.max(value.end, targets[targets.length - 1].end);
    return { kind: 'assign', targets, value, start: s, end: e, range: span(s, e, targets[0], value.end === e ? value : targets[targets.length - 1]) };
  }
  function parseBlock(kw: Token): Block {
    p++;
    const block: Block = { kind: 'block', block: kw.text as BlockKind, keyword: kw.range, entries: [], start: kw.start, end: kw.end, range: kw.range };
    if (block.block === 'data') {
      if (peek().kind === 'ident' || (peek().kind === 'keyword' && !isP(peek(), '{'))) { block.source = ident(peek()); p++; }
      else err(peek().start, peek().end, `expected a data source after 'data' (text, classify, pairs, series, arithmetic, sine, adding), found ${describe(peek())}`);
      if (peek().kind === 'string') { block.path = { kind: 'string', value: stringValue(peek().text), start: peek().start, end: peek().end, range: peek().range }; p++; }
      else if (peek().kind === 'error' && /^["']/.test(peek().text)) { err(peek().start, peek().end, 'this string is never closed', 'add the closing quote'); p++; }
    }
    skipNewlines();
    if (!isP(peek(), '{')) {
      err(peek().start, peek().end, `expected '{' to open the ${block.block} block, found ${describe(peek())}`, `write ${block.block} { ... }`);
      block.end = lastEnd();
      block.range = rng(block.start, block.end);
      // Try to carry on as if the brace were there only when the next line looks like block content.
      if (peek().kind !== 'newline') recover();
      return block;
    }
    block.open = peek().start;
    p++;
    parseBody(block, false);
    return block;
  }
  /** A block's entries up to its `}`. `reopened`: continuing after a stray `}` that was already reported. */
  function parseBody(block: Block, reopened: boolean) {
    while (!atEnd()) {
      skipNewlines();
      if (atEnd()) break;
      if (isP(peek(), '}')) break;
      if (atTopLevelStart()) break;
      if (isP(peek(), ',')) { p++; continue; }
      const before = p;
      const e = parseEntry();
      if (e) block.entries.push(e);
      const n = peek();
      // `out = dense(h + h), 1)`: the call closed early; the comma is the place to say so, not the `1`.
      const after = peek(1);
      const entryNext = after.kind === 'newline' || isP(after, '}') || after.text === 'input'
        || ((after.kind === 'ident' || after.kind === 'keyword') && (isP(peek(2), '=') || isP(peek(2), ',')));
      if (e?.kind === 'assign' && e.value.kind === 'call' && isP(n, ',') && !entryNext) {
        err(n.start, n.end, `unexpected ',' after ${e.value.callee.name}(...): did a ')' close it early?`, 'remove the extra \')\' before the comma');
        while (!atEnd() && peek().kind !== 'newline' && !isP(peek(), '}')) p++; // the rest of the line
        continue;
      }
      if (!atEnd() && n.kind !== 'newline' && !isP(n, ',') && !isP(n, '}')) {
        // A character that can start nothing (`@`, a stray `)`) is a typo to delete; a name or value is a
        // second entry on the line.
        const stray = n.kind === 'error' || (n.kind === 'punct' && !isP(n, '(') && !isP(n, '[') && !isP(n, '-') && !isP(n, '"'));
        const operatorLike = /^[\^%&|!~]/.test(n.text);
        if (stray) err(n.start, n.end, `unexpected ${describe(n)} after this entry`, operatorLike ? 'the arithmetic operators are + - * / (no powers: write x * x)' : `remove ${describe(n)}`);
        else err(n.start, n.end, `expected the end of the line after this entry, found ${describe(n)}`, 'put one entry a line, or separate entries with commas');
        recover();
      }
      if (p === before) p++;
    }
    if (isP(peek(), '}')) { block.close = peek().start; block.end = peek().end; p++; }
    else {
      block.end = lastEnd();
      const o = toks.find((t) => t.start === block.open)!;
      if (!reopened) err(o.start, o.end, `the '{' of the ${block.block} block is never closed`, "add '}' at the end of the block");
    }
    block.range = rng(block.start, block.end);
  }

  while (!atEnd()) {
    skipNewlines();
    if (atEnd()) break;
    const t = peek();
    if (t.kind === 'keyword' && t.text === 'experiment') {
      p++;
      const decl: ExperimentDecl = { kind: 'experiment', keyword: t.range, start: t.start, end: t.end, range: t.range };
      const n = peek();
      if (n.kind === 'ident' || n.kind === 'keyword') { decl.name = ident(n); p++; }
      else if (n.kind === 'string') { decl.name = { kind: 'string', value: stringValue(n.text), start: n.start, end: n.end, range: n.range }; p++; }
      else err(n.start, n.end, `expected the experiment's name after 'experiment', found ${describe(n)}`);
      decl.end = lastEnd();
      decl.range = rng(decl.start, decl.end);
      items.push(decl);
      if (!atEnd() && peek().kind !== 'newline') { err(peek().start, peek().end, `expected the end of the line, found ${describe(peek())}`); recover(); }
      continue;
    }
    if (t.kind === 'keyword' && BLOCKS.has(t.text as BlockKind)) { items.push(parseBlock(t)); continue; }
    if (isP(t, '}')) { err(t.start, t.end, "this '}' closes nothing", "remove it"); p++; continue; }
    // Entries right after a block: a stray `}` (`h = dense(x, 3)}`) closed it early. Report that brace once
    // and carry on with the block, so the statements below are still checked.
    const prev = items[items.length - 1];
    const entryLike = (t.kind === 'ident' && (isP(peek(1), '=') || isP(peek(1), ','))) || (t.kind === 'keyword' && t.text === 'input' && peek(1).kind === 'ident');
    if (entryLike && prev?.kind === 'block' && prev.close !== undefined) {
      err(prev.close, prev.close + 1, `this '}' closes the ${prev.block} block, but its entries go on below it`, "remove this '}'");
      prev.close = undefined;
      parseBody(prev, true);
      continue;
    }
    const what = t.kind === 'ident' && isP(peek(1), '=')
      ? `'${t.text} = ...' must be inside a block (model { ... }, train { ... })`
      : `expected a block (experiment, dims, data, model, train, sample, predict), found ${describe(t)}`;
    err(t.start, t.end, what, t.kind === 'ident' ? `move it into the block it belongs to` : undefined);
    // Skip the line.
    while (!atEnd() && peek().kind !== 'newline') {
      if (isP(peek(), '{')) {
        // Skip a whole unknown block so its entries don't each report.
        let nest = 0;
        while (!atEnd()) { if (isP(peek(), '{')) nest++; if (isP(peek(), '}')) { nest--; if (nest === 0) { p++; break; } } p++; }
        break;
      }
      p++;
    }
  }
  return { text, tokens: all, items, errors };
}

export { LineMap };
