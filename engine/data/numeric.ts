// Numeric input for predict (sine, adding, series): one sequence, a row of features per step, written inline
// ("0.0 0.31 0.59", "0.5,0 0.2,1"), as CSV/TSV text (a header row may name the columns) or as JSON
// ([0.0, 0.31] or [[0.5, 0], [0.2, 1]]).
import { DataError } from '../../language/data';
import { floatTensor } from './batches';
import type { Batch } from './types';

const FIX = 'write one step per value ("0.0 0.31 0.59"), features of a step joined by commas ("0.5,0 0.2,1"), or pass a CSV or JSON file';

function bad(what: string, message: string): never {
  throw new DataError(what, message, { code: 'bad-argument', fix: FIX });
}

function parseJson(text: string, what: string): number[][] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    bad(what, `not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(v)) bad(what, 'JSON input must be an array of steps');
  return v.map((step, i) => {
    const row = Array.isArray(step) ? step : [step];
    if (!row.every((x) => typeof x === 'number' && Number.isFinite(x))) bad(what, `step ${i + 1} is not a number or a list of numbers: ${JSON.stringify(step)}`);
    return row as number[];
  });
}

/** A plain decimal number (no hex, no NaN or Infinity). */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Rows of CSV/TSV (one step a line; a first line that is not all numbers is a header) or inline text
 *  (steps separated by spaces or `;`, where every cell must be a number). */
function parseRows(text: string, what: string): { header?: string[]; rows: number[][] } {
  const multiline = text.includes('\n');
  const lines = multiline ? text.split(/\r?\n/) : text.trim().split(/\s+|;/);
  const cells = lines.map((l) => l.trim()).filter((l) => l !== '').map((l) => l.split(/\s*[,\t]\s*|\s+/));
  let header: string[] | undefined;
  if (multiline && cells.length && cells[0].some((c) => !NUMBER.test(c))) header = cells.shift();
  const rows = cells.map((r, i) => r.map((c) => {
    if (!NUMBER.test(c)) bad(what, `step ${i + 1}${multiline ? ` (line ${i + (header ? 2 : 1)})` : ''}: ${JSON.stringify(c)} is not a number`);
    return Number(c);
  }));
  return { header, rows };
}

/**
 * The [1, steps, features] batch of one numeric input. `columns`: the features by name (series), used to pick
 * them out of a CSV with a header.
 */
export function numericBatch(text: string, features: number, columns?: string[], what = 'input'): Batch {
  const trimmed = text.trim();
  if (trimmed === '') bad(what, 'the input is empty');
  let rows: number[][];
  if (trimmed.startsWith('[')) rows = parseJson(trimmed, what);
  else {
    const parsed = parseRows(trimmed, what);
    rows = parsed.rows;
    if (parsed.header && columns) {
      const at = columns.map((c) => parsed.header!.indexOf(c));
      const missing = columns.filter((_, i) => at[i] < 0);
      if (missing.length) bad(what, `the header has no column ${missing.join(', ')} (the model reads ${columns.join(', ')})`);
      rows = rows.map((r) => at.map((k) => r[k]));
    }
  }
  if (rows.length === 0) bad(what, 'the input has no steps');
  rows.forEach((r, i) => {
    if (r.length !== features) bad(what, `step ${i + 1} has ${r.length} value(s); the model reads ${features} per step${columns ? ` (${columns.join(', ')})` : ''}`);
  });
  const x = floatTensor([1, rows.length, features]);
  rows.forEach((r, t) => x.data.set(r, t * features));
  return { tensors: { x }, dims: { batch: 1, time: rows.length }, tokens: rows.length };
}

/** A data set's predictBatch for numeric inputs: each text one sequence, all of the same length. */
export function numericPredictBatch(features: number, columns?: string[]): (texts: string[]) => Batch {
  return (texts) => {
    const one = texts.map((t, i) => numericBatch(t, features, columns, texts.length > 1 ? `input ${i + 1}` : 'input'));
    const T = one[0].dims.time;
    const diff = one.findIndex((b) => b.dims.time !== T);
    if (diff >= 0) bad(`input ${diff + 1}`, `has ${one[diff].dims.time} steps and input 1 has ${T}; inputs predicted together need the same length`);
    const x = floatTensor([texts.length, T, features]);
    one.forEach((b, i) => x.data.set(b.tensors.x.data as Float32Array, i * T * features));
    return { tensors: { x }, dims: { batch: texts.length, time: T }, tokens: texts.length * T };
  };
}
