// The checker: resolves names, infers shapes statement by statement and reports diagnostics. It works on
// whatever the parser recovered, so a broken line never hides the problems below it. It never throws.
import * as path from 'node:path';
import { LineMap } from '../syntax/lexer';
import type { AssignEntry, BinaryExpr, Block, CallExpr, Expr, InputEntry, SyntaxTree, TypeExpr, UnaryExpr } from '../syntax/tree';
import { ARITH_RULE, inferArithmetic } from './arithmetic';
import { OP_DEFS, RECURRENT_OPS } from '../ops/index';
import type { LayoutOrigin, OpCtx, Report } from '../ops/types';
import { FILE_DIMS, SOURCES, provides, sourceDims, type ArgValue } from '../sources/index';
import { BLOCK_KEYS, DEVICES, INITS, LOSSES, METRICS, OPTIMIZERS } from '../settings/index';
import type {
  Analysis, DataHost, DataSource, Diagnostic, Dim, DimInfo, ModelStatement, Position, QuickFix, Range, Related, Shape,
  StateValue, StatementSummary, SymbolInfo, TensorRef, TextEdit, TrainSettings, Value,
} from '../types';
import { dimProduct, dimRelation, formatDim, formatShape } from './dims';
import { formatBytes } from './memory';
import { closest } from './suggest';
import { probeDims } from '../data/generators';
import { checkLoss } from './loss';

export interface CheckOptions { uri: string; path?: string; host?: DataHost }

interface TensorEntry {
  value: Shape | StateValue;
  def: Range;
  used: boolean;
  kind: 'input' | 'op' | 'data';
  line: number;
  symbol: SymbolInfo;
  /** Index of the statement that made it (for the unused quick fix). */
  stmt?: AssignEntry | InputEntry;
  /** Its statement had an error, so its shape is unknown: uses of it are not checked (no follow-on errors). */
  unknown?: boolean;
}

type Bound = Map<string, { expr: Expr; range: Range; nameRange?: Range }>;
type Resolved = Map<string, { value?: Shape | StateValue; ref?: TensorRef; def?: Range }>;
type DimList = { dim: Dim; factors: Dim[]; range: Range; text: string }[];
/** Stands in for a statement's argument table that nothing was put into. */
const NONE: ReadonlyMap<string, never> = new Map<string, never>();
/** The most operations one expression may chain (the checker recurses once per operation). */
const MAX_OPERATIONS = 256;
interface CtxHooks {
  report(code: Diagnostic['code'], range: Range, message: string, extra: { fix?: string; quickFixes?: QuickFix[]; related?: Related[] }): void;
  src(node: { start: number; end: number }): string;
  layoutOrigin(name: string): LayoutOrigin | undefined;
  lookupDim(name: string): Dim | undefined;
  position(offset: number): Position;
}

/**
 * The view of one statement's resolved arguments that its op's shape rule reads. A class, not an object of
 * closures: a model of 2,000 statements would otherwise allocate some 30,000 closures per keystroke.
 */
class StatementCtx implements OpCtx {
  readonly callRange: Range;
  constructor(readonly op: string, private readonly call: CallExpr, private readonly bound: Bound, private readonly tensors: ReadonlyMap<string, { value?: Shape | StateValue; ref?: TensorRef; def?: Range }>,
    private readonly sizes: ReadonlyMap<string, Dim>, private readonly dimLists: ReadonlyMap<string, DimList>, private readonly scalars: ReadonlyMap<string, unknown>,
    private readonly hooks: CtxHooks) {
    this.callRange = call.range;
  }
  argRange(p: string): Range { return this.bound.get(p)?.range ?? this.call.callee.range; }
  has(p: string): boolean { return this.bound.has(p); }
  tensor(p: string): Shape | undefined { const v = this.tensors.get(p)?.value; return v && v.kind !== 'state' ? v : undefined; }
  operandText(p: string): string { const b = this.bound.get(p); return b ? this.hooks.src(b.expr) : p; }
  operandDefinition(p: string): Range | undefined { return this.tensors.get(p)?.def; }
  layoutOrigin(p: string): LayoutOrigin | undefined { const r = this.tensors.get(p)?.ref; return r ? this.hooks.layoutOrigin(r.name) : undefined; }
  stateArg(p: string): Shape | StateValue | undefined { return this.tensors.get(p)?.value; }
  dim(p: string): Dim | undefined { return this.sizes.get(p); }
  num(p: string): number { return Number(this.scalars.get(p)); }
  bool(p: string): boolean { return this.scalars.get(p) === true; }
  str(p: string): string { return String(this.scalars.get(p) ?? ''); }
  dims(p: string): DimList | undefined { return this.dimLists.get(p); }
  lookupDim(name: string): Dim | undefined { return this.hooks.lookupDim(name); }
  report(r: Report): void { this.hooks.report(r.code, r.range ?? this.call.range, r.message, { fix: r.fix, quickFixes: r.quickFixes, related: r.related }); }
  setArg(p: string, newText: string): TextEdit {
    const b = this.bound.get(p);
    if (b) return { range: b.range, newText };
    // Insert before the closing paren.
    const at = this.hooks.position(this.call.close !== undefined ? this.call.close : this.call.end);
    return { range: { start: at, end: at }, newText: `, ${p} = ${newText}` };
  }
}

export function check(tree: SyntaxTree, map: LineMap, opts: CheckOptions): Analysis {
  const diagnostics: Diagnostic[] = [];
  const dims = new Map<string, DimInfo>();
  const symbols: SymbolInfo[] = [];
  const dimSymbols = new Map<string, SymbolInfo>();
  const values = new Map<string, Shape | StateValue>();
  const summaries: StatementSummary[] = [];
  const model: ModelStatement[] = [];
  let pending = false;
  /** Calls nested in other calls' arguments so far: each gets a generated name (`last#1`) for the engine. */
  let nestedCount = 0;
  /** Inside an arithmetic expression's operands (its depth was measured at the outermost operation). */
  let inArithmetic = false;
  const text = tree.text;

  const report = (code: Diagnostic['code'], range: Range, message: string, extra: { fix?: string; quickFixes?: QuickFix[]; related?: Related[]; severity?: Diagnostic['severity'] } = {}) => {
    const d: Diagnostic = { range, severity: extra.severity ?? (code === 'unused' ? 2 : 1), code, message };
    if (extra.fix) d.fix = extra.fix;
    if (extra.related?.length) d.related = extra.related;
    if (extra.quickFixes?.length) d.quickFixes = extra.quickFixes;
    diagnostics.push(d);
  };
  for (const e of tree.errors) report('syntax', map.range(e.start, e.end), e.message, { fix: e.fix });

  const src = (node: { start: number; end: number }) => text.slice(node.start, node.end);
  const lineOf = (r: Range) => r.start.line + 1;
  // What each statement's OpCtx needs from this analysis: one object, shared by every statement.
  const hooks: CtxHooks = { report, src, lookupDim: (name) => lookupDim(name), position: (offset) => map.position(offset), layoutOrigin: (name) => layoutOrigin(name) };

  /** Follows first operands back to the statement that fixed a tensor's dimension order (see OpCtx). */
  function layoutOrigin(name: string): LayoutOrigin | undefined {
    for (let steps = 0, cur: string | undefined = name; cur && steps < 1000; steps++) {
      const stmt: AssignEntry | InputEntry | undefined = scope.get(cur)?.stmt;
      if (!stmt) return undefined;
      if (stmt.kind === 'input') return { kind: 'input', range: stmt.range, name: cur };
      const v: Expr = stmt.value;
      if (v.kind !== 'call') return undefined;
      if (v.callee.name === 'transpose' || v.callee.name === 'reshape') return { kind: v.callee.name, range: stmt.range };
      const first: Expr | undefined = v.args.find((a) => !a.name || a.name.name === 'x')?.value;
      cur = first?.kind === 'ident' ? first.name : first?.kind === 'member' ? first.object.name : undefined;
    }
    return undefined;
  }

  // ---------------------------------------------------------------------------------------- blocks
  const blocks = tree.items.filter((i): i is Block => i.kind === 'block');
  const byKind = new Map<string, Block>();
  for (const b of blocks) {
    if (byKind.has(b.block)) {
      const first = byKind.get(b.block)!;
      report('bad-argument', b.keyword, `a file has one ${b.block} block; this is a second one (the first is on line ${lineOf(first.keyword)})`, {
        fix: `merge it into the first ${b.block} block`, related: [{ range: first.keyword, message: `the first ${b.block} block` }],
      });
      continue;
    }
    byKind.set(b.block, b);
  }
  const expDecl = tree.items.find((i) => i.kind === 'experiment');
  const experiment = expDecl && expDecl.kind === 'experiment' && expDecl.name
    ? (expDecl.name.kind === 'ident' ? expDecl.name.name : expDecl.name.value)
    : opts.path ? path.basename(opts.path).replace(/\.rnn$/, '') : path.basename(opts.uri).replace(/\.rnn$/, '');

  const dimSymbol = (name: string, def: Range, detail: string) => {
    if (dimSymbols.has(name)) return dimSymbols.get(name)!;
    const s: SymbolInfo = { kind: 'dim', name, definition: def, references: [], detail };
    dimSymbols.set(name, s);
    symbols.push(s);
    return s;
  };
  const dimRef = (name: string, r: Range) => dimSymbols.get(name)?.references.push(r);
  // One Dim per binding, shared by every shape that uses it (dims are never mutated): a 2,000-line model
  // looks up `hidden` a thousand times.
  const dimOf = new Map<DimInfo, Dim>();
  const lookupDim = (name: string): Dim | undefined => {
    const d = dims.get(name);
    if (!d) return undefined;
    let dim = dimOf.get(d);
    if (!dim) { dim = { name, size: d.size, sizes: d.sizes }; dimOf.set(d, dim); }
    return dim;
  };

  // ---------------------------------------------------------------------------------------- dims
  const dimsBlock = byKind.get('dims');
  if (dimsBlock) {
    for (const e of dimsBlock.entries) {
      if (e.kind !== 'assign') { report('bad-argument', e.range, 'the dims block holds `NAME = SIZE` entries', { fix: 'move inputs into the model block' }); continue; }
      if (e.targets.length !== 1) { report('bad-argument', e.range, 'one dim a line: NAME = SIZE'); continue; }
      const t = e.targets[0];
      const v = e.value;
      if (v.kind === 'missing') continue;
      if (v.kind !== 'number' || !v.integer || v.value < 1) {
        report('bad-argument', v.range, `a dim's size is a whole number >= 1; ${t.name} = ${src(v)} is not`, { fix: `write ${t.name} = 256` });
        continue;
      }
      if (v.value > MAX_DIM_SIZE) {
        report('bad-argument', v.range, `${t.name} = ${v.value > 1e21 ? `a ${src(v).length}-digit number` : v.value.toLocaleString('en-US')} is past the largest size Unroll accepts (${MAX_DIM_SIZE.toLocaleString('en-US')})`, { fix: `write a size such as ${t.name} = 256` });
        // Still defined (size unknown), so its uses are not reported again as unknown dimensions.
        if (!dims.has(t.name)) dims.set(t.name, { name: t.name, origin: 'dims', range: t.range, detail: `dims block: ${t.name} (refused: too large)` });
        continue;
      }
      if (dims.has(t.name)) { report('bad-argument', t.range, `dim ${t.name} is defined twice`, { fix: 'remove one of them', related: [{ range: dims.get(t.name)!.range, message: 'first definition' }] }); continue; }
      dims.set(t.name, { name: t.name, size: v.value, origin: 'dims', range: t.range, detail: `dims block: ${t.name} = ${v.value}` });
      dimSymbol(t.name, t.range, `dim ${t.name} = ${v.value} (dims block)`);
    }
  }

  // ---------------------------------------------------------------------------------------- data
  let data: DataSource | undefined;
  const dataBlock = byKind.get('data');
  const provided = new Map<string, Shape>();
  if (dataBlock && dataBlock.source) {
    data = checkData(dataBlock);
  }

  function literal(e: Expr): ArgValue | undefined {
    switch (e.kind) {
      case 'number': return e.value;
      case 'unary': { const v = literal(e.operand); return typeof v === 'number' ? -v : undefined; }
      case 'string': return e.value;
      case 'bool': return e.value;
      case 'ident': return e.name;
      case 'list': {
        const items = e.items.map(literal);
        if (items.every((i) => typeof i === 'number')) return items as number[];
        if (items.every((i) => typeof i === 'string')) return items as string[];
        return undefined;
      }
    }
    return undefined;
  }
  function toValue(e: Expr): Value {
    switch (e.kind) {
      case 'number': return { kind: 'number', value: e.value, integer: e.integer };
      case 'unary': { const v = toValue(e.operand); return v.kind === 'number' ? { ...v, value: -v.value } : v; }
      case 'string': return { kind: 'string', value: e.value };
      case 'bool': return { kind: 'bool', value: e.value };
      case 'ident': return { kind: 'name', name: e.name };
      case 'member': return { kind: 'name', name: `${e.object.name}.${e.field.name}` };
      case 'list': return { kind: 'list', items: e.items.map(toValue) };
      case 'call': {
        const kwargs: Record<string, Value> = {};
        const args: Value[] = [];
        for (const a of e.args) { if (a.name) kwargs[a.name.name] = toValue(a.value); else args.push(toValue(a.value)); }
        return { kind: 'call', name: e.callee.name, args, kwargs };
      }
      case 'binary': return { kind: 'dimexpr', text: src(e), factors: [] };
      default: return { kind: 'name', name: '' };
    }
  }

  /** Checks `key = value` entries against a parameter list: unknown, duplicate and ill-typed keys. */
  function checkKeys(entries: AssignEntry[], params: { name: string; type: string; choices?: string[] }[], where: string): Map<string, AssignEntry> {
    const seen = new Map<string, AssignEntry>();
    for (const e of entries) {
      const key = e.targets[0];
      if (e.targets.length !== 1) { report('bad-argument', e.range, `${where} holds one key = value a line`); continue; }
      const p = params.find((q) => q.name === key.name);
      if (!p) {
        const guess = closest(key.name, params.map((q) => q.name));
        report('bad-argument', key.range, `${where} has no key ${key.name}; its keys are ${params.map((q) => q.name).join(', ')}`, {
          fix: guess ? `did you mean ${guess}?` : undefined,
          quickFixes: guess ? [{ title: `Change to ${guess}`, edits: [{ range: key.range, newText: guess }], preferred: true }] : undefined,
        });
        continue;
      }
      if (seen.has(key.name)) { report('bad-argument', key.range, `${key.name} is set twice in ${where}`, { fix: 'remove one', related: [{ range: seen.get(key.name)!.targets[0].range, message: 'first set here' }] }); continue; }
      seen.set(key.name, e);
      if (e.value.kind === 'missing') continue;
      const bad = typeProblem(e.value, p.type, p.choices);
      if (bad) report('bad-argument', e.value.range, `${where}: ${key.name} ${bad}; got ${src(e.value)}`, { fix: p.choices ? `use one of ${p.choices.join(', ')}` : undefined });
    }
    return seen;
  }
  function typeProblem(v: Expr, type: string, choices?: string[]): string | undefined {
    const lit = literal(v);
    switch (type) {
      case 'int': return typeof lit === 'number' && Number.isInteger(lit) ? (lit < 0 ? 'must not be negative' : undefined) : 'must be a whole number';
      case 'float': return typeof lit === 'number' ? undefined : 'must be a number';
      case 'bool': return typeof lit === 'boolean' ? undefined : 'must be true or false';
      case 'string': return v.kind === 'string' ? undefined : 'must be a string in quotes';
      case 'name': return v.kind === 'ident' && (!choices || choices.includes(v.name)) ? undefined : `must be one of ${choices?.join(', ')}`;
      case 'ints': return Array.isArray(lit) && lit.every((x) => typeof x === 'number' && Number.isInteger(x) && x > 0) ? undefined : 'must be a list of whole numbers, e.g. [10, 20, 40]';
      case 'strings': return Array.isArray(lit) && lit.every((x) => typeof x === 'string') ? undefined : 'must be a list of strings, e.g. ["a", "b"]';
    }
    return undefined;
  }

  function checkData(b: Block): DataSource | undefined {
    const name = b.source!.name;
    const info = SOURCES[name];
    if (!info) {
      const guess = closest(name, Object.keys(SOURCES));
      report('unknown-op', b.source!.range, `unknown data source ${name}; the sources are ${Object.keys(SOURCES).join(', ')}`, {
        fix: guess ? `did you mean ${guess}?` : undefined,
        quickFixes: guess ? [{ title: `Change to ${guess}`, edits: [{ range: b.source!.range, newText: guess }], preferred: true }] : undefined,
      });
      return undefined;
    }
    const entries = b.entries.filter((e): e is AssignEntry => e.kind === 'assign');
    for (const e of b.entries) if (e.kind === 'input') report('bad-argument', e.range, 'inputs are declared in the model block', { fix: 'move this line into model { ... }' });
    const seen = checkKeys(entries, info.params, `data ${name}`);
    const args: Record<string, ArgValue> = {};
    const vargs: Record<string, Value> = {};
    for (const [k, e] of seen) { const l = literal(e.value); if (l !== undefined) args[k] = l; vargs[k] = toValue(e.value); }
    const ds: DataSource = { source: name, args: vargs, provides: {}, range: b.range };
    if (info.path && !b.path) {
      report('bad-argument', b.source!.range, `data ${name} reads a file: write its path after the source`, { fix: `data ${name} "data/file.${name === 'text' ? 'txt' : 'csv'}" { ... }` });
    }
    if (!info.path && b.path) report('bad-argument', b.path.range, `data ${name} generates its data and reads no file`, { fix: 'remove the path' });
    const fileDims: Record<string, number> = {};
    let probeErr = false;
    if (info.path && b.path) {
      ds.path = b.path.value;
      const base = opts.path ? path.dirname(opts.path) : undefined;
      if (base && opts.host) {
        const resolved = path.resolve(base, b.path.value);
        ds.resolvedPath = resolved;
        const root = path.resolve(opts.host.rootFor?.(opts.path!) ?? opts.host.workspaceRoot ?? base);
        // The workspace rule: the real path, symlinks resolved, lies inside the real root.
        const real = opts.host.realPath?.(resolved) ?? resolved;
        const realRoot = opts.host.realPath?.(root) ?? root;
        const rel = path.relative(realRoot, real);
        if (rel.startsWith('..') || path.isAbsolute(rel)) {
          const via = real !== resolved ? ` (it is a link to ${real})` : '';
          const both = commonFolder(realRoot, path.dirname(real));
          const cliRule = opts.host.workspaceFolderFor ? !opts.host.workspaceFolderFor(opts.path!) : !opts.host.workspaceRoot;
          const mark = opts.host.rootFor && cliRule && both !== path.parse(both).root ? `, or make ${both} the workspace (the command line's workspace is the nearest folder above the experiment holding .unroll/): mkdir ${path.join(both, '.unroll')}` : '';
          report('missing-file', b.path.range, `data path ${b.path.value} leaves the workspace ${root}${via}`, { fix: `copy the data into ${root}${mark}` });
          probeErr = true;
        } else if (!opts.host.exists(resolved)) {
          report('missing-file', b.path.range, `data file ${b.path.value} does not exist (looked for ${resolved})`, { fix: 'check the path; it is relative to this experiment file' });
          probeErr = true;
        } else {
          let probe;
          try { probe = opts.host.probe({ source: name, path: resolved, args }); } catch (err) { probe = { dims: {}, error: { message: String((err as Error)?.message ?? err), code: 'data-mismatch' as const } }; }
          if (!probe) pending = true;
          else {
            Object.assign(fileDims, probe.dims);
            if (probe.error) {
              probeErr = true;
              const where = probe.error.line ? `${b.path.value}:${probe.error.line}` : b.path.value;
              report(probe.error.code, b.path.range, `${where}: ${probe.error.message}`);
            }
            if (probe.warning) report(probe.warning.code, b.path.range, `${b.path.value}: ${probe.warning.message}`, { severity: 2, fix: 'convert the file to UTF-8' });
          }
        }
      }
    }
    const argDims = sourceDims(name, args);
    const all: Record<string, number | number[] | undefined> = { ...argDims };
    if (!info.path) {
      // Generators: the data module computes the sizes, so the checker and the engine never disagree.
      const pr = probeDims(name, args);
      if (pr.error) report(pr.error.code === 'missing-file' ? 'bad-argument' : pr.error.code, b.source!.range, `data ${name}: ${pr.error.message}`);
      else for (const [k, v] of Object.entries(pr.dims)) all[k] = v;
    }
    for (const d of FILE_DIMS[name] ?? []) if (all[d] === undefined) all[d] = fileDims[d];
    // vocab_size caps the vocabulary (plus the specials the loader adds), when the file has more.
    for (const [k, v] of Object.entries(fileDims)) if (all[k] === undefined && (FILE_DIMS[name] ?? []).includes(k)) all[k] = v;
    void probeErr;
    const detail = (d: string) => {
      if (d === 'vocab' || d === 'classes' || d === 'features' || ((d === 'src' || d === 'tgt') && info.path)) return info.path ? `counted from ${ds.path ?? 'the data'} (${name})` : `from the ${name} generator`;
      const key = { batch: 'batch', time: name === 'text' ? (Array.isArray(all.time) ? 'buckets' : 'seq_len') : name === 'classify' ? 'max_len' : name === 'series' ? 'window' : name === 'adding' ? 'length' : 'seq_len' }[d as 'batch' | 'time'];
      return key ? `${key} of data ${name}` : `from the ${name} generator`;
    };
    for (const [d, v] of Object.entries(all)) {
      const size = typeof v === 'number' ? v : undefined;
      const sizes = Array.isArray(v) ? v : undefined;
      const existing = dims.get(d);
      const argEntry = seen.get(d === 'time' ? ({ text: Array.isArray(all.time) ? 'buckets' : 'seq_len', classify: 'max_len', series: 'window', sine: 'seq_len', adding: 'length' } as Record<string, string>)[name] ?? '' : d);
      const range = argEntry ? argEntry.targets[0].range : b.source!.range;
      if (existing && existing.origin === 'dims') {
        if (size !== undefined && existing.size !== size) {
          report('data-mismatch', existing.range, `dims says ${d} = ${existing.size}, but data ${name} gives ${d} = ${size} (${detail(d)})`, {
            fix: `remove ${d} from the dims block and let the data bind it`, related: [{ range, message: `data ${name} binds ${d} = ${size}` }],
          });
        }
        dimSymbols.get(d)?.references.push(range);
        continue;
      }
      dims.set(d, { name: d, size, sizes, origin: 'data', range, detail: detail(d) });
      dimSymbol(d, range, `dim ${d}${size !== undefined ? ' = ' + size : sizes ? ' in ' + sizes.join('|') : ' (size not known yet)'}: ${detail(d)}`);
    }
    const prov = provides(name, (d) => lookupDim(d) ?? { name: d });
    for (const [k, v] of Object.entries(prov)) provided.set(k, v);
    ds.provides = prov;
    const ds2 = symbolsPushData(name, b);
    void ds2;
    return ds;
  }
  function symbolsPushData(name: string, b: Block) {
    const s: SymbolInfo = { kind: 'data', name, definition: b.source!.range, references: [], detail: `data ${name}: ${SOURCES[name]?.provides ?? ''}` };
    symbols.push(s);
    return s;
  }

  // ---------------------------------------------------------------------------------------- model
  const scope = new Map<string, TensorEntry>();
  const laterNames = new Map<string, Range>();
  const modelBlock = byKind.get('model');
  if (modelBlock) {
    for (const e of modelBlock.entries) {
      if (e.kind === 'assign') for (const t of e.targets) if (!laterNames.has(t.name)) laterNames.set(t.name, t.range);
      if (e.kind === 'input') laterNames.set(e.name.name, e.name.range);
    }
    for (const e of modelBlock.entries) {
      try {
        if (e.kind === 'input') checkInput(e);
        else checkStatement(e);
      } catch (err) {
        report('syntax', e.range, `internal error while checking this statement: ${(err as Error)?.message ?? err}`, { severity: 2 });
      }
    }
  } else if (blocks.length || tree.items.length) {
    if (byKind.has('train')) report('bad-argument', byKind.get('train')!.keyword, 'there is no model block for train to train', { fix: 'add model { ... } with the inputs and layers' });
  }

  function modelInsertEdit(line: string): TextEdit | undefined {
    if (!modelBlock || modelBlock.open === undefined) return undefined;
    const first = modelBlock.entries[0];
    if (first) {
      const pos = { line: first.range.start.line, character: 0 };
      const indent = ' '.repeat(first.range.start.character);
      return { range: { start: pos, end: pos }, newText: `${indent}${line}\n` };
    }
    const at = map.position(modelBlock.open + 1);
    return { range: { start: at, end: at }, newText: `\n  ${line}\n` };
  }
  // A function declaration, not a const: the model loop above calls it (through resolveTensor and
  // checkInput) before this line runs, and a const would still be in its temporal dead zone.
  function shapeDecl(s: Shape): string {
    return `${s.elem}[${s.dims.map((d) => d.name ?? d.size).join(', ')}]${s.bound ? ' < ' + (s.bound.name ?? s.bound.size) : ''}`;
  }

  /** The first names of a scope, and how many more (a message must not grow with the file). */
  function listSome(names: Iterable<string>, count: number, max = 12): string {
    const first: string[] = [];
    for (const n of names) { if (first.length >= max) break; first.push(n); }
    return count > max ? `${first.join(', ')} and ${count - max} more` : first.join(', ');
  }

  function resolveTensor(e: Expr, allowState: boolean): { value?: Shape | StateValue; ref?: TensorRef; def?: Range } {
    if (e.kind === 'missing') return {};
    if (e.kind === 'ident' || e.kind === 'member') {
      const id = e.kind === 'ident' ? e.name : e.object.name;
      const idRange = e.kind === 'ident' ? e.range : e.object.range;
      const ent = scope.get(id);
      if (!ent) {
        const p = provided.get(id);
        if (p) {
          const edit = modelInsertEdit(`input ${id}: ${shapeDecl(p)}`);
          report('unknown-name', idRange, `${id} is not declared in the model; the data provides ${id}: ${formatShape(p)}`, {
            fix: `declare it: input ${id}: ${shapeDecl(p)}`,
            quickFixes: edit ? [{ title: `Declare input ${id}`, edits: [edit], preferred: true }] : undefined,
          });
          return {};
        }
        const later = laterNames.get(id);
        if (later && later.start.line >= idRange.start.line && !(later.start.line === idRange.start.line && later.start.character === idRange.start.character)) {
          report('unknown-name', idRange, `${id} is used before it is defined (on line ${later.start.line + 1})`, { fix: 'move this statement below the one that defines it', related: [{ range: later, message: `${id} is defined here` }] });
          return {};
        }
        if (OP_DEFS[id]) {
          report('unknown-name', idRange, `${id} is an op, not a tensor: call it on a tensor`, { fix: `write ${id}(x) with the tensor it acts on` });
          return {};
        }
        const guess = closest(id, scope.keys());
        // The tensor the typo meant is read here: no "computed but nothing reads it" on its statement (that fix
        // would delete correct code).
        const meant = guess ? scope.get(guess) : undefined;
        if (meant) meant.used = true;
        report('unknown-name', idRange, `unknown tensor ${id}${scope.size ? `; in scope: ${listSome(scope.keys(), scope.size)}` : ''}`, {
          fix: guess ? `did you mean ${guess}?` : provided.size ? `declare an input, e.g. input x: int[batch, time] < vocab` : undefined,
          quickFixes: guess ? [{ title: `Change to ${guess}`, edits: [{ range: idRange, newText: guess }], preferred: true }] : undefined,
        });
        return {};
      }
      ent.used = true;
      // Most tensors are read once: an exact one-element array, not push's 17-slot growth (a long model keeps
      // one per statement alive until the next keystroke).
      if (ent.symbol.references.length === 0) ent.symbol.references = [idRange];
      else ent.symbol.references.push(idRange);
      if (ent.unknown) return {};
      const ref: TensorRef = { name: id, range: e.range };
      if (e.kind === 'member') {
        const f = e.field.name;
        if (ent.value.kind !== 'state') {
          report('bad-argument', e.field.range, `${id} is a tensor, not a recurrent state; it has no field ${f}`, { fix: `use ${id} itself` });
          return {};
        }
        if (f !== 'h' && f !== 'c') { report('bad-argument', e.field.range, `a ${ent.value.cell} state has ${ent.value.cell === 'lstm' ? 'h and c' : 'h'}; got .${f}`, { fix: `use ${id}.h` }); return {}; }
        if (f === 'c' && !ent.value.c) { report('bad-argument', e.field.range, `a ${ent.value.cell} state has h only (c belongs to lstm)`, { fix: `use ${id}.h` }); return {}; }
        ref.field = f;
        return { value: f === 'h' ? ent.value.h : ent.value.c!, ref, def: ent.def };
      }
      if (ent.value.kind === 'state' && !allowState) {
        report('shape-mismatch', e.range, `${id} is the state of a ${ent.value.cell} (h${ent.value.c ? ', c' : ''}), not a tensor`, {
          fix: `use ${id}.h for the top layer's final output [batch, ${formatDim(ent.value.size)}]`,
          quickFixes: [{ title: `Use ${id}.h`, edits: [{ range: e.range, newText: `${id}.h` }], preferred: true }],
        });
        return {};
      }
      return { value: ent.value, ref, def: ent.def };
    }
    if (e.kind === 'call') return nestedCall(e);
    if (e.kind === 'binary' || e.kind === 'unary') return arithmeticExpr(e);
    report('bad-argument', e.range, `expected a tensor name, got ${src(e)}`);
    return {};
  }

  /**
   * A call inside another call's arguments (`dense(last(h), classes)`): checked like a statement of its own
   * and recorded for the engine under a generated name, so the engine sees one op per statement. It stands
   * for its first output (a nested `lstm(...)` gives its sequence, not its state).
   */
  function nestedCall(e: CallExpr): { value?: Shape | StateValue; ref?: TensorRef; def?: Range } {
    const name = `${e.callee.name}#${++nestedCount}`;
    const wasIn = inArithmetic;
    inArithmetic = false; // a call's arguments are expressions of their own, measured afresh
    let r: ReturnType<typeof checkCall>;
    try { r = checkCall(e, [name], [e.range], { label: shorten(src(e).replace(/\s+/g, ' ')), range: e.range, hintAt: map.position(e.end), nested: true }); } finally { inArithmetic = wasIn; }
    if (!r.shape) return {};
    return { value: r.shape, ref: { name, range: e.range }, def: e.range };
  }

  /**
   * Arithmetic on tensors (`h + lstm(h, hidden)`, `0.5 * x`): its shape (broadcast by name, arithmetic.ts),
   * recorded for the engine as an op of its own (`add`, `sub`, `mul`, `div`, or `scalar` with a number).
   * `row`: a statement `name = a + b`; without it the expression is nested and gets a generated name.
   */
  function arithmeticExpr(e: BinaryExpr | UnaryExpr, row?: { name: string; label: string; range: Range; hintAt: Position }): { value?: Shape | StateValue; ref?: TensorRef; def?: Range } {
    // Each operation is checked recursively: a chain of thousands (`e + e + ... + e`) would run out of stack.
    // Measured once, at the outermost operation (its operands are inside the limit then).
    if (!inArithmetic && operationDepth(e) > MAX_OPERATIONS) {
      markUsed(e);
      report('bad-argument', e.range, `this expression chains more than ${MAX_OPERATIONS} operations`, { fix: 'split it into statements of their own (s1 = ..., s2 = s1 + ...)' });
      return {};
    }
    const outer = !inArithmetic;
    inArithmetic = true;
    let r: ReturnType<typeof inferArithmetic>;
    try { r = inferArithmetic(e, { tensor: (x) => resolveTensor(x, false), report: (c, rg, m, x) => report(c, rg, m, x ?? {}), src }); } finally { if (outer) inArithmetic = false; }
    if (!r) return {};
    const name = row?.name ?? `${r.op}#${++nestedCount}`;
    const range = row?.range ?? e.range;
    const operands = r.kind === 'tensors' ? [r.left, r.right] : [r.tensor];
    const params = r.kind === 'scalar' ? { op: r.op, k: r.k, tensorFirst: r.tensorFirst } : {};
    model.push({ kind: 'op', outputs: [name], outputRanges: [range], op: r.kind === 'scalar' ? 'scalar' : r.op, operands, params, range, opRange: e.range, ...(row ? {} : { nested: true }) });
    summaries.push({
      label: row?.label ?? shorten(src(e).replace(/\s+/g, ' ')), op: r.op, shape: r.shape, params: 0, rule: ARITH_RULE, range,
      hintAt: row?.hintAt ?? map.position(e.end), ...(row ? {} : { nested: { output: name, opRange: e.range } }),
    });
    return { value: r.shape, ref: { name, range: e.range }, def: e.range };
  }

  /** Did the parser report an error inside this range? */
  function syntaxErrorIn(r: Range): boolean {
    return diagnostics.some((d) => d.code === 'syntax' && d.range.start.line >= r.start.line && d.range.start.line <= r.end.line);
  }

  /** How deep the operations of an expression nest (iteratively: the point is to avoid deep recursion). */
  function operationDepth(e: Expr): number {
    let max = 0;
    const stack: [Expr, number][] = [[e, 1]];
    while (stack.length) {
      const [x, d] = stack.pop()!;
      if (x.kind !== 'binary' && x.kind !== 'unary') continue;
      if (d > max) max = d;
      if (max > MAX_OPERATIONS) return max;
      if (x.kind === 'binary') stack.push([x.left, d + 1], [x.right, d + 1]);
      else stack.push([x.operand, d + 1]);
    }
    return max;
  }

  function shorten(t: string, max = 40): string { return t.length > max ? `${t.slice(0, max - 1)}…` : t; }

  /** Marks every tensor named inside an expression as used (after an error, to avoid `unused` noise). */
  function markUsed(e: Expr): void {
    if (e.kind === 'ident' || e.kind === 'member') { const ent = scope.get(e.kind === 'ident' ? e.name : e.object.name); if (ent) ent.used = true; }
    else if (e.kind === 'call') e.args.forEach((a) => markUsed(a.value));
    else if (e.kind === 'list') e.items.forEach(markUsed);
    else if (e.kind === 'binary') { markUsed(e.left); markUsed(e.right); }
    else if (e.kind === 'unary') markUsed(e.operand);
  }

  /** A dim reference in a type, a size argument or a reshape list. */
  function resolveDim(e: Expr, ctxText: string, allowNew: boolean): { dim?: Dim; factors?: Dim[] } {
    if (e.kind === 'missing') return {};
    if (e.kind === 'number') {
      if (!e.integer || e.value < 1) { report('bad-argument', e.range, `a size is a whole number >= 1; got ${e.text} in ${ctxText}`); return {}; }
      return { dim: { size: e.value }, factors: [{ size: e.value }] };
    }
    if (e.kind === 'ident') {
      const d = lookupDim(e.name);
      if (d) { dimRef(e.name, e.range); return { dim: d, factors: [d] }; }
      if (allowNew) {
        dims.set(e.name, { name: e.name, origin: 'op', range: e.range, detail: `declared by an input type (no data block binds it)` });
        dimSymbol(e.name, e.range, `dim ${e.name} (size unknown: no data binds it)`);
        return { dim: { name: e.name }, factors: [{ name: e.name }] };
      }
      const guess = closest(e.name, [...dims.keys()]);
      const dimsEdit = dimsBlock && dimsBlock.close !== undefined ? dimsInsertEdit(e.name) : undefined;
      report('unknown-name', e.range, `unknown dimension ${e.name} in ${ctxText}${dims.size ? `; known dims: ${[...dims.keys()].join(', ')}` : ''}`, {
        fix: guess ? `did you mean ${guess}?` : `define it: dims { ${e.name} = 256 }`,
        quickFixes: [
          ...(guess ? [{ title: `Change to ${guess}`, edits: [{ range: e.range, newText: guess }], preferred: true }] : []),
          ...(dimsEdit ? [{ title: `Add ${e.name} to dims`, edits: [dimsEdit] }] : []),
        ],
      });
      return {};
    }
    if (e.kind === 'binary' && e.op === '*') {
      // Flatten the product without recursion: the parser builds `a * b * c ...` left-deep, one level
      // per factor, so a long product would otherwise overflow the stack.
      const leaves: Expr[] = [];
      const stack: Expr[] = [e];
      while (stack.length) {
        const x = stack.pop()!;
        if (x.kind === 'binary' && x.op === '*') stack.push(x.right, x.left); else leaves.push(x);
      }
      const factors: Dim[] = [];
      let ok = true;
      for (const leaf of leaves) {
        const r = resolveDim(leaf, ctxText, allowNew);
        if (r.factors) factors.push(...r.factors); else ok = false;
      }
      if (!ok) return {};
      return { dim: dimProduct(factors), factors };
    }
    if (e.kind === 'unary' && e.operand.kind === 'number') {
      report('bad-argument', e.range, `${src(e)} is not a dimension; reshape and transpose work by name, so -1 is never needed`, { fix: 'write the dimensions by name, e.g. [batch * time, hidden]' });
      return {};
    }
    report('bad-argument', e.range, `expected a dimension (a name or a number) in ${ctxText}, got ${src(e)}`);
    return {};
  }
  function dimsInsertEdit(name: string): TextEdit | undefined {
    if (!dimsBlock || dimsBlock.close === undefined) return undefined;
    const at = map.position(dimsBlock.close);
    const oneLine = dimsBlock.range.start.line === at.line;
    return { range: { start: at, end: at }, newText: oneLine ? `, ${name} = 256 ` : `  ${name} = 256\n` };
  }

  function typeToShape(t: TypeExpr, name: string): Shape | undefined {
    const elem = t.elem.name;
    if (elem !== 'int' && elem !== 'float') { report('bad-argument', t.elem.range, `the element type is int or float; got ${elem}`, { fix: `input ${name}: int[batch, time] < vocab` }); return undefined; }
    const allowNew = !data;
    const ds: Dim[] = [];
    for (const d of t.dims) {
      const r = resolveDim(d, `the type of ${name}`, allowNew);
      if (!r.dim) return undefined;
      ds.push(r.dim);
    }
    let bound: Dim | undefined;
    if (t.bound) {
      if (elem !== 'int') report('bad-argument', t.bound.range, `only int tensors have a bound (< vocab); ${name} is float`, { fix: 'remove the bound or make it int' });
      const r = resolveDim(t.bound, `the bound of ${name}`, allowNew);
      bound = r.dim;
    }
    const sh: Shape = { elem, dims: ds };
    if (bound) sh.bound = bound;
    return sh;
  }

  /** `detail` (the symbol's one-line description) is written only when an editor feature reads it: on a
   *  large file most are never read, and formatting every shape on every keystroke showed in profiles. */
  function define(name: string, range: Range, value: Shape | StateValue, kind: TensorEntry['kind'], stmt: TensorEntry['stmt'], detail: () => string) {
    if (name === '_') return;
    const prev = scope.get(name);
    if (prev) {
      report('bad-argument', range, `${name} is already defined on line ${lineOf(prev.def)}; each tensor is defined once`, { fix: `give this one another name, e.g. ${name}2`, related: [{ range: prev.def, message: `${name} is defined here` }] });
      return;
    }
    let text: string | undefined;
    const symbol: SymbolInfo = {
      kind: value.kind === 'state' ? 'state' : 'tensor', name, definition: range, references: [],
      get detail() { return (text ??= detail()); },
    };
    symbols.push(symbol);
    scope.set(name, { value, def: range, used: false, kind, line: range.start.line, symbol, stmt });
    values.set(name, value);
  }

  function checkInput(e: InputEntry) {
    const name = e.name.name;
    const shape = e.type ? typeToShape(e.type, name) : undefined;
    const p = provided.get(name);
    let final = shape;
    if (data && !p) {
      const names = [...provided.keys()];
      const guess = closest(name, names);
      report('data-mismatch', e.name.range, `data ${data.source} does not provide ${name}; it provides ${names.map((n) => `${n}: ${formatShape(provided.get(n)!)}`).join(', ')}`, {
        fix: guess ? `did you mean ${guess}?` : `use one of ${names.join(', ')}`,
        quickFixes: guess ? [{ title: `Change to ${guess}`, edits: [{ range: e.name.range, newText: guess }], preferred: true }] : undefined,
        related: [{ range: data.range, message: `data ${data.source} provides ${names.join(', ')}` }],
      });
    } else if (p && shape && e.type) {
      const problems: string[] = [];
      let coincidence = false;
      if (p.elem !== shape.elem) problems.push(`${shape.elem} instead of ${p.elem}`);
      if (p.dims.length !== shape.dims.length) problems.push(`${shape.dims.length} dimensions instead of ${p.dims.length}`);
      else p.dims.forEach((d, i) => {
        const rel = dimRelation(d, shape.dims[i]);
        if (rel === 'coincidence') { coincidence = true; problems.push(`${formatDim(shape.dims[i])} where the data has ${formatDim(d)} (equal only by size)`); }
        else if (rel === 'different') problems.push(`${formatDim(shape.dims[i])} where the data has ${formatDim(d)}${i === 0 && shape.dims[1] && dimRelation(d, shape.dims[1]) === 'same' ? ' (batch and time swapped?)' : ''}`);
      });
      if (p.bound && shape.elem === 'int') {
        if (!shape.bound) problems.push(`no bound (the data's ids are < ${formatDim(p.bound)})`);
        else {
          const rel = dimRelation(p.bound, shape.bound);
          if (rel === 'coincidence') { coincidence = true; problems.push(`bound ${formatDim(shape.bound)} where the data has < ${formatDim(p.bound)} (equal only by size)`); }
          else if (rel === 'different') problems.push(`bound ${formatDim(shape.bound)} where the data has < ${formatDim(p.bound)}`);
        }
      }
      if (problems.length) {
        report(coincidence && problems.length === 1 ? 'dim-coincidence' : 'data-mismatch', e.type.range, `input ${name} is declared ${formatShape(shape)} but data ${data!.source} provides ${formatShape(p)}: ${problems.join('; ')}`, {
          fix: `declare it as the data provides it: input ${name}: ${shapeDecl(p)}`,
          quickFixes: [{ title: `Declare ${name} as ${shapeDecl(p)}`, edits: [{ range: e.type.range, newText: shapeDecl(p) }], preferred: true }],
          related: [{ range: data!.range, message: `data ${data!.source} provides ${name}: ${formatShape(p)}` }],
        });
      }
      // After a mismatch the data's shape flows on: the one mistake is reported here, not again downstream.
      const flows = problems.length ? p : shape;
      final = p.masked ? { ...flows, masked: true } : flows;
    }
    if (!final) final = p;
    if (!final) return;
    define(name, e.name.range, final, 'input', e, () => `input ${name}: ${formatShape(final!)}`);
    model.push({ kind: 'input', name, shape: final, range: e.range, nameRange: e.name.range });
    summaries.push({ label: name, op: 'input', shape: final, params: 0, rule: p ? `provided by data ${data!.source}` : 'declared input', range: e.range, hintAt: map.position(e.end) });
  }

  function checkStatement(e: AssignEntry) {
    const v = e.value;
    if (v.kind === 'missing') return;
    if ((v.kind === 'binary' || v.kind === 'unary') && e.targets.length === 1) {
      const t = e.targets[0];
      const r = arithmeticExpr(v, { name: t.name, label: t.name, range: e.range, hintAt: map.position(e.end) });
      if (r.value && r.value.kind !== 'state') { const shape = r.value; define(t.name, t.range, shape, 'op', e, () => `${t.name} = ${src(v)}: ${formatShape(shape)}`); }
      else defineUnknown(e, 'arithmetic');
      return;
    }
    if (v.kind !== 'call') {
      // After a syntax error on this statement the parser kept only a prefix (`z = dec` of `z = dec ^ 2`):
      // that error is the one to report. Either way the names stay defined, so later lines add no noise.
      markUsed(v);
      if (!syntaxErrorIn(e.range)) report('bad-argument', v.range, `a model statement is NAME = op(args) or arithmetic on tensors; got ${src(v)}`, { fix: v.kind === 'ident' ? `to rename a tensor, use it directly; or write ${e.targets[0].name} = relu(${src(v)})` : undefined });
      defineUnknown(e, 'statement');
      return;
    }
    const opName = v.callee.name;
    const info = OP_DEFS[opName]?.info;
    if (info && e.targets.length > info.outputs.length) {
      report('bad-argument', e.targets[info.outputs.length].range, `${opName} has ${info.outputs.length === 1 ? 'one output' : `${info.outputs.length} outputs (${info.outputs.join(', ')})`}; got ${e.targets.length} names`, { fix: `write ${info.outputs.length === 1 ? 'out' : info.outputs.join(', ')} = ${opName}(...)` });
    }
    const r = checkCall(v, e.targets.map((t) => t.name), e.targets.map((t) => t.range), { label: e.targets.map((t) => t.name).join(', '), range: e.range, hintAt: map.position(e.end) });
    if (!r.known) { defineUnknown(e, opName); return; }
    const { shape, state, extra } = r;
    if (!shape) { defineUnknown(e, opName, state); return; }
    e.targets.forEach((t, i) => {
      if (i === 0) define(t.name, t.range, shape, 'op', e, () => `${t.name} = ${opName}(...): ${formatShape(shape)}`);
      else if (extra?.[i - 1]) {
        const x = extra[i - 1];
        define(t.name, t.range, x, 'op', e, () => `${t.name} = ${opName}(...)'s ${info?.outputs[i]}: ${formatShape(x)}`);
        // A secondary output (attention's weights) is named to be looked at (hover, the shapes that ran), not
        // necessarily read: no "unused" warning for it.
        const ent = scope.get(t.name);
        if (ent) ent.used = true;
      }
      else if (i === 1 && RECURRENT_OPS.has(opName)) {
        const st = state ?? ({ kind: 'state', cell: opName as StateValue['cell'], layers: 1, directions: 1, size: {}, h: { elem: 'float', dims: [] } } as StateValue);
        define(t.name, t.range, st, 'op', e, () => `${t.name}: ${opName} state (${st.layers} layer(s), ${st.directions} direction(s), size ${formatDim(st.size)}); h${st.c ? ', c' : ''}: ${formatShape(st.h)}`);
      }
    });
  }

  /**
   * One op call: binds and evaluates its arguments (nested calls first, each recursively), runs the op's
   * shape rule, and records it for the engine (`model`) and the summary. `outNames` are the statement's
   * targets, or the one generated name of a nested call. `known`: false when the op does not exist.
   */
  function checkCall(v: CallExpr, outNames: string[], outRanges: Range[], row: { label: string; range: Range; hintAt: Position; nested?: boolean }): { known: boolean; shape?: Shape; state?: StateValue; extra?: Shape[] } {
    const opName = v.callee.name;
    const def = OP_DEFS[opName];
    if (!def) {
      const inLoss = LOSSES[opName] ? ` (${opName} is a loss: it goes in the train block)` : '';
      const guess = closest(opName, Object.keys(OP_DEFS));
      report('unknown-op', v.callee.range, `unknown op ${opName}${inLoss}; the ops are ${Object.keys(OP_DEFS).join(', ')}`, {
        fix: guess ? `did you mean ${guess}?` : undefined,
        quickFixes: guess ? [{ title: `Change to ${guess}`, edits: [{ range: v.callee.range, newText: guess }], preferred: true }] : undefined,
      });
      // Mark operands used so one typo does not also produce `unused` noise.
      for (const a of v.args) markUsed(a.value);
      return { known: false };
    }
    const info = def.info;
    // Bind arguments to parameters.
    const bound = new Map<string, { expr: Expr; range: Range; nameRange?: Range }>();
    let positional = 0;
    let bad = false;
    for (const a of v.args) {
      if (a.name) {
        const p = info.params.find((q) => q.name === a.name!.name);
        if (!p) {
          const guess = closest(a.name.name, info.params.map((q) => q.name));
          report('bad-argument', a.name.range, `${opName} has no argument ${a.name.name}; its arguments are ${info.params.map((q) => q.name).join(', ')}`, {
            fix: guess ? `did you mean ${guess}?` : `see ${info.signature}`,
            quickFixes: guess ? [{ title: `Change to ${guess}`, edits: [{ range: a.name.range, newText: guess }], preferred: true }] : undefined,
          });
          continue;
        }
        if (bound.has(p.name)) { report('bad-argument', a.range, `${opName}: ${p.name} is given twice`, { fix: 'remove one' }); continue; }
        bound.set(p.name, { expr: a.value, range: a.value.range, nameRange: a.name.range });
      } else {
        const p = info.params[positional++];
        if (!p || p.type === 'state') { report('bad-argument', a.range, `${opName} takes at most ${info.params.filter((q) => q.type !== 'state').length} arguments: ${info.signature}`, { fix: 'remove the extra argument, or name it (key = value)' }); continue; }
        if (bound.has(p.name)) { report('bad-argument', a.range, `${opName}: ${p.name} is given twice`); continue; }
        bound.set(p.name, { expr: a.value, range: a.value.range });
      }
    }
    for (const p of info.params) {
      if (!bound.has(p.name) && p.default === undefined && p.type !== 'state' && p.type !== 'dim') {
        report('bad-argument', v.range, `${opName} needs ${p.name} (${p.doc}): ${info.signature}`, { fix: `add ${p.name}` });
        bad = true;
      }
    }
    // Evaluate arguments.
    // Created on first use: most statements fill only one or two of these, and a keystroke re-checks them all.
    let tensors: Resolved | undefined;
    let sizes: Map<string, Dim> | undefined;
    let dimLists: Map<string, DimList> | undefined;
    let scalars: Map<string, unknown> | undefined;
    for (const p of info.params) {
      const b = bound.get(p.name);
      if (!b) { if (p.default !== undefined) (scalars ??= new Map()).set(p.name, parseDefault(p.default)); continue; }
      const ex = b.expr;
      if (ex.kind === 'missing') { bad = true; continue; }
      switch (p.type) {
        case 'tensor': case 'state': {
          const r = resolveTensor(ex, p.type === 'state');
          (tensors ??= new Map()).set(p.name, r);
          if (!r.value) bad = true;
          break;
        }
        case 'size': {
          const r = resolveDim(ex, `${opName}'s ${p.name}`, false);
          if (r.dim) (sizes ??= new Map()).set(p.name, r.dim); else bad = true;
          break;
        }
        case 'dims': {
          if (ex.kind !== 'list') { report('bad-argument', ex.range, `${opName}'s ${p.name} is a list of dimensions, e.g. [batch * time, hidden]; got ${src(ex)}`); bad = true; break; }
          const items: { dim: Dim; factors: Dim[]; range: Range; text: string }[] = [];
          for (const it of ex.items) {
            const r = resolveDim(it, `${opName}'s target`, false);
            if (!r.dim || !r.factors) { bad = true; continue; }
            items.push({ dim: r.dim, factors: r.factors, range: it.range, text: src(it) });
          }
          (dimLists ??= new Map()).set(p.name, items);
          break;
        }
        case 'dim': {
          if (ex.kind === 'ident' || ex.kind === 'string') {
            const n = ex.kind === 'ident' ? ex.name : ex.value;
            (scalars ??= new Map()).set(p.name, n);
            if (ex.kind === 'ident') dimRef(n, ex.range);
          } else { report('bad-argument', ex.range, `${opName}'s ${p.name} names a dimension (e.g. over = time); got ${src(ex)}`); bad = true; }
          break;
        }
        default: {
          const problem = typeProblem(ex, p.type, p.choices);
          if (problem) { report('bad-argument', ex.range, `${opName}'s ${p.name} ${problem}; got ${src(ex)}`, { fix: p.choices ? `use one of ${p.choices.join(', ')}` : `e.g. ${p.name} = ${p.default ?? 1}` }); bad = true; }
          else (scalars ??= new Map()).set(p.name, literal(ex));
        }
      }
    }
    // Exact-size, as for references above: most statements have one operand.
    let stmtRefs: TensorRef[] = [];
    for (const p of info.params) if (p.type === 'tensor') { const r = tensors?.get(p.name)?.ref; if (r) stmtRefs = stmtRefs.length ? stmtRefs.concat([r]) : [r]; }
    const params: Record<string, unknown> = {};
    if (sizes) for (const [k, d] of sizes) params[k] = d;
    if (dimLists) for (const [k, l] of dimLists) params[k] = l.map((i) => i.dim);
    if (scalars) for (const [k, s] of scalars) params[k] = s;
    const initRef = tensors?.get('init')?.ref;
    if (initRef) params.init = initRef;
    let result: ReturnType<typeof def.infer>;
    if (!bad) {
      const ctx = new StatementCtx(opName, v, bound, tensors ?? NONE, sizes ?? NONE, dimLists ?? NONE, scalars ?? NONE, hooks);
      try { result = def.infer(ctx); } catch (err) { report('syntax', v.range, `internal error in ${opName}'s shape rule: ${(err as Error)?.message ?? err}`, { severity: 2 }); }
    }
    const shape = result?.shape;
    model.push({ kind: 'op', outputs: outNames, outputRanges: outRanges, op: opName, operands: stmtRefs, params, range: row.range, opRange: v.callee.range, ...(row.nested ? { nested: true } : {}) });
    summaries.push({
      label: row.label, op: opName, shape, state: result?.state, extra: result?.extra, params: result ? result.params : undefined,
      rule: info.rule, paramRule: result?.paramRule, range: row.range, hintAt: row.hintAt,
      ...(row.nested ? { nested: { output: outNames[0], opRange: v.callee.range } } : {}),
    });
    return { known: true, shape, state: result?.state, extra: result?.extra };
  }

  /** Outputs of a statement whose shape is unknown (an error was reported): defined, so later statements
   *  report their own problems only, but without a value, so nothing checks against a made-up shape. */
  function defineUnknown(e: AssignEntry, opName: string, state?: StateValue) {
    const unknownShape = (): Shape => ({ elem: 'float', dims: [] });
    e.targets.forEach((t, i) => {
      if (i === 0) define(t.name, t.range, unknownShape(), 'op', e, () => `${t.name} = ${opName}(...)`);
      else if (i === 1 && RECURRENT_OPS.has(opName)) {
        const st = state ?? ({ kind: 'state', cell: opName as StateValue['cell'], layers: 1, directions: 1, size: {}, h: unknownShape() } as StateValue);
        define(t.name, t.range, st, 'op', e, () => `${t.name}: ${opName} state`);
      }
      const ent = scope.get(t.name);
      if (ent?.stmt !== e) return;
      ent.used = true;
      ent.unknown = i === 0 || !state;
      values.delete(t.name);
    });
  }

  function parseDefault(d: string): unknown {
    if (d === 'true' || d === 'false') return d === 'true';
    if (/^-?[\d.e-]+$/.test(d)) return Number(d);
    return d.replace(/^"|"$/g, '');
  }

  // ---------------------------------------------------------------------------------------- train
  let train: TrainSettings | undefined;
  const trainBlock = byKind.get('train');
  if (trainBlock) train = checkTrain(trainBlock);

  function numArg(e: Expr | undefined): number | undefined { if (!e) return undefined; const l = literal(e); return typeof l === 'number' ? l : undefined; }
  function callParams(e: Expr, catalog: Record<string, { name: string; params: { name: string; type: string; default?: string }[] }>, what: string): { name: string; params: Record<string, number> } | undefined {
    const name = e.kind === 'call' ? e.callee.name : e.kind === 'ident' ? e.name : undefined;
    const nameRange = e.kind === 'call' ? e.callee.range : e.range;
    if (!name) { report('bad-argument', e.range, `expected a ${what} such as ${Object.keys(catalog)[0]}(...), got ${src(e)}`); return undefined; }
    const entry = catalog[name];
    if (!entry) {
      const guess = closest(name, Object.keys(catalog));
      report('unknown-op', nameRange, `unknown ${what} ${name}; the ${what}s are ${Object.keys(catalog).join(', ')}`, {
        fix: guess ? `did you mean ${guess}?` : undefined,
        quickFixes: guess ? [{ title: `Change to ${guess}`, edits: [{ range: nameRange, newText: guess }], preferred: true }] : undefined,
      });
      return undefined;
    }
    const params: Record<string, number> = {};
    for (const p of entry.params) if (p.default !== undefined && !isNaN(Number(p.default))) params[p.name] = Number(p.default);
    if (e.kind === 'call') {
      let i = 0;
      const seen = new Set<string>();
      for (const a of e.args) {
        const p = a.name ? entry.params.find((q) => q.name === a.name!.name) : entry.params[i++];
        if (!p) {
          const guess = a.name ? closest(a.name.name, entry.params.map((q) => q.name)) : undefined;
          report('bad-argument', (a.name ?? a.value).range, a.name ? `${name} has no argument ${a.name.name}; its arguments are ${entry.params.map((q) => q.name).join(', ') || 'none'}` : `${name} takes ${entry.params.length} argument(s)`, {
            fix: guess ? `did you mean ${guess}?` : undefined,
            quickFixes: guess ? [{ title: `Change to ${guess}`, edits: [{ range: a.name!.range, newText: guess }], preferred: true }] : undefined,
          });
          continue;
        }
        if (seen.has(p.name)) { report('bad-argument', a.range, `${name}: ${p.name} is given twice`); continue; }
        seen.add(p.name);
        const n = numArg(a.value);
        if (n === undefined || !(n >= 0)) { report('bad-argument', a.value.range, `${name}'s ${p.name} must be a number >= 0; got ${src(a.value)}`); continue; }
        params[p.name] = n;
      }
    }
    return { name, params };
  }

  function checkTrain(b: Block): TrainSettings {
    const entries = b.entries.filter((e): e is AssignEntry => e.kind === 'assign');
    const seen = checkKeys(entries, BLOCK_KEYS.train.map((k) => ({ ...k, type: ['call', 'names'].includes(k.type) ? 'any' : k.type, choices: k.name === 'device' ? DEVICES : undefined })), 'train');
    const t: TrainSettings = { optimizer: { name: 'adam', params: { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0 } }, epochs: 10, metrics: [], init: { name: 'default', params: {} }, seed: 42, device: 'auto' };
    const lossE = seen.get('loss');
    if (!lossE) report('bad-argument', b.keyword, 'train needs a loss: loss = cross_entropy(logits, y), binary_cross_entropy(p, y) or mse(out, y)', { fix: 'add loss = cross_entropy(logits, y)' });
    else if (lossE.value.kind !== 'missing') {
      const r = checkLoss(lossE.value, {
        report, src, resolve: (ex) => {
          if (ex.kind === 'ident' && !scope.has(ex.name) && provided.has(ex.name)) {
            // A target straight from the data (no input declaration needed).
            const dataSym = symbols.find((s) => s.kind === 'data');
            dataSym?.references.push(ex.range);
            return { value: provided.get(ex.name)!, ref: { name: ex.name, range: ex.range } };
          }
          return resolveTensor(ex, false);
        }, modelInsertEdit,
      });
      if (r) t.loss = r;
    }
    const opt = seen.get('optimizer');
    if (opt && opt.value.kind !== 'missing') { const o = callParams(opt.value, OPTIMIZERS, 'optimizer'); if (o) t.optimizer = o; }
    const init = seen.get('init');
    if (init && init.value.kind !== 'missing') { const o = callParams(init.value, INITS, 'init'); if (o) t.init = o; }
    const ep = numArg(seen.get('epochs')?.value);
    if (ep !== undefined) { if (ep >= 1 && Number.isInteger(ep)) t.epochs = ep; else report('bad-argument', seen.get('epochs')!.value.range, `epochs must be a whole number >= 1; got ${ep}`); }
    const st = numArg(seen.get('steps')?.value);
    if (st !== undefined) { if (st >= 1 && Number.isInteger(st)) t.steps = st; else report('bad-argument', seen.get('steps')!.value.range, `steps must be a whole number >= 1; got ${st}`); }
    const clip = numArg(seen.get('clip')?.value);
    if (clip !== undefined) { if (clip > 0) t.clip = clip; else report('bad-argument', seen.get('clip')!.value.range, `clip must be > 0; got ${clip}`, { fix: 'use e.g. clip = 5, or remove it' }); }
    const seed = numArg(seen.get('seed')?.value);
    if (seed !== undefined) t.seed = seed;
    const thr = numArg(seen.get('threads')?.value);
    if (thr !== undefined) { if (thr >= 1 && Number.isInteger(thr)) t.threads = thr; else report('bad-argument', seen.get('threads')!.value.range, `threads must be a whole number >= 1; got ${thr}`); }
    const dev = seen.get('device')?.value;
    if (dev && dev.kind === 'ident' && DEVICES.includes(dev.name)) t.device = dev.name;
    const every = numArg(seen.get('checkpoint_every')?.value);
    if (every !== undefined) { if (every > 0) t.checkpointEvery = every; else report('bad-argument', seen.get('checkpoint_every')!.value.range, `checkpoint_every is in seconds and must be > 0; got ${every}`, { fix: 'e.g. checkpoint_every = 300 (five minutes)' }); }
    const vs = numArg(seen.get('valid_steps')?.value);
    if (vs !== undefined) { if (vs >= 1 && Number.isInteger(vs)) t.validSteps = vs; else report('bad-argument', seen.get('valid_steps')!.value.range, `valid_steps must be a whole number >= 1; got ${vs}`); }
    const carry = seen.get('carry_state')?.value;
    if (carry && carry.kind === 'bool') t.carryState = carry.value;
    const met = seen.get('metrics')?.value;
    if (met && met.kind !== 'missing') {
      const items = met.kind === 'list' ? met.items : [met];
      for (const it of items) {
        if (it.kind !== 'ident') { report('bad-argument', it.range, `a metric is a name (${Object.keys(METRICS).join(', ')}); got ${src(it)}`); continue; }
        if (!METRICS[it.name]) {
          const guess = closest(it.name, Object.keys(METRICS));
          report('unknown-op', it.range, `unknown metric ${it.name}; the metrics are ${Object.keys(METRICS).join(', ')}`, {
            fix: guess ? `did you mean ${guess}?` : undefined,
            quickFixes: guess ? [{ title: `Change to ${guess}`, edits: [{ range: it.range, newText: guess }], preferred: true }] : undefined,
          });
          continue;
        }
        if (it.name === 'perplexity' && t.loss && t.loss.fn !== 'cross_entropy') report('bad-argument', it.range, `perplexity needs a cross_entropy loss; this experiment trains with ${t.loss.fn}`, { fix: 'use accuracy, or remove perplexity' });
        t.metrics.push(it.name);
      }
    }
    return t;
  }

  // ---------------------------------------------------------------------------------------- sample / predict
  let sample: Analysis['sample'];
  let predict: Analysis['predict'];
  const sampleBlock = byKind.get('sample');
  if (sampleBlock) {
    const seen = checkKeys(sampleBlock.entries.filter((e): e is AssignEntry => e.kind === 'assign'), BLOCK_KEYS.sample, 'sample');
    const temp = numArg(seen.get('temperature')?.value) ?? 1;
    if (temp <= 0) report('bad-argument', seen.get('temperature')!.value.range, `temperature must be > 0; got ${temp}`, { fix: 'use e.g. temperature = 0.8' });
    const prime = seen.get('prime')?.value;
    sample = { prime: prime?.kind === 'string' ? prime.value : '', length: numArg(seen.get('length')?.value) ?? 200, temperature: temp > 0 ? temp : 1 };
    if (train?.loss && train.loss.fn !== 'cross_entropy') report('bad-argument', sampleBlock.keyword, `sample generates tokens from a language model (a cross_entropy loss over the vocabulary); this experiment trains with ${train.loss.fn}`, { fix: 'use predict { } instead' });
  }
  const predictBlock = byKind.get('predict');
  if (predictBlock) {
    const seen = checkKeys(predictBlock.entries.filter((e): e is AssignEntry => e.kind === 'assign'), BLOCK_KEYS.predict, 'predict');
    const from = seen.get('from')?.value;
    predict = { from: from?.kind === 'string' ? from.value : undefined };
  }

  // ---------------------------------------------------------------------------------------- unused
  const lastOp = [...scope.values()].filter((s) => s.kind === 'op' && s.value.kind !== 'state').pop();
  for (const [name, ent] of scope) {
    if (ent.used) continue;
    if (!trainBlock && ent === lastOp) continue;
    if (ent.value.kind === 'state') {
      report('unused', ent.def, `the state ${name} is never used`, { fix: 'write _ in its place to discard it', quickFixes: [{ title: `Discard ${name} (write _)`, edits: [{ range: ent.def, newText: '_' }], preferred: true }] });
    } else if (ent.kind === 'input') {
      report('unused', ent.def, `input ${name} is never used`, { fix: 'remove the declaration, or use it' });
    } else {
      report('unused', ent.def, `${name} is computed but nothing reads it`, { fix: trainBlock ? 'use it in a later statement or the loss, or remove the statement' : 'remove the statement, or use it' });
    }
  }

  let totalParams: number | undefined = 0;
  for (const s of summaries) totalParams = totalParams !== undefined && s.params !== undefined ? totalParams + s.params : undefined;
  if (!summaries.length) totalParams = undefined;
  const biggest = summaries.reduce<StatementSummary | undefined>((b, s) => (s.params !== undefined && s.params > (b?.params ?? 0) ? s : b), undefined);
  if (totalParams !== undefined && totalParams > MAX_PARAMS && modelBlock) {
    report('bad-argument', modelBlock.keyword, `the model has ${fmtCount(totalParams)} parameters (${formatBytes(totalParams * 4)} of float32 weights, before optimizer state); Unroll trains at most ${fmtCount(MAX_PARAMS)}`, {
      fix: biggest ? `make ${biggest.label} (${fmtCount(biggest.params!)} parameters) smaller` : 'use smaller sizes',
    });
  }

  diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return {
    uri: opts.uri, diagnostics, experiment, data, dims, model, summaries, values, train, sample, predict, symbols, totalParams, pending,
    blocks: tree.items.map((i) => ({ kind: i.kind === 'experiment' ? 'experiment' as const : i.block, range: i.range, keywordRange: i.keyword })),
  };
}

/** The deepest folder holding both (absolute) paths. */
function commonFolder(a: string, b: string): string {
  const pa = a.split(path.sep), pb = b.split(path.sep);
  let i = 0;
  while (i < pa.length && i < pb.length && pa[i] === pb[i]) i++;
  return pa.slice(0, i).join(path.sep) || path.sep;
}

/** The largest size a dim may have (2^24): past it no tensor of the engine fits in memory anyway. */
export const MAX_DIM_SIZE = 16_777_216;
/** The most parameters a model may have (2 GB of float32 weights, 6 GB with Adam's state). */
export const MAX_PARAMS = 500_000_000;

function fmtCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'too many';
}
