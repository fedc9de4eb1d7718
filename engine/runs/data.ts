// A run's data as it was when the run started (vocab.json: vocabulary, labels, sizes, the probe of the data
// file), so a trained run needs nothing else: predict, sample and export check the experiment against the
// stored sizes, and resume says what changed when the data file no longer matches.
import * as path from 'node:path';
import type { DataHost, DataProbe } from '../../language/types';
import type { SavedDataset } from '../data/types';

/** A data host that answers every probe with the sizes stored with the run (no file is read). */
export function savedDataHost(probe: Record<string, number>): DataHost & { idle(): Promise<void> } {
  return {
    // No file is read: the data path was checked against the workspace when the run trained.
    rootFor: (p: string) => path.parse(path.resolve(p)).root,
    probe: (): DataProbe => ({ dims: { ...probe } }),
    exists: () => true,
    idle: async () => {},
  };
}

function listDiff(what: string, before: string[] | undefined, after: string[] | undefined, show: (t: string) => string): string | undefined {
  const a = before ?? [], b = after ?? [];
  if (a.length === b.length && a.every((t, i) => t === b[i])) return undefined;
  const gone = a.filter((t) => !b.includes(t)), added = b.filter((t) => !a.includes(t));
  const parts = [`${a.length} -> ${b.length}`];
  if (added.length) parts.push(`new: ${added.slice(0, 5).map(show).join(', ')}${added.length > 5 ? ', ...' : ''}`);
  if (gone.length) parts.push(`gone: ${gone.slice(0, 5).map(show).join(', ')}${gone.length > 5 ? ', ...' : ''}`);
  if (!added.length && !gone.length) parts.push('same entries in another order, so every id means something else');
  return `${what} ${parts.join('; ')}`;
}

/** What differs between the data a run started with and the data read now (empty: nothing that matters). */
export function dataChanges(saved: SavedDataset, now: SavedDataset): string[] {
  const out: string[] = [];
  const v = listDiff('vocabulary', saved.vocab?.tokens, now.vocab?.tokens, (t) => JSON.stringify(t));
  if (v) out.push(v);
  const l = listDiff('labels', saved.labels, now.labels, (t) => JSON.stringify(t));
  if (l) out.push(l);
  const c = listDiff('columns', saved.columns, now.columns, (t) => t);
  if (c) out.push(c);
  for (const k of new Set([...Object.keys(saved.dims), ...Object.keys(now.dims)])) {
    if (saved.dims[k] !== now.dims[k] && !(v && k === 'vocab') && !(l && k === 'classes')) out.push(`${k} ${saved.dims[k] ?? 'unset'} -> ${now.dims[k] ?? 'unset'}`);
  }
  // Same words, different rows (an added review, a flipped label): the content says so.
  if (saved.file && now.file && saved.file.sha256 !== now.file.sha256) {
    out.push(saved.file.bytes === now.file.bytes ? `its contents changed (same size, ${now.file.bytes.toLocaleString('en-US')} bytes)` : `its contents changed (${saved.file.bytes.toLocaleString('en-US')} -> ${now.file.bytes.toLocaleString('en-US')} bytes)`);
  }
  return out;
}
