// Shared by the data tests: temp files and DataSources built from plain arguments.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource, Value } from '../../language/types';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'unroll-data-'));
}

export function writeTemp(dir: string, name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

function toValue(v: unknown): Value {
  if (typeof v === 'number') return { kind: 'number', value: v, integer: Number.isInteger(v) };
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  if (Array.isArray(v)) return { kind: 'list', items: v.map(toValue) };
  if (typeof v === 'string' && /^[A-Za-z_]\w*$/.test(v)) return { kind: 'name', name: v };
  return { kind: 'string', value: String(v) };
}

const R = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** A checked data block as the language core hands it over. */
export function dataSource(source: string, path: string | undefined, args: Record<string, unknown> = {}): DataSource {
  return {
    source, path, resolvedPath: path, provides: {}, range: R,
    args: Object.fromEntries(Object.entries(args).map(([k, v]) => [k, toValue(v)])),
  };
}

export const EXAMPLES = join(__dirname, '..', '..', 'examples', 'data');
