// Shared by the layer, compile and export tests: PyTorch fixtures, running a Graph in onnxruntime-node,
// and a relative comparison with a small absolute floor.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Dim, InputStatement, OpStatement, Range, Shape, TensorRef, TrainSettings } from '../../language/types';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'torch');

export interface FTensor { shape: number[]; data: number[]; dtype?: 'int' }
export interface Fixture {
  case: string;
  kind: string;
  config: Record<string, unknown>;
  inputs: Record<string, FTensor>;
  params: Record<string, FTensor>;
  outputs: Record<string, FTensor>;
  upstream: Record<string, FTensor>;
  grads: Record<string, FTensor>;
  loss: number;
}

/** The fixture, or a reason to skip naming the missing file (the generator may not have run yet). */
export function fixture(name: string): Fixture | string {
  const p = join(FIXTURES, `${name}.json`);
  if (!existsSync(p)) return `missing fixture ${p} (generate with /usr/bin/python3 scripts/torch_fixtures.py)`;
  return JSON.parse(readFileSync(p, 'utf8')) as Fixture;
}

export function f32(t: FTensor): ort.Tensor {
  return new ort.Tensor('float32', Float32Array.from(t.data), t.shape);
}
export function i32(t: FTensor): ort.Tensor {
  return new ort.Tensor('int32', Int32Array.from(t.data), t.shape);
}

export async function run(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, opts: ort.InferenceSession.SessionOptions = {}): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, ...opts });
  const needed: Record<string, ort.Tensor> = {};
  for (const n of s.inputNames) {
    if (!feeds[n]) throw new Error(`no feed for graph input ${n}`);
    needed[n] = feeds[n];
  }
  const out = await s.run(needed);
  await s.release();
  return out;
}

/** |a - b| <= rtol * |b| + atol elementwise, with a message naming the worst element. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 1e-4, atol = 1e-5) {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  let worst = -1, worstErr = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(Number(actual[i]) - Number(expected[i])) - rtol * Math.abs(Number(expected[i])) - atol;
    if (!(e <= 0) && (worst < 0 || e > worstErr || Number.isNaN(e))) { worst = i; worstErr = e; }
  }
  if (worst >= 0) assert.fail(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`);
}

// ---- hand-built model descriptions (what analyze() produces, without the language core) ----------------

const R0: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
const dimOf = (d: string | number): Dim => (typeof d === 'number' ? { size: d } : { name: d });

export function shape(elem: 'int' | 'float', dims: (string | number)[], opts: { bound?: string; masked?: boolean } = {}): Shape {
  return { elem, dims: dims.map(dimOf), bound: opts.bound ? { name: opts.bound } : undefined, masked: opts.masked };
}
export function inputStmt(name: string, s: Shape): InputStatement {
  return { kind: 'input', name, shape: s, range: R0, nameRange: R0 };
}
export function ref(text: string): TensorRef {
  const [name, field] = text.split('.');
  return { name, field: field as 'h' | 'c' | undefined, range: R0 };
}
/** op(['h', 'st'], 'lstm', ['e'], { size: 'hidden', layers: 2 }): size-like params given as a name or a number. */
export function opStmt(outputs: string[], op: string, operands: string[], params: Record<string, unknown> = {}): OpStatement {
  const p: Record<string, unknown> = { ...params };
  for (const k of ['size', 'vocab', 'D']) if (k in p && (typeof p[k] === 'string' || typeof p[k] === 'number')) p[k] = dimOf(p[k] as string | number);
  if (typeof p.init === 'string') p.init = ref(p.init);
  return { kind: 'op', outputs, outputRanges: outputs.map(() => R0), op, operands: operands.map(ref), params: p, range: R0, opRange: R0 };
}
export function trainSettings(over: Partial<Omit<TrainSettings, 'loss'>> & { loss: [string, string, string] }): TrainSettings {
  const [fn, a, b] = over.loss;
  return {
    optimizer: { name: 'adam', params: { lr: 1e-2 } }, epochs: 1, metrics: [], init: { name: 'xavier', params: {} }, seed: 42, device: 'cpu',
    ...over,
    loss: { fn, operands: [ref(a), ref(b)], range: R0 },
  };
}
