// The training loop: one ORT run per batch (forward, backward, clip and optimizer update are all inside the
// training-step graph), weights and optimizer state fed back from each run's outputs, validation each
// epoch, a checkpoint at each epoch end and on stop. A NaN/inf loss stops the run without adopting the
// broken weights, so the last checkpoint stays the last good one.
import * as ort from 'onnxruntime-node';
import type { CheckpointParams, EpochMetrics, FinishedParams, LogParams, MetricsParams, StepMetrics, ValidationPredictionParams } from '../process/protocol';
import { PredictionSampler } from './validation-plot';
import { DivergenceWatch } from './divergence';
import { randomFeeds } from './random-feeds';
import { RANDOM_INPUT } from '../compile/ctx';
import { writeCheckpoint, type CheckpointPointer, type CheckpointState } from '../runs/checkpoint';
import { MetricsWriter } from '../runs/store';
import type { DeviceName } from './device';
import { initParams } from './init';
import { MetricAccumulator, batchMetrics, readMetricOutputs } from './metrics';
import { SessionCache, scalar, toOrt, type CachedSession } from './session';
import type { Batch, DatasetLike, GraphIO, ModelLike } from './types';
import { Graph } from '../onnx/graph';

export const DEFAULT_LR: Record<string, number> = { adam: 1e-3, sgd: 0.01, rmsprop: 0.01, adagrad: 0.01 };

export interface TrainerEvents {
  metrics(m: MetricsParams): void;
  checkpoint(c: CheckpointParams): void;
  log(l: LogParams): void;
  /** A regression's validation prediction against its target (when `plot` is set). */
  prediction?(p: ValidationPredictionParams): void;
  /** Validation progress: `done` of `total` batches read. */
  validating?(done: number, total: number): void;
}

export interface TrainerOptions {
  runId: string;
  runDir: string;
  model: ModelLike;
  dataset: DatasetLike;
  device: DeviceName;
  threads?: number;
  seed: number;
  /** Total epochs (a resumed run continues up to this). */
  epochs: number;
  /** Stop after this many global steps. */
  steps?: number;
  optimizer: { name: string; params: Record<string, number> };
  lossFn?: string;
  metrics: string[];
  resume?: CheckpointState;
  /** Checked after every step: true stops the run after that step. */
  shouldStop: () => boolean;
  events: TrainerEvents;
  /** Keep this many checkpoint files (default 2). */
  keepCheckpoints?: number;
  /**
   * Called after each completed epoch (validation done, checkpoint written) with that checkpoint's tensors,
   * unless a stop was requested; e.g. to generate a text sample. Its errors are the caller's to handle.
   */
  afterEpoch?: (epoch: number, tensors: CheckpointState['tensors']) => Promise<void>;
  /** Regression: collect the prediction `output` against the target tensor at each validation. */
  plot?: { output: string; target: string };
  /** Seconds between checkpoints inside an epoch (default 300); epoch ends and stops always write one. */
  checkpointEvery?: number;
  /** Validation batches read at most per validation (default 200). */
  validSteps?: number;
  /** The checkpoint file `resume` was read from (named when a resumed run has nothing left to do). */
  resumeCheckpoint?: string;
}

export const DEFAULT_CHECKPOINT_EVERY = 300;
export const DEFAULT_VALID_STEPS = 200;

export interface TrainerResult extends Omit<FinishedParams, 'runId' | 'dir'> {
  /** Set when the loss diverged during the run (it still finished): what happened and what to change. */
  diverged?: string;
  /** Set when the run ended on a NaN/inf loss: what happened and what to change. */
  nanMessage?: string;
  lastLoss?: number;
}

/** ONNX Runtime refused a training step: say where, and what to try, instead of a native stack. */
export class StepError extends Error {
  constructor(device: string, step: number, dims: Record<string, number>, cause: Error) {
    const msg = cause.message.split('\n')[0].replace(/\/onnxruntime_src\/\S+:\d+ \S+ /, '');
    super(
      `the training step failed on device ${device} (step ${step}, sizes ${Object.entries(dims).map(([k, v]) => `${k} ${v}`).join(', ')}): ${msg}` +
        (device !== 'cpu' ? `; the same experiment may run with --device cpu (device = cpu in the train block)` : ''),
    );
  }
}

/** Trainable state kept between steps: ORT tensors (on the device for WebGPU). */
class WeightStore {
  readonly tensors = new Map<string, ort.Tensor>();
  set(name: string, t: ort.Tensor): void {
    const old = this.tensors.get(name);
    this.tensors.set(name, t);
    // GPU buffers are not garbage collected: free the previous step's copy once replaced.
    if (old && old !== t && old.location === 'gpu-buffer') old.dispose();
  }
  get(name: string): ort.Tensor | undefined {
    return this.tensors.get(name);
  }
  /**
   * Host copies of every tensor. GPU-resident ones are brought back through a one-node-per-tensor Identity
   * session whose outputs live on the CPU: onnxruntime-node 1.30 aborts the process on Tensor.getData() of a
   * WebGPU buffer, while feeding the buffer to a session is supported.
   */
  async snapshot(cache: SessionCache): Promise<CheckpointState['tensors']> {
    const out: CheckpointState['tensors'] = {};
    const onDevice = [...this.tensors].filter(([, t]) => t.location === 'gpu-buffer');
    if (onDevice.length) {
      const key = { tensors: onDevice.length };
      const s = await cache.get('download', key, () => downloadGraph(onDevice.map(([n, t]) => [n, [...t.dims]])));
      const res = await s.session.run(Object.fromEntries(onDevice));
      for (const [name, t] of onDevice) out[name] = { dims: [...t.dims], data: Float32Array.from(res[`${name}:host`].data as Float32Array) };
    }
    for (const [name, t] of this.tensors) if (!out[name]) out[name] = { dims: [...t.dims], data: Float32Array.from(t.data as Float32Array) };
    return out;
  }
}

function downloadGraph(items: [string, number[]][]): { bytes: Uint8Array; io: GraphIO } {
  const g = new Graph('download');
  for (const [name, dims] of items) {
    g.input(name, 'float32', dims);
    g.output(g.alias(name, `${name}:host`));
  }
  return { bytes: g.toBytes(), io: { inputs: items.map(([name, shape]) => ({ name, dtype: 'float32', shape })), outputs: items.map(([n]) => `${n}:host`) } };
}

export function paramInput(name: string): string {
  return `param/${name}`;
}
export function slotInput(name: string, slot: string): string {
  return `opt/${name}/${slot}`;
}

export function initialState(model: ModelLike, seed: number): Map<string, ort.Tensor> {
  const values = initParams(model.params, seed);
  const out = new Map<string, ort.Tensor>();
  for (const p of model.params) {
    out.set(paramInput(p.name), new ort.Tensor('float32', values[p.name], p.shape));
    for (const s of model.optimizerSlots) out.set(slotInput(p.name, s), new ort.Tensor('float32', new Float32Array(values[p.name].length), p.shape));
  }
  // carry_state: the first batch starts from zeros; the loop then stores each step's `:next` like weights.
  for (const c of model.carried ?? []) out.set(c.name, new ort.Tensor('float32', new Float32Array(c.shape.reduce((a, b) => a * b, 1)), c.shape));
  return out;
}

/** Inputs of a graph run: data from the batch, weights from the store, scalars by name. */
export function buildFeeds(s: CachedSession, batch: Batch, weights: (name: string) => ort.Tensor | undefined, scalars: Record<string, number>): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const inp of s.io.inputs) {
    const n = inp.name;
    const data = batch.tensors[n];
    if (data) feeds[n] = toOrt(data, inp.dtype, n);
    else if (n === 'mask' && batch.mask) feeds[n] = toOrt(batch.mask, inp.dtype, n);
    else if (n in scalars) feeds[n] = scalar(scalars[n]);
    else if (n.startsWith(RANDOM_INPUT)) continue; // drawn by randomFeeds
    else {
      const w = weights(n);
      if (!w) throw new Error(`graph input "${n}" has no value: the data gives ${Object.keys(batch.tensors).join(', ')}${batch.mask ? ', mask' : ''}; weights and scalars do not include it`);
      feeds[n] = w;
    }
  }
  return feeds;
}

export async function runValidation(
  cache: SessionCache, model: ModelLike, dataset: DatasetLike, weights: (n: string) => ort.Tensor | undefined,
  metrics: string[], lossFn: string | undefined, shouldStop: () => boolean = () => false, plot?: PredictionSampler,
  limit = DEFAULT_VALID_STEPS, progress?: (done: number, total: number) => void,
): Promise<MetricAccumulator | undefined> {
  if (!dataset.validSize) return undefined;
  const acc = new MetricAccumulator(metrics, lossFn);
  const total = Math.min(limit, dataset.validSize);
  let done = 0;
  for (const batch of dataset.validBatches()) {
    if (done >= total) break;
    done++;
    const s = await cache.get('forward+loss', batch.dims, () => model.forward(batch.dims, { withLoss: true }));
    const fetch = s.io.outputs.filter((o) => o === 'loss' || o.startsWith('metric/') || o === plot?.output);
    const out = await s.session.run(buildFeeds(s, batch, weights, {}), fetch);
    const loss = (out.loss.data as Float32Array)[0];
    acc.add({ loss, weight: batch.tokens, metrics: readMetricOutputs(out, batch.tokens) });
    plot?.add(batch, out);
    progress?.(done, total);
    if (shouldStop()) return undefined;
  }
  return acc.count > 0 ? acc : undefined;
}

/** An epoch's metrics line: training figures, validation when it ran; `partial` for a step-limit stop. */
function epochLine(epoch: number, step: number, acc: MetricAccumulator, valid: MetricAccumulator | undefined, t0: number, partial: boolean): EpochMetrics {
  const line: EpochMetrics = { kind: 'epoch', epoch, step, trainLoss: acc.meanLoss(), train: acc.values(), seconds: (performance.now() - t0) / 1000, time: Date.now() };
  if (partial) line.partial = true;
  if (valid) {
    line.validLoss = valid.meanLoss();
    line.valid = valid.values();
  }
  return line;
}

/** What compiling the run's graphs cost, said once: after its first epoch or at a stop before then, when its
 *  batches are grouped by length (the start of the run promised it) or came in more than two shapes. */
function compileReporter(cache: SessionCache, o: TrainerOptions): (seconds: number) => Promise<void> {
  let said = false;
  return async (seconds) => {
    const c = await cache.compiled();
    if (said || (c.count <= 2 && !o.dataset.grouping?.grouped)) return;
    said = true;
    const s = c.ms / 1000;
    o.events.log({ runId: o.runId, level: 'info', message: `compiled ${c.count} graph${c.count === 1 ? '' : 's'} (one per batch shape, training and validation) in ${s.toFixed(1)} s, ${Math.round((100 * s) / Math.max(s, seconds))}% of the time so far` });
  };
}

/** The result of a run stopped by a NaN/inf loss: where its last good checkpoint is and what to change. */
function nonFinite(runDir: string, loss: number, step: number, epoch: number, lr: number, last: CheckpointPointer | undefined, lastLoss: number | undefined): TrainerResult {
  const where = last ? `the last good checkpoint is ${last.file} (epoch ${last.epoch}, step ${last.step})` : 'no checkpoint was written before it';
  return {
    reason: 'stopped', epoch: epoch - 1, step, checkpoint: last ? `${runDir}/${last.file}` : undefined, lastLoss,
    nanMessage: `loss became ${loss} at step ${step + 1} (epoch ${epoch}); the run stopped and ${where}. ` +
      `Lower the learning rate (optimizer lr = ${lr}) or add \`clip = 5\` to the train block.`,
  };
}

export async function train(o: TrainerOptions): Promise<TrainerResult> {
  const { model, dataset, events } = o;
  const cache = new SessionCache(o.device, o.threads, (out) => out.endsWith(':next'));
  const store = new WeightStore();
  const writer = new MetricsWriter(o.runDir);
  const keep = o.keepCheckpoints ?? 2;

  if (o.resume) {
    for (const [name, t] of Object.entries(o.resume.tensors)) store.set(name, new ort.Tensor('float32', t.data, t.dims));
    for (const p of model.params) {
      if (!store.get(paramInput(p.name))) throw new Error(`the checkpoint has no value for parameter ${p.name}: the experiment's model changed since this run was saved; start a new run instead of resuming`);
    }
    // A checkpoint written with weights only (by another program) resumes with a fresh optimizer state.
    const fresh = initialState(model, o.seed);
    const missing = [...fresh.keys()].filter((k) => !store.get(k));
    for (const k of missing) store.set(k, fresh.get(k)!);
    if (missing.some((k) => k.startsWith('opt/'))) events.log({ runId: o.runId, level: 'warn', message: 'the checkpoint has no optimizer state; the optimizer starts afresh' });
    // Nothing left to do keeps the file as it is (its partial-epoch validation line included).
    if (o.steps === undefined || o.resume.step < o.steps) writer.truncateAfter(o.resume.step);
  } else {
    writer.truncateAfter(0); // a resumed run without a checkpoint starts over: its old step lines go
    for (const [name, t] of initialState(model, o.seed)) store.set(name, t);
  }

  const lr = o.optimizer.params.lr ?? DEFAULT_LR[o.optimizer.name] ?? 1e-3;
  let step = o.resume?.step ?? 0;
  let epochsDone = o.resume?.epoch ?? 0;
  let skip = o.resume?.stepInEpoch ?? 0;
  let last: CheckpointPointer | undefined;
  let lastLoss: number | undefined;
  const validate = async (epoch: number, atStep: number) => {
    const plot = o.plot && new PredictionSampler(o.plot.output, o.plot.target);
    const valid = await runValidation(cache, model, dataset, (n) => store.get(n), o.metrics, o.lossFn, o.shouldStop, plot, o.validSteps, events.validating);
    const figure = valid && plot?.finish(o.runId, o.runDir, epoch, atStep);
    if (figure) events.prediction?.(figure);
    return valid;
  };

  const watch = new DivergenceWatch();
  const every = (o.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY) * 1000;
  let lastSave = performance.now();
  const save = async (epoch: number, stepInEpoch: number, extra: { loss?: number; validLoss?: number }) => {
    lastSave = performance.now();
    const tensors = await store.snapshot(cache);
    if (extra.validLoss !== undefined && !Number.isFinite(extra.validLoss)) {
      // Weights whose validation loss is not finite are not a good checkpoint: the last good one stays.
      events.log({ runId: o.runId, level: 'warn', message: `validation loss is ${extra.validLoss} at step ${step}: these weights are not checkpointed${last ? `; the last good checkpoint stays ${last.file} (step ${last.step})` : ''}` });
      return tensors;
    }
    last = writeCheckpoint(o.runDir, { epoch, step, stepInEpoch, tensors }, extra, keep);
    events.checkpoint({ runId: o.runId, epoch: stepInEpoch > 0 ? epoch + 1 : epoch, step, path: `${o.runDir}/${last.file}` });
    return tensors;
  };

  try {
    // A resumed run already at its step limit has nothing to do (it must not take one more step).
    if (o.steps !== undefined && step >= o.steps) return { reason: 'steps', epoch: epochsDone, step, checkpoint: o.resumeCheckpoint, lastLoss };
    const firstEpoch = epochsDone + 1;
    const sayCompileTime = compileReporter(cache, o);
    const tStart = performance.now();
    for (let epoch = firstEpoch; epoch <= o.epochs; epoch++) {
      const t0 = performance.now();
      const acc = new MetricAccumulator(o.metrics, o.lossFn);
      let inEpoch = 0;
      for (const batch of dataset.trainBatches(epoch)) {
        if (skip > 0) { // resuming mid-epoch: the batch order is a function of the seed and epoch
          skip--;
          inEpoch++;
          continue;
        }
        const s = await cache.get('train', batch.dims, () => model.trainStep(batch.dims));
        const ts = performance.now(); // step time excludes building a new bucket's session
        let out: ort.InferenceSession.ReturnType;
        try {
          out = await s.session.run({ ...buildFeeds(s, batch, (n) => store.get(n), { lr, step: step + 1 }), ...randomFeeds(s.io, o.seed, step + 1) });
        } catch (e) {
          throw new StepError(o.device, step + 1, batch.dims, e as Error);
        }
        const loss = (out.loss.data as Float32Array)[0];
        if (!Number.isFinite(loss)) {
          for (const t of Object.values(out)) if (t.location === 'gpu-buffer') t.dispose();
          return nonFinite(o.runDir, loss, step, epoch, lr, last, lastLoss);
        }
        step++;
        inEpoch++;
        for (const [name, t] of Object.entries(out)) {
          if (name.endsWith(':next')) store.set(name.slice(0, -':next'.length), t);
        }
        const weight = batch.tokens;
        const figures = { loss, weight, metrics: readMetricOutputs(out, weight) };
        acc.add(figures);
        lastLoss = loss;
        const ms = performance.now() - ts;
        const line: StepMetrics = {
          kind: 'step', epoch, step, loss, tokens: batch.tokens, tokensPerSec: batch.tokens / (ms / 1000), ms, lr, time: Date.now(),
        };
        if (out.grad_norm) line.gradNorm = (out.grad_norm.data as Float32Array)[0];
        if (watch.add(loss, step)) events.log({ runId: o.runId, level: 'warn', message: watch.message! });
        if (watch.diverging) line.diverging = true;
        const m = batchMetrics(o.metrics, o.lossFn, figures);
        if (Object.keys(m).length) line.metrics = m;
        writer.append(line);
        events.metrics({ ...line, runId: o.runId });

        const stepLimit = o.steps !== undefined && step >= o.steps;
        if (stepLimit || o.shouldStop()) {
          // A run that ends at `steps` mid-epoch still reports validation (the figure the run is judged by),
          // as an epoch line for the partial epoch; a stop request does not wait for it.
          let validLoss: number | undefined;
          if (stepLimit && !o.shouldStop()) {
            const eline = epochLine(epoch, step, acc, await validate(epoch, step), t0, true);
            validLoss = eline.validLoss;
            writer.append(eline);
            events.metrics({ ...eline, runId: o.runId });
          }
          await sayCompileTime((performance.now() - tStart) / 1000);
          const tensors = await save(epoch - 1, inEpoch, { loss, validLoss });
          // A run that ends at its step limit gets its sample too (a language model's `sample` block).
          if (stepLimit && o.afterEpoch && !o.shouldStop()) await o.afterEpoch(epoch, tensors);
          return { reason: stepLimit ? 'steps' : 'stopped', epoch: epoch - 1, step, checkpoint: last && `${o.runDir}/${last.file}`, lastLoss, diverged: watch.message };
        }
        // A long epoch is checkpointed on a clock too, so a kill loses at most `checkpoint_every` of work.
        if (performance.now() - lastSave >= every) await save(epoch - 1, inEpoch, { loss });
      }
      skip = 0;
      const line = epochLine(epoch, step, acc, await validate(epoch, step), t0, false);
      if (epoch === firstEpoch) await sayCompileTime((performance.now() - tStart) / 1000);
      writer.append(line);
      events.metrics({ ...line, runId: o.runId });
      epochsDone = epoch;
      const tensors = await save(epoch, 0, { loss: acc.meanLoss(), validLoss: line.validLoss });
      // The host copies are reused so a sample costs no second download of the weights.
      if (o.afterEpoch && !o.shouldStop()) await o.afterEpoch(epoch, tensors);
      if (o.shouldStop()) return { reason: 'stopped', epoch, step, checkpoint: last && `${o.runDir}/${last.file}`, lastLoss, diverged: watch.message };
    }
    return { reason: 'completed', epoch: epochsDone, step, checkpoint: last ? `${o.runDir}/${last.file}` : o.resumeCheckpoint, lastLoss, diverged: watch.message };
  } finally {
    await cache.release();
  }
}
