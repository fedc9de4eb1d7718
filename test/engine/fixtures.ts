// Loader for the PyTorch reference fixtures in test/fixtures/torch/ (written by scripts/torch_fixtures.py,
// format in test/fixtures/torch/README.md). Engine tests load a case, run the same weights through the
// engine in float32 and compare with `assertTensorClose`. Every file is validated on load, so a damaged or
// hand-edited fixture fails with its path and the fix instead of as a confusing numerics mismatch.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

export const FIXTURE_DIR = join(__dirname, '..', 'fixtures', 'torch');
const REGENERATE = 'regenerate with `/usr/bin/python3 scripts/torch_fixtures.py`';

export interface FixtureTensor {
  shape: number[];
  /** 'int' for ids and class targets (written as JSON integers); everything else is 'float'. */
  dtype: 'float' | 'int';
  /** The values as the engine feeds them (float32). */
  data: Float32Array;
  /** The values exactly as PyTorch computed them (float64), for reference math in tests. */
  data64: Float64Array;
}
export type TensorMap = Record<string, FixtureTensor>;
export type ConfigValue = number | string | boolean | number[];
export type FixtureConfig = Record<string, ConfigValue>;

interface FixtureBase {
  case: string;
  seed: number;
  config: FixtureConfig;
}
/** A layer: outputs of a forward pass, and grads of L = sum over outputs of sum(output * upstream). */
export interface LayerFixture extends FixtureBase {
  kind: 'embedding' | 'linear' | 'lstm' | 'gru' | 'rnn' | 'layer_norm' | 'attention';
  inputs: TensorMap;
  params: TensorMap;
  outputs: TensorMap;
  upstream: TensorMap;
  /** Keyed by input or param name; int inputs (ids) have none. */
  grads: TensorMap;
  /** The value of L. */
  loss: number;
}
/** A loss: outputs.loss is the scalar (shape []) and grads are d loss / d input (no upstream). */
export interface LossFixture extends FixtureBase {
  kind: 'loss';
  inputs: TensorMap;
  outputs: TensorMap;
  grads: TensorMap;
  loss: number;
}
/** An optimizer: params before; grads[k] applied at step k+1; outputs[k], state[k] after step k+1. */
export interface OptimFixture extends FixtureBase {
  kind: 'optim';
  params: TensorMap;
  grads: TensorMap[];
  outputs: TensorMap[];
  /** Optimizer buffers after each step, keyed `<param>.<buffer>` with PyTorch's buffer names. */
  state: TensorMap[];
}
/** Global-norm clipping: outputs[k] holds grads[k] clipped, and `total_norm` (shape []) before clipping. */
export interface ClipFixture extends FixtureBase {
  kind: 'clip';
  params: TensorMap;
  grads: TensorMap[];
  outputs: TensorMap[];
}
export type Fixture = LayerFixture | LossFixture | OptimFixture | ClipFixture;
export type FixtureKind = Fixture['kind'];
/** The fixture type for a kind (all layer kinds share LayerFixture). */
export type FixtureOf<K extends FixtureKind> = K extends LayerFixture['kind'] ? LayerFixture : Extract<Fixture, { kind: K }>;

const LAYER_KINDS = ['embedding', 'linear', 'lstm', 'gru', 'rnn', 'layer_norm', 'attention'] as const;

export class FixtureError extends Error {}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Names of the fixtures on disk (without `.json`) that start with `prefix`, sorted. */
export function listFixtures(prefix = ''): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json') && f.startsWith(prefix))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function loadFixture(name: string): Fixture;
export function loadFixture<K extends FixtureKind>(name: string, kind: K): FixtureOf<K>;
export function loadFixture(name: string, kind?: FixtureKind): Fixture {
  const path = join(FIXTURE_DIR, name + '.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    const known = listFixtures();
    throw new FixtureError(`no fixture '${name}' in ${relative(process.cwd(), FIXTURE_DIR)} (have: ${known.join(', ')}); ${REGENERATE}`);
  }
  const fx = parseFixture(text, relative(process.cwd(), path));
  if (kind !== undefined && fx.kind !== kind) {
    throw new FixtureError(`${relative(process.cwd(), path)}: kind is '${fx.kind}', the test expects '${kind}'`);
  }
  return fx;
}

/** Parses and validates one fixture's JSON text; `where` names the file in error messages. */
export function parseFixture(text: string, where: string): Fixture {
  const fail = (what: string): never => {
    throw new FixtureError(`${where}: ${what}; ${REGENERATE}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail(`not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(raw)) return fail('the top level is not an object');
  const str = (k: string): string => (typeof raw[k] === 'string' ? (raw[k] as string) : fail(`'${k}' is not a string`));
  const num = (k: string): number =>
    typeof raw[k] === 'number' && Number.isFinite(raw[k]) ? (raw[k] as number) : fail(`'${k}' is not a finite number`);
  const base = { case: str('case'), seed: num('seed'), config: config(raw.config, fail) };
  const kind = str('kind');
  const map = (k: string): TensorMap => tensorMap(raw[k], k, fail);
  const steps = (k: string): TensorMap[] => {
    const v = raw[k];
    if (!Array.isArray(v) || v.length === 0) return fail(`'${k}' is not a non-empty list (one map per step)`);
    return v.map((m, i) => tensorMap(m, `${k}[${i}]`, fail));
  };

  if ((LAYER_KINDS as readonly string[]).includes(kind)) {
    const fx: LayerFixture = {
      ...base, kind: kind as LayerFixture['kind'], inputs: map('inputs'), params: map('params'),
      outputs: map('outputs'), upstream: map('upstream'), grads: map('grads'), loss: num('loss'),
    };
    sameKeysAndShapes(fx.upstream, fx.outputs, 'upstream', 'outputs', fail);
    for (const [k, t] of Object.entries({ ...fx.inputs, ...fx.params })) {
      const g = fx.grads[k];
      if (t.dtype === 'int') {
        if (g) fail(`grads.${k} is given for an integer input`);
      } else if (!g) fail(`grads.${k} is missing`);
      else if (!sameShape(g.shape, t.shape)) fail(`grads.${k} has shape [${g.shape}], ${k} has [${t.shape}]`);
    }
    for (const k of Object.keys(fx.grads)) if (!(k in fx.inputs) && !(k in fx.params)) fail(`grads.${k} matches no input or param`);
    return fx;
  }
  if (kind === 'loss') {
    const fx: LossFixture = { ...base, kind, inputs: map('inputs'), outputs: map('outputs'), grads: map('grads'), loss: num('loss') };
    const l = fx.outputs.loss;
    if (!l || l.shape.length !== 0) fail(`outputs.loss must be a scalar (shape [])`);
    for (const [k, g] of Object.entries(fx.grads)) {
      const t = fx.inputs[k];
      if (!t) fail(`grads.${k} matches no input`);
      else if (!sameShape(g.shape, t.shape)) fail(`grads.${k} has shape [${g.shape}], inputs.${k} has [${t.shape}]`);
    }
    if (Object.keys(fx.grads).length === 0) fail('grads is empty');
    return fx;
  }
  if (kind === 'optim' || kind === 'clip') {
    const params = map('params');
    const grads = steps('grads');
    const outputs = steps('outputs');
    if (grads.length !== outputs.length) fail(`${grads.length} grads steps but ${outputs.length} outputs steps`);
    if (base.config.steps !== grads.length) fail(`config.steps is ${String(base.config.steps)}, there are ${grads.length} steps`);
    grads.forEach((g, i) => sameKeysAndShapes(g, params, `grads[${i}]`, 'params', fail));
    if (kind === 'optim') {
      outputs.forEach((o, i) => sameKeysAndShapes(o, params, `outputs[${i}]`, 'params', fail));
      const state = steps('state');
      if (state.length !== grads.length) fail(`${state.length} state steps, expected ${grads.length}`);
      return { ...base, kind, params, grads, outputs, state };
    }
    outputs.forEach((o, i) => {
      const { total_norm: norm, ...clipped } = o;
      if (!norm || norm.shape.length !== 0) fail(`outputs[${i}].total_norm must be a scalar (shape [])`);
      sameKeysAndShapes(clipped, params, `outputs[${i}]`, 'params', fail);
    });
    return { ...base, kind, params, grads, outputs };
  }
  return fail(`unknown kind '${kind}' (expected one of ${[...LAYER_KINDS, 'loss', 'optim', 'clip'].join(', ')})`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function config(v: unknown, fail: (what: string) => never): FixtureConfig {
  if (!isObject(v)) return fail(`'config' is not an object`);
  const out: FixtureConfig = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean') out[k] = x;
    else if (Array.isArray(x) && x.every((e) => typeof e === 'number')) out[k] = x as number[];
    else fail(`config.${k} is not a number, string, boolean or list of numbers`);
  }
  return out;
}

function tensorMap(v: unknown, where: string, fail: (what: string) => never): TensorMap {
  if (!isObject(v)) return fail(`'${where}' is not an object of tensors`);
  const out: TensorMap = {};
  for (const [k, t] of Object.entries(v)) out[k] = tensor(t, `${where}.${k}`, fail);
  return out;
}

function tensor(v: unknown, where: string, fail: (what: string) => never): FixtureTensor {
  if (!isObject(v)) return fail(`${where} is not a tensor ({shape, data})`);
  const { shape, data, dtype = 'float' } = v;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    return fail(`${where}.shape is not a list of positive integers`);
  }
  if (dtype !== 'float' && dtype !== 'int') return fail(`${where}.dtype is '${String(dtype)}', expected 'float' or 'int'`);
  if (!Array.isArray(data) || !data.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return fail(`${where}.data is not a list of finite numbers`);
  }
  const n = elementCount(shape as number[]);
  if (data.length !== n) fail(`${where} has ${data.length} values, shape [${shape}] needs ${n}`);
  if (dtype === 'int' && !data.every((x) => Number.isInteger(x))) fail(`${where} is dtype 'int' but holds a fraction`);
  return { shape: shape as number[], dtype, data: Float32Array.from(data as number[]), data64: Float64Array.from(data as number[]) };
}

function sameKeysAndShapes(a: TensorMap, b: TensorMap, an: string, bn: string, fail: (what: string) => never): void {
  const ak = Object.keys(a).sort().join(', ');
  const bk = Object.keys(b).sort().join(', ');
  if (ak !== bk) fail(`${an} has keys [${ak}], ${bn} has [${bk}]`);
  for (const k of Object.keys(a)) {
    if (!sameShape(a[k]!.shape, b[k]!.shape)) fail(`${an}.${k} has shape [${a[k]!.shape}], ${bn}.${k} has [${b[k]!.shape}]`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Comparing engine results with a fixture

/** Ids as ONNX Runtime's int64 inputs want them. */
export function toBigInt64(t: FixtureTensor): BigInt64Array {
  if (t.dtype !== 'int') throw new FixtureError(`toBigInt64: the tensor of shape [${t.shape}] is float, not ids`);
  return BigInt64Array.from(t.data64, (x) => BigInt(x));
}

export interface Tolerance {
  /** Relative tolerance (default 1e-4: float32 engine against float64 PyTorch). */
  rtol?: number;
  /** Absolute floor for values near zero (default 1e-5). */
  atol?: number;
}

export interface Comparison {
  ok: boolean;
  /** Flat index of the element furthest outside tolerance (or of the largest error when ok); -1 if empty. */
  worst: number;
  maxAbsError: number;
  message: string;
}

/** Elementwise |actual - expected| <= atol + rtol * |expected|, with the worst element for the message. */
export function compareTensor(actual: ArrayLike<number>, expected: FixtureTensor, tol: Tolerance = {}): Comparison {
  const rtol = tol.rtol ?? 1e-4;
  const atol = tol.atol ?? 1e-5;
  const e = expected.data64;
  if (actual.length !== e.length) {
    return { ok: false, worst: -1, maxAbsError: Infinity, message: `${actual.length} values, expected ${e.length} (shape [${expected.shape}])` };
  }
  let worst = -1;
  let worstExcess = -Infinity;
  let maxAbs = 0;
  for (let i = 0; i < e.length; i++) {
    const a = actual[i]!;
    const err = Math.abs(a - e[i]!);
    // NaN never passes: the comparison below is false for it.
    const excess = Number.isNaN(err) ? Infinity : err - (atol + rtol * Math.abs(e[i]!));
    if (excess > worstExcess) { worstExcess = excess; worst = i; }
    if (!(err <= maxAbs)) maxAbs = err;
  }
  const ok = e.length === 0 || worstExcess <= 0;
  const at = worst < 0 ? '' : ` at [${unravel(worst, expected.shape)}]: got ${actual[worst]}, expected ${e[worst]}`;
  return { ok, worst, maxAbsError: maxAbs, message: `${ok ? 'within' : 'outside'} rtol ${rtol}, atol ${atol}; max abs error ${maxAbs}${at}` };
}

/** Throws (naming `label`, the element and both values) unless `actual` matches `expected`. */
export function assertTensorClose(actual: ArrayLike<number>, expected: FixtureTensor, label: string, tol?: Tolerance): void {
  const c = compareTensor(actual, expected, tol);
  if (!c.ok) throw new Error(`${label}: ${c.message}`);
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]!);
    i = Math.floor(i / shape[d]!);
  }
  return idx;
}
