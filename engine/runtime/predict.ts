// predict: a trained model's answer for one input. A language model reads the input one token at a time
// and gives the next token's distribution (any length); a classifier gives its labels' probabilities; a
// sequence-to-sequence model decodes greedily; a regressor gives its values.
import type * as ort from 'onnxruntime-node';
import type { PredictParams, PredictResult } from '../process/protocol';
import { deviceCache, feedsFor, predictionName, softmax, stepper, weightsFeeds } from './inference';
import { UserError } from './jobs-types';
import type { LoadedRun } from './run-loader';
import type { SessionCache } from './session';
import type { Batch, HostTensor } from './types';

/** Steps a whole-sequence graph is built for at most (each step is unrolled into the graph). */
export const MAX_PREDICT_STEPS = 2000;

export async function predict(run: LoadedRun, p: PredictParams): Promise<PredictResult> {
  const input = p.input ?? run.analysis.predict?.from;
  if (input === undefined) throw new UserError(`predict needs an input (or a \`predict { from = "..." }\` block in the experiment): ${exampleInput(run)}`);
  if (isEmpty(run, input)) throw new UserError(`predict needs a non-empty input: ${exampleInput(run)}`);
  const batch = inputBatch(run, input);
  const cache = await deviceCache(p.device);
  try {
    if (run.analysis.data?.source === 'text') return await nextToken(run, cache, Array.from(batch.tensors.x.data));
    const steps = batch.dims.time ?? batch.dims.src ?? 0;
    if (steps > MAX_PREDICT_STEPS) {
      throw new UserError(`the input has ${steps} steps; predict reads at most ${MAX_PREDICT_STEPS} (the model trained on ${run.dataset.dims.time ?? run.dataset.dims.src}); split it, or export the model (ONNX runs any length)`);
    }
    return await wholeSequence(run, cache, batch);
  } finally {
    await cache.release();
  }
}

/** Blank input is refused, except spaces for a character model (a space is one of its tokens). */
function isEmpty(run: LoadedRun, input: string): boolean {
  if (input === '') return true;
  return input.trim() === '' && !(run.analysis.data?.source === 'text' && run.dataset.vocab?.kind === 'chars');
}

function inputBatch(run: LoadedRun, input: string): Batch {
  const src = run.analysis.data?.source;
  try {
    if (run.dataset.predictBatch) return knownTokens(run, run.dataset.predictBatch([input]));
    const ids = run.dataset.encode(input);
    const timeName = src === 'arithmetic' || src === 'pairs' ? 'src' : 'time';
    return { tensors: { x: { dtype: 'int32', dims: [1, ids.length], data: Int32Array.from(ids) } }, dims: { batch: 1, [timeName]: ids.length }, tokens: ids.length };
  } catch (e) {
    const d = e as Error & { detail?: string; fix?: string };
    const why = d.name === 'DataError' && d.detail ? `${d.detail}${d.fix ? `; fix: ${d.fix}` : ''}` : d.message;
    throw new UserError(`input ${JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input)}: ${why}`);
  }
}

/** A language model: the distribution of the token after the input (the ten most likely). */
async function nextToken(run: LoadedRun, cache: SessionCache, ids: number[]): Promise<PredictResult> {
  const step = await stepper(run, cache);
  let logits: Float32Array = new Float32Array(0);
  for (const id of ids) logits = await step(id);
  const probs = softmax(logits).map((v, i) => [run.dataset.decode([i]), v] as [string, number]).sort((a, b) => b[1] - a[1]).slice(0, 10);
  return { runId: run.runId, output: probs[0][0], probabilities: probs };
}

async function wholeSequence(run: LoadedRun, cache: SessionCache, batch: Batch): Promise<PredictResult> {
  const dims = { ...run.settings.dims, ...run.dataset.dims, ...batch.dims, batch: 1 };
  const out = predictionName(run);
  const s = await cache.get('predict', dims, () => run.model.forward(dims));
  if (!s.io.outputs.includes(out)) throw new Error(`inference graph: no output "${out}" (outputs: ${s.io.outputs.join(', ')})`);
  const fixed = weightsFeeds(run);
  const data: Record<string, HostTensor> = { ...batch.tensors };
  if (batch.mask) data.mask = batch.mask;
  else if (s.io.inputs.some((i) => i.name === 'mask')) data.mask = ones([1, batch.dims.time ?? batch.dims.src ?? 1]); // unpadded: every step is real
  const runOnce = async () => (await s.session.run(feedsFor(s.io, data, fixed, run.dir), [out]))[out];
  const lossFn = run.analysis.train?.loss?.fn;
  const yin = s.io.inputs.find((i) => i.name === 'y_in');
  if (lossFn === 'cross_entropy' && yin) return { runId: run.runId, output: await decodeGreedy(run, data, yin.shape[1], runOnce) };
  const t = await runOnce();
  const values = Array.from(t.data as Float32Array);
  if (lossFn === 'binary_cross_entropy') return binaryAnswer(run, values[values.length - 1]);
  if (lossFn === 'cross_entropy') return classOrSequence(run, values, t.dims[t.dims.length - 1]);
  return { runId: run.runId, output: values.map((v) => v.toPrecision(5)).join(' '), values };
}

/** A teacher-forced decoder: each predicted token is fed back as the next step's input. */
async function decodeGreedy(run: LoadedRun, data: Record<string, HostTensor>, tgt: number, runOnce: () => Promise<ort.Tensor>): Promise<string> {
  const vocab = run.dataset.targetVocab ?? run.dataset.vocab;
  const ids = new Int32Array(tgt).fill(vocab?.pad ?? 0);
  ids[0] = vocab?.bos ?? 0;
  const outIds: number[] = [];
  for (let t = 0; t < tgt; t++) {
    data.y_in = { dtype: 'int32', dims: [1, tgt], data: ids };
    const logits = (await runOnce()).data as Float32Array;
    const V = logits.length / tgt;
    const best = argmax(logits.subarray(t * V, (t + 1) * V));
    outIds.push(best);
    if (best === vocab?.eos) break;
    if (t + 1 < tgt) ids[t + 1] = best;
  }
  return run.dataset.decode(outIds);
}

function binaryAnswer(run: LoadedRun, prob: number): PredictResult {
  const labels = run.dataset.labels ?? ['0', '1'];
  const probs: [string, number][] = [[labels[1] ?? '1', prob], [labels[0] ?? '0', 1 - prob]];
  probs.sort((a, b) => b[1] - a[1]);
  return { runId: run.runId, output: probs[0][0], probabilities: probs };
}

/** One row of logits over labels (a classifier), or a row per output step (a sequence, decoded). */
function classOrSequence(run: LoadedRun, values: number[], V: number): PredictResult {
  const rows = values.length / V;
  if (rows === 1 && run.dataset.labels) {
    const probs = softmax(values).map((v, i) => [run.dataset.labels![i] ?? String(i), v] as [string, number]).sort((a, b) => b[1] - a[1]);
    return { runId: run.runId, output: probs[0][0], probabilities: probs };
  }
  const ids = Array.from({ length: rows }, (_, i) => argmax(values.slice(i * V, (i + 1) * V)));
  return { runId: run.runId, output: run.dataset.decode(ids) };
}

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

function ones(dims: number[]): HostTensor {
  return { dtype: 'float32', dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(1) };
}

/** An input none of whose tokens the model has seen would be answered from `<unk>` alone: refuse it. */
function knownTokens(run: LoadedRun, batch: Batch): Batch {
  const v = run.dataset.vocab;
  const x = batch.tensors.x;
  if (!v || v.unk === undefined || !x || x.dtype !== 'int32') return batch;
  const real = Array.from(x.data as Int32Array).filter((id) => id !== v.pad);
  if (real.length && real.every((id) => id === v.unk)) {
    const how = (run.dataset.inputTokens ?? v.kind) === 'words' ? 'words (tokens separated by spaces)' : 'characters';
    throw new UserError(`none of its ${how} are in the model's vocabulary, so the answer would be a guess; ${exampleInput(run)}`); // the caller names the input
  }
  return batch;
}

/** What an input looks like for this experiment's data, for messages. */
function exampleInput(run: LoadedRun): string {
  const from = run.analysis.predict?.from;
  switch (run.analysis.data?.source) {
    case 'pairs': return `give a source sequence written as the data writes it${from ? `, e.g. ${JSON.stringify(from)}` : ''}`;
    case 'sine': return 'give the sequence\'s values, e.g. "0.0 0.31 0.59"';
    case 'adding': return 'give (value, marker) steps, e.g. "0.5,0 0.2,1 0.7,1 0.1,0"';
    case 'series': return `give one row per step with ${run.dataset.columns?.join(', ') ?? 'the columns'} joined by commas, or a CSV file`;
    case 'arithmetic': return 'give an expression, e.g. "3*10*5"';
    case 'text': return 'give the text to continue, e.g. "the"';
    default: return 'give the text to classify, e.g. "a wonderful film"';
  }
}
