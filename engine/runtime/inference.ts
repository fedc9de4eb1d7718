// Using a trained run: sample text from a language model (one step at a time, recurrent state fed back), and
// the pieces predict (predict.ts) shares with it: weights as feeds, the one-token stepper, softmax.
import * as ort from 'onnxruntime-node';
import type { SampleParams, SampleResult } from '../process/protocol';
import { selectDevice } from './device';
import { Rng } from './init';
import type { LoadedRun } from './run-loader';
import { UserError } from './jobs-types';
import { SessionCache, toOrt } from './session';
import type { HostTensor } from './types';

/** The tensor the loss reads its prediction from (`logits` of cross_entropy(logits, y)). */
export function predictionName(run: Pick<LoadedRun, 'analysis' | 'settings'>): string {
  const op = run.analysis.train?.loss?.operands[0];
  if (op) return op.field ? `${op.name}.${op.field}` : op.name;
  // No loss: the last statement's first output.
  for (let i = run.analysis.model.length - 1; i >= 0; i--) {
    const st = run.analysis.model[i];
    if (st.kind === 'op' && st.outputs[0] !== '_') return st.outputs[0];
  }
  throw new UserError(`${run.settings.file}: the model has no statement to predict with`);
}

export function weightsFeeds(run: LoadedRun): Map<string, ort.Tensor> {
  const m = new Map<string, ort.Tensor>();
  for (const [name, t] of Object.entries(run.weights)) m.set(`param/${name}`, new ort.Tensor('float32', t.data, t.dims));
  return m;
}

export function feedsFor(io: { inputs: { name: string; dtype: 'float32' | 'int64' | 'int32' | 'bool'; shape: number[] }[] }, data: Record<string, HostTensor>, fixed: Map<string, ort.Tensor>, where: string): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const inp of io.inputs) {
    const d = data[inp.name];
    if (d) feeds[inp.name] = toOrt(d, inp.dtype, inp.name);
    else if (fixed.has(inp.name)) feeds[inp.name] = fixed.get(inp.name)!;
    else if (!inp.name.startsWith('param/') && inp.shape.every((d) => d >= 0)) {
      // Targets (y) are declared model inputs but unused without a loss: feed zeros of their shape.
      const n = inp.shape.reduce((a, b) => a * b, 1);
      const t: HostTensor = inp.dtype === 'float32' ? { dtype: 'float32', dims: inp.shape, data: new Float32Array(n) } : { dtype: 'int32', dims: inp.shape, data: new Int32Array(n) };
      feeds[inp.name] = toOrt(t, inp.dtype, inp.name);
    } else throw new Error(`${where}: the inference graph wants input "${inp.name}", which neither the data nor the checkpoint provides`);
  }
  return feeds;
}

/** Streams generated tokens as text: the prime at once, then decoded pieces every 200 ms. */
function textStream(emit: (s: string) => void, prime: string, sep: string, joiner: string, decode: (ids: number[]) => string) {
  let pending: number[] = [];
  let any = false;
  let last = Date.now();
  emit(prime);
  const flush = () => {
    const text = decode(pending);
    pending = [];
    last = Date.now();
    if (!text) return;
    emit((any ? joiner : sep) + text);
    any = true;
  };
  return { add(id: number) { pending.push(id); if (Date.now() - last >= 200) flush(); }, flush };
}

/** Softmax of logits / temperature, then one draw. Temperature 0 (or below) takes the most likely token. */
export function drawToken(logits: Float32Array, temperature: number, rng: Rng): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (!(temperature > 0)) return best;
  const p = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    p[i] = Math.exp((logits[i] - logits[best]) / temperature);
    sum += p[i];
  }
  let u = rng.next() * sum;
  for (let i = 0; i < p.length; i++) {
    u -= p[i];
    if (u <= 0) return i;
  }
  return p.length - 1;
}

export function softmax(v: ArrayLike<number>): number[] {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) m = Math.max(m, v[i]);
  const e = Array.from(v, (x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/**
 * A language model one token at a time: the graph for batch 1, time 1 with its recurrent state as inputs and
 * outputs, fed back after every token; each call returns the logits after that token. Any length runs in
 * constant memory (a graph unrolled over a 20,000-token input would not).
 */
export async function stepper(run: LoadedRun, cache: SessionCache): Promise<(id: number) => Promise<Float32Array>> {
  const out = predictionName(run);
  const dims = { ...run.settings.dims, ...run.dataset.dims, batch: 1, time: 1 };
  const s = await cache.get('sample', dims, () => run.model.forward(dims, { stateInputs: true }));
  const stateIns = s.io.inputs.filter((i) => i.name.startsWith('state/'));
  const stateOut = (name: string) => s.io.outputs.find((o) => o === `${name}:next` || o === `${name}:out`);
  for (const si of stateIns) {
    if (!stateOut(si.name)) throw new Error(`sampling graph: state input ${si.name} has no matching output (${s.io.outputs.join(', ')})`);
  }
  if (!s.io.outputs.includes(out)) throw new Error(`sampling graph: no output "${out}" (outputs: ${s.io.outputs.join(', ')})`);
  const fixed = weightsFeeds(run);
  for (const si of stateIns) fixed.set(si.name, new ort.Tensor('float32', new Float32Array(si.shape.reduce((a, b) => a * b, 1)), si.shape));
  return async (id: number) => {
    const data: Record<string, HostTensor> = { x: { dtype: 'int32', dims: [1, 1], data: Int32Array.of(id) }, mask: { dtype: 'float32', dims: [1, 1], data: Float32Array.of(1) } };
    const r = await s.session.run(feedsFor(s.io, data, fixed, run.dir));
    for (const si of stateIns) fixed.set(si.name, r[stateOut(si.name)!]);
    return r[out].data as Float32Array;
  };
}

export async function deviceCache(device: string | undefined): Promise<SessionCache> {
  // Inference runs one tiny step at a time: the CPU is the right place unless a device is asked for.
  const d = await selectDevice(device ?? 'cpu');
  return new SessionCache(d.device, undefined);
}

/**
 * Generates text one token at a time, feeding the recurrent state back. `onText`, when given, receives the
 * text as it is generated (the prime first), in pieces at most a fifth of a second apart, so a long sample
 * shows from its start.
 */
export async function sample(run: LoadedRun, p: SampleParams, onText?: (chunk: string) => void): Promise<SampleResult> {
  if (run.analysis.data?.source !== 'text') {
    throw new UserError(`${run.settings.file}: sample works on language models (data text ...); this experiment reads ${run.analysis.data?.source} data, use predict instead`);
  }
  const prime = p.prime ?? run.analysis.sample?.prime ?? '';
  const length = p.length ?? run.analysis.sample?.length ?? 200;
  const temperature = p.temperature ?? run.analysis.sample?.temperature ?? 1;
  if (!Number.isFinite(temperature) || temperature < 0) {
    throw new UserError(`temperature must be 0 or more (0 takes the most likely token every step; below 1 is safer, above 1 wilder); got ${temperature}`);
  }
  if (!Number.isInteger(length) || length < 0) throw new UserError(`length must be a whole number of tokens, 0 or more; got ${length}`);
  const rng = new Rng(p.seed ?? run.settings.seed, 'sample');
  const cache = await deviceCache(p.device);
  try {
    const step = await stepper(run, cache);
    const vocab = run.dataset.vocab;
    let ids: number[];
    try {
      ids = prime ? run.dataset.encode(prime) : [];
    } catch (e) {
      throw new UserError(`prime ${JSON.stringify(prime.length > 60 ? `${prime.slice(0, 57)}...` : prime)}: ${(e as Error).message}`);
    }
    if (!ids.length) ids = [vocab?.eos ?? Math.floor(rng.next() * (run.dataset.dims.vocab ?? vocab?.tokens.length ?? 1))];
    const generated: number[] = [];
    let logits: Float32Array = new Float32Array(0);
    for (const id of ids) logits = await step(id);
    const sep = vocab?.kind === 'words' && prime ? ' ' : '';
    const stream = onText && textStream(onText, prime, sep, vocab?.kind === 'words' ? ' ' : '', (q) => run.dataset.decode(q));
    for (let i = 0; i < length; i++) {
      const next = drawToken(logits, temperature, rng);
      generated.push(next);
      stream?.add(next);
      if (i + 1 < length) logits = await step(next);
    }
    stream?.flush();
    return { runId: run.runId, prime, text: prime + sep + run.dataset.decode(generated) };
  } finally {
    await cache.release();
  }
}

