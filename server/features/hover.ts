// Hover: tensors (shape, parameters, the op's doc and shape rule), states, dims (where bound, size), ops,
// data sources (what they provide), losses/optimizers/metrics/inits, and argument or block-key names.
import type { Hover } from 'vscode-languageserver';
import {
  BLOCK_KEYS, formatDim, formatLengthReport, INITS, LOSSES, METRICS, OPS, OPTIMIZERS, SOURCES,
  type OpInfo, type ParamInfo, type Position, type Shape, type StateValue, type StatementSummary, type SymbolInfo,
} from '../core';
import type { DocContext } from '../document';
import { callContext, contains, nextSignificant, prevSignificant } from '../syntax';
import { formatCount, isState, styledShape } from './shapes';

type Doc = { name: string; doc: string; params: ParamInfo[] };

export function hover(ctx: DocContext, pos: Position): Hover | null {
  const offset = ctx.doc.offsetAt(pos);
  const idx = ctx.syntax.tokenAt(offset);
  if (idx === undefined) return null;
  const tok = ctx.syntax.tokens[idx];
  if (tok.kind === 'punct' && ARITH_TOKENS.has(tok.text)) {
    const s = arithmeticAt(ctx, pos);
    return s ? { contents: { kind: 'markdown', value: nestedHover(s) }, range: tok.range } : null;
  }
  if (tok.kind !== 'ident' && tok.kind !== 'keyword') return null;
  const value = hoverText(ctx, idx, pos);
  return value ? { contents: { kind: 'markdown', value }, range: tok.range } : null;
}

function hoverText(ctx: DocContext, idx: number, pos: Position): string | undefined {
  const { tokens } = ctx.syntax;
  const tok = tokens[idx];
  const name = tok.text;
  const prev = prevSignificant(tokens, idx - 1);
  const next = nextSignificant(tokens, idx + 1);
  const prevTok = prev !== undefined ? tokens[prev] : undefined;
  const nextTok = next !== undefined ? tokens[next] : undefined;
  const block = ctx.syntax.blockOf(idx);

  // `enc.h`: a state's field.
  if (prevTok?.text === '.' && prev !== undefined && (name === 'h' || name === 'c')) {
    const objIdx = prevSignificant(tokens, prev - 1);
    const obj = objIdx !== undefined ? ctx.analysis.values.get(tokens[objIdx].text) : undefined;
    if (isState(obj)) {
      const field = name === 'h' ? obj.h : obj.c;
      if (field) return [code(`${tokens[objIdx!].text}.${name}: ${shapeText(field)}`), `${name === 'h' ? 'Hidden' : 'Cell'} state of the top layer of the ${obj.cell} (${layersText(obj)}).`].join('\n\n');
    }
  }

  // Data source name in `data SOURCE "path" {`.
  if (block?.kind === 'data' && prevTok?.text === 'data' && SOURCES[name]) return sourceHover(ctx, name);

  // An op in a call position inside the model block; a call nested in another's arguments shows its shape.
  if (nextTok?.text === '(' && OPS[name] && (block?.kind === 'model' || block === undefined)) {
    const inner = ctx.analysis.summaries.find((s) => s.nested && contains(s.nested.opRange, pos));
    return inner ? nestedHover(inner) : opHover(OPS[name]);
  }

  // Argument or key names: `layers = 2` inside a call, `epochs = 10` in a block.
  if (nextTok?.text === '=' && tok.kind === 'ident') {
    const param = paramAt(ctx, idx, block?.kind);
    if (param) return paramHover(param.owner, param.param);
  }

  // Train-block vocabulary.
  const lib = libraryDoc(name, block?.kind, ctx, idx);
  if (lib) return lib;

  // Symbols: tensors, states, dims, data.
  const sym = symbolAt(ctx, pos);
  if (sym) {
    const text = symbolHover(ctx, sym);
    if (text) return text;
  }
  if (tok.kind === 'ident') {
    const v = ctx.analysis.values.get(name);
    if (v) return tensorHover(ctx, name, v);
    if (ctx.analysis.dims.has(name)) return dimHover(ctx, name);
  }
  if (tok.kind === 'keyword') return keywordDoc(name);
  return undefined;
}

export function symbolAt(ctx: DocContext, pos: Position): SymbolInfo | undefined {
  // Match by name too: a symbol's range may sit on another token (a data-bound dim such as `vocab` is
  // "defined" at the source name).
  const idx = ctx.syntax.tokenAt(ctx.doc.offsetAt(pos));
  const word = idx !== undefined ? ctx.syntax.tokens[idx].text : undefined;
  for (const s of ctx.analysis.symbols) {
    if (s.name !== word) continue;
    if (contains(s.definition, pos)) return s;
    for (const r of s.references) if (contains(r, pos)) return s;
  }
  return undefined;
}

function symbolHover(ctx: DocContext, sym: SymbolInfo): string | undefined {
  if (sym.kind === 'dim') return dimHover(ctx, sym.name) ?? sym.detail;
  if (sym.kind === 'data') return ctx.analysis.data ? sourceHover(ctx, ctx.analysis.data.source) : sym.detail;
  const v = ctx.analysis.values.get(sym.name);
  return v ? tensorHover(ctx, sym.name, v, sym) : sym.detail;
}

export function summaryOf(ctx: DocContext, name: string, sym?: SymbolInfo): StatementSummary | undefined {
  let found: StatementSummary | undefined;
  for (const s of ctx.analysis.summaries) {
    if (!s.label.split(',').map((x) => x.trim()).includes(name)) continue;
    if (sym && contains(s.range, sym.definition.start)) return s;
    found ??= s;
  }
  return found;
}

function tensorHover(ctx: DocContext, name: string, v: Shape | StateValue, sym?: SymbolInfo): string {
  const summary = summaryOf(ctx, name, sym);
  const parts: string[] = [];
  if (isState(v)) {
    const lines = [`${name}: ${v.cell} state`, `  h: ${shapeText(v.h)}`];
    if (v.c) lines.push(`  c: ${shapeText(v.c)}`);
    parts.push(code(lines.join('\n')), `Final state of the ${v.cell} (${layersText(v)}); \`${name}.h\`${v.c ? ` and \`${name}.c\` are` : ' is'} the top layer's.`);
  } else {
    parts.push(code(`${name}: ${shapeText(v)}`));
    if (v.masked) parts.push('Padded sequence: `last`, `first` and the losses use its mask.');
  }
  if (summary) {
    const op = OPS[summary.op];
    if (summary.op === 'input') {
      const src = ctx.analysis.data;
      parts.push(src ? `Input provided by data source \`${src.source}\`${src.path ? ` (\`${src.path}\`)` : ''}.` : 'Model input.');
    } else {
      const params = summary.params !== undefined
        ? `${formatCount(summary.params)} parameters${summary.paramRule ? ` (\`${summary.paramRule}\`)` : ''}`
        : summary.paramRule ? `parameters unknown until every size is known (\`${summary.paramRule}\`)` : undefined;
      parts.push([`**${summary.op}**`, params].filter(Boolean).join(' · '));
      const rule = summary.rule || op?.rule;
      if (rule) parts.push(`Shape rule: \`${rule}\``);
      if (op) parts.push(op.doc);
    }
  }
  return parts.join('\n\n');
}

function dimHover(ctx: DocContext, name: string): string | undefined {
  const d = ctx.analysis.dims.get(name);
  if (!d) return undefined;
  const size = d.size !== undefined ? String(d.size) : d.sizes && d.sizes.length ? `one of ${d.sizes.join(', ')} (varying)` : 'unknown until the data is read';
  const where = d.origin === 'dims' ? 'the `dims` block' : d.origin === 'data' ? 'the data source' : 'an op argument';
  return [code(`dim ${name} = ${size}`), `Bound in ${where}, line ${d.range.start.line + 1}${d.detail ? ` (${d.detail})` : ''}.`].join('\n\n');
}

function sourceHover(ctx: DocContext, name: string): string {
  const src = SOURCES[name];
  const parts = [code(`data ${name}${src.path ? ' "PATH"' : ''}`), src.doc];
  const data = ctx.analysis.data;
  if (data && data.source === name && Object.keys(data.provides).length) {
    parts.push(['Provides:', ...Object.entries(data.provides).map(([t, s]) => `- \`${t}: ${shapeText(s)}\``)].join('\n'));
    if (data.resolvedPath) parts.push(`Reads \`${data.resolvedPath}\`.`);
    if (data.lengths) parts.push(`Rows: ${formatLengthReport(data.lengths)}.`);
  } else parts.push(`Provides: ${src.provides}`);
  if (src.params.length) parts.push(paramList(src.params));
  return parts.join('\n\n');
}

/** A nested call: its output shape (what the enclosing call receives), parameters and rule, then the op's doc. */
const ARITH_TOKENS = new Set(['+', '-', '*', '/']);
const ARITH_OPS = new Set(['add', 'sub', 'mul', 'div']);

/** The innermost arithmetic expression around an operator: a nested one's range, or its statement's. */
function arithmeticAt(ctx: DocContext, pos: Position): StatementSummary | undefined {
  let best: StatementSummary | undefined;
  let size = Infinity;
  for (const s of ctx.analysis.summaries) {
    if (!ARITH_OPS.has(s.op)) continue;
    const r = s.nested?.opRange ?? s.range;
    if (!contains(r, pos)) continue;
    const n = (r.end.line - r.start.line) * 1e6 + (r.end.character - r.start.character);
    if (n < size) { size = n; best = s; }
  }
  return best;
}

function nestedHover(s: StatementSummary): string {
  const op = OPS[s.op];
  const parts = [code(`${s.label}: ${s.shape ? shapeText(s.shape) : 'shape unknown'}`)];
  const params = s.params !== undefined ? `${formatCount(s.params)} parameters${s.paramRule ? ` (\`${s.paramRule}\`)` : ''}` : undefined;
  parts.push([`**${s.op}**`, params].filter(Boolean).join(' · '));
  if (s.rule) parts.push(`Shape rule: \`${s.rule}\``);
  if (op) parts.push(op.doc);
  return parts.join('\n\n');
}

function opHover(op: OpInfo): string {
  const parts = [code(op.signature), op.doc];
  if (op.rule) parts.push(`Shape rule: \`${op.rule}\``);
  if (op.params.length) parts.push(paramList(op.params));
  return parts.join('\n\n');
}

function paramHover(owner: string, p: ParamInfo): string {
  return [code(`${owner}: ${p.name}${p.default !== undefined ? ` = ${p.default}` : ''}  (${p.type})`), p.doc].join('\n\n');
}

function libraryDoc(name: string, block: string | undefined, ctx: DocContext, idx: number): string | undefined {
  if (block !== 'train') return undefined;
  const next = nextSignificant(ctx.syntax.tokens, idx + 1);
  if (next !== undefined && ctx.syntax.tokens[next].text === '=') return undefined;
  const entry: Doc | undefined = LOSSES[name] ?? OPTIMIZERS[name] ?? METRICS[name] ?? INITS[name];
  if (!entry) return undefined;
  const kind = LOSSES[name] ? 'loss' : OPTIMIZERS[name] ? 'optimizer' : METRICS[name] ? 'metric' : 'init';
  const parts = [code(`${kind} ${name}${entry.params.length ? `(${entry.params.map((p) => p.name).join(', ')})` : ''}`), entry.doc];
  if (entry.params.length) parts.push(paramList(entry.params));
  return parts.join('\n\n');
}

/** The parameter an `ident =` at token `idx` names: an argument of the enclosing call, or a block key. */
export function paramAt(ctx: DocContext, idx: number, block: string | undefined): { owner: string; param: ParamInfo } | undefined {
  const tok = ctx.syntax.tokens[idx];
  const call = callContext(ctx.syntax, tok.start);
  if (call) {
    const callee = call.callee.text;
    const info: Doc | undefined = OPS[callee] ?? LOSSES[callee] ?? OPTIMIZERS[callee] ?? INITS[callee];
    const p = info?.params.find((x) => x.name === tok.text);
    return p ? { owner: callee, param: p } : undefined;
  }
  if (block === 'train' || block === 'sample' || block === 'predict') {
    const p = BLOCK_KEYS[block].find((x) => x.name === tok.text);
    return p ? { owner: block, param: p } : undefined;
  }
  if (block === 'data') {
    const src = ctx.analysis.data?.source ?? dataSourceName(ctx);
    const p = src && SOURCES[src] ? SOURCES[src].params.find((x) => x.name === tok.text) : undefined;
    return p && src ? { owner: `data ${src}`, param: p } : undefined;
  }
  return undefined;
}

/** The source named in the data block header, from tokens (works while the analysis has no data yet). */
export function dataSourceName(ctx: DocContext): string | undefined {
  const b = ctx.syntax.blocks.find((x) => x.kind === 'data');
  if (!b) return undefined;
  const n = nextSignificant(ctx.syntax.tokens, b.first + 1);
  return n !== undefined && ctx.syntax.tokens[n].kind === 'ident' ? ctx.syntax.tokens[n].text : undefined;
}

const KEYWORD_DOCS: Record<string, string> = {
  experiment: 'The experiment\'s name (defaults to the file name).',
  dims: 'Named sizes: `NAME = INT`, one a line.',
  data: 'Where tensors come from: `data SOURCE ["PATH"] { ... }`. Binds the dims the data knows (vocab, classes, ...).',
  model: 'The computation, one statement a line: `name = op(args)`, `out, state = lstm(...)`, `input x: TYPE`.',
  train: 'Loss, optimizer and schedule: `loss`, `optimizer`, `epochs`, `clip`, `metrics`, `init`, `seed`, `device`.',
  sample: 'How a trained language model generates text: `prime`, `length`, `temperature`.',
  predict: 'How a trained classifier or seq2seq model is used: `from`.',
  input: 'Declares a tensor the data must provide: `input x: int[batch, time] < vocab`.',
};
function keywordDoc(name: string): string | undefined {
  const d = KEYWORD_DOCS[name];
  return d ? `${code(name)}\n\n${d}` : undefined;
}

function paramList(params: ParamInfo[]): string {
  return params.map((p) => `- \`${p.name}\`${p.default !== undefined ? ` = \`${p.default}\`` : ''} (${p.type}): ${p.doc}`).join('\n');
}

export function shapeText(s: Shape): string {
  return `${s.elem}${styledShape(s, 'names-and-sizes')}${s.bound ? ` < ${formatDim(s.bound)}` : ''}`;
}

function layersText(s: StateValue): string {
  return `${s.layers} layer${s.layers === 1 ? '' : 's'}, ${s.directions === 2 ? 'bidirectional' : '1 direction'}`;
}

function code(s: string): string {
  return '```rnn\n' + s + '\n```';
}
