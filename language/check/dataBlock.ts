// Pass 1b: the data block. Checks the source and its settings, reads the file's sizes through the host
// (the workspace rule first), binds the dimensions the data gives, and says which tensors it provides.
import * as path from 'node:path';
import type { AssignEntry, Block } from '../syntax/tree';
import { FILE_DIMS, SOURCES, provides, sourceDims, type ArgValue } from '../sources/index';
import type { DataSource, Range, Shape, Value } from '../types';
import type { CheckContext } from './context';
import { probeDims } from '../data/generators';
import { closest } from './suggest';
import { checkKeys, literal, toValue, typeProblem } from './values';

export interface DataResult {
  data?: DataSource;
  /** The tensors the data provides, by name (`x`, `y`, `mask`). */
  provided: Map<string, Shape>;
  /** A file's sizes are still being read: the host calls back when they are known. */
  pending: boolean;
}

/** The setting that gives `time` its size, per source. */
const TIME_KEY: Record<string, string> = { classify: 'max_len', series: 'window', sine: 'seq_len', adding: 'length' };

export function checkData(b: Block | undefined, cx: CheckContext): DataResult {
  const out: DataResult = { provided: new Map(), pending: false };
  if (!b || !b.source) return out;
  const name = b.source.name;
  const info = SOURCES[name];
  if (!info) {
    const guess = closest(name, Object.keys(SOURCES));
    cx.report('unknown-op', b.source.range, `unknown data source ${name}; the sources are ${Object.keys(SOURCES).join(', ')}`, cx.didYouMean(guess, b.source.range));
    return out;
  }
  const entries = b.entries.filter((e): e is AssignEntry => e.kind === 'assign');
  for (const e of b.entries) if (e.kind === 'input') cx.report('bad-argument', e.range, 'inputs are declared in the model block', { fix: 'move this line into model { ... }' });
  const seen = checkKeys(cx, entries, info.params, `data ${name}`);
  const args: Record<string, ArgValue> = {};
  const vargs: Record<string, Value> = {};
  for (const [k, e] of seen) {
    // A value checkKeys refused is reported there once: the file is read with the default instead.
    const p = info.params.find((q) => q.name === k)!;
    if (e.value.kind === 'missing' || typeProblem(e.value, p.type, p.choices)) continue;
    const l = literal(e.value);
    if (l !== undefined) args[k] = l;
    vargs[k] = toValue(e.value, (x) => cx.src(x));
  }
  const ds: DataSource = { source: name, args: vargs, provides: {}, range: b.range };
  if (info.path && !b.path) {
    cx.report('bad-argument', b.source.range, `data ${name} reads a file: write its path after the source`, { fix: `data ${name} "data/file.${name === 'text' ? 'txt' : 'csv'}" { ... }` });
  }
  if (!info.path && b.path) cx.report('bad-argument', b.path.range, `data ${name} generates its data and reads no file`, { fix: 'remove the path' });
  const fileDims: Record<string, number> = {};
  if (info.path && b.path) {
    ds.path = b.path.value;
    const probed = probeFile(b, ds, args, cx);
    if (probed === undefined) out.pending = true; else Object.assign(fileDims, probed);
  }
  const all: Record<string, number | number[] | undefined> = { ...sourceDims(name, args) };
  if (!info.path) {
    // Generators: the data module computes the sizes, so the checker and the engine never disagree.
    const pr = probeDims(name, args);
    if (pr.error) cx.report(pr.error.code === 'missing-file' ? 'bad-argument' : pr.error.code, b.source.range, `data ${name}: ${pr.error.message}`);
    else for (const [k, v] of Object.entries(pr.dims)) all[k] = v;
  }
  // vocab_size caps the vocabulary (plus the specials the loader adds), when the file has more.
  for (const d of FILE_DIMS[name] ?? []) if (all[d] === undefined) all[d] = fileDims[d];
  bindDataDims(b, ds, all, seen, cx);
  const prov = provides(name, (d) => cx.lookupDim(d) ?? { name: d });
  for (const [k, v] of Object.entries(prov)) out.provided.set(k, v);
  ds.provides = prov;
  cx.symbols.push({ kind: 'data', name, definition: b.source.range, references: [], detail: `data ${name}: ${SOURCES[name]?.provides ?? ''}` });
  out.data = ds;
  return out;
}

/**
 * The sizes a data file gives (its vocabulary, classes, features), read through the host, after the
 * workspace rule. Undefined while the host is still reading; {} after an error (reported at the path).
 */
function probeFile(b: Block, ds: DataSource, args: Record<string, ArgValue>, cx: CheckContext): Record<string, number> | undefined {
  const { opts } = cx;
  const p = b.path!;
  const base = opts.path ? path.dirname(opts.path) : undefined;
  if (!base || !opts.host) return {};
  const host = opts.host;
  const resolved = path.resolve(base, p.value);
  ds.resolvedPath = resolved;
  const root = path.resolve(host.rootFor?.(opts.path!) ?? host.workspaceRoot ?? base);
  // The workspace rule: the real path, symlinks resolved, lies inside the real root.
  const real = host.realPath?.(resolved) ?? resolved;
  const realRoot = host.realPath?.(root) ?? root;
  const rel = path.relative(realRoot, real);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    const via = real !== resolved ? ` (it is a link to ${real})` : '';
    const both = commonFolder(realRoot, path.dirname(real));
    const cliRule = host.workspaceFolderFor ? !host.workspaceFolderFor(opts.path!) : !host.workspaceRoot;
    const mark = host.rootFor && cliRule && both !== path.parse(both).root ? `, or make ${both} the workspace (the command line's workspace is the nearest folder above the experiment holding .unroll/): mkdir ${path.join(both, '.unroll')}` : '';
    cx.report('missing-file', p.range, `data path ${p.value} leaves the workspace ${root}${via}`, { fix: `copy the data into ${root}${mark}` });
    return {};
  }
  if (!host.exists(resolved)) {
    cx.report('missing-file', p.range, `data file ${p.value} does not exist (looked for ${resolved})`, { fix: 'check the path; it is relative to this experiment file' });
    return {};
  }
  let probe;
  try { probe = host.probe({ source: ds.source, path: resolved, args }); } catch (err) { probe = { dims: {}, error: { message: String((err as Error)?.message ?? err), code: 'data-mismatch' as const } }; }
  if (!probe) return undefined;
  if (probe.error) {
    const where = probe.error.line ? `${p.value}:${probe.error.line}` : p.value;
    cx.report(probe.error.code, p.range, `${where}: ${probe.error.message}`);
  }
  if (probe.lengths) ds.lengths = probe.lengths;
  if (probe.warning) cx.report(probe.warning.code, p.range, `${p.value}: ${probe.warning.message}`, { severity: 2, fix: 'convert the file to UTF-8' });
  return probe.dims;
}

/** Binds each dimension the data gives; one the dims block also sets must agree with it. */
function bindDataDims(b: Block, ds: DataSource, all: Record<string, number | number[] | undefined>, seen: Map<string, AssignEntry>, cx: CheckContext): void {
  const name = ds.source;
  const fromFile = !!SOURCES[name].path;
  const timeKey = name === 'text' ? (Array.isArray(all.time) ? 'buckets' : 'seq_len') : TIME_KEY[name] ?? 'seq_len';
  const detail = (d: string) => {
    if (d === 'vocab' || d === 'classes' || d === 'features' || ((d === 'src' || d === 'tgt') && fromFile)) return fromFile ? `counted from ${ds.path ?? 'the data'} (${name})` : `from the ${name} generator`;
    const key = d === 'batch' ? 'batch' : d === 'time' ? timeKey : undefined;
    return key ? `${key} of data ${name}` : `from the ${name} generator`;
  };
  for (const [d, v] of Object.entries(all)) {
    const size = typeof v === 'number' ? v : undefined;
    const sizes = Array.isArray(v) ? v : undefined;
    const existing = cx.dims.get(d);
    const argEntry = seen.get(d === 'time' ? (name === 'text' ? timeKey : TIME_KEY[name] ?? '') : d);
    const range: Range = argEntry ? argEntry.targets[0].range : b.source!.range;
    if (existing && existing.origin === 'dims') {
      if (size !== undefined && existing.size !== size) {
        cx.report('data-mismatch', existing.range, `dims says ${d} = ${existing.size}, but data ${name} gives ${d} = ${size} (${detail(d)})`, {
          fix: `remove ${d} from the dims block and let the data bind it`, related: [{ range, message: `data ${name} binds ${d} = ${size}` }],
        });
      }
      cx.dimRef(d, range);
      continue;
    }
    cx.dims.set(d, { name: d, size, sizes, origin: 'data', range, detail: detail(d) });
    cx.dimSymbol(d, range, `dim ${d}${size !== undefined ? ' = ' + size : sizes ? ' in ' + sizes.join('|') : ' (size not known yet)'}: ${detail(d)}`);
  }
}

/** The deepest folder holding both (absolute) paths. */
function commonFolder(a: string, b: string): string {
  const pa = a.split(path.sep), pb = b.split(path.sep);
  let i = 0;
  while (i < pa.length && i < pb.length && pa[i] === pb[i]) i++;
  return pa.slice(0, i).join(path.sep) || path.sep;
}
