// The engine's jobs, end to end: check the experiment, load its data, compile it, and train, resume,
// sample, predict or export. Runs inside the worker thread (worker.ts) or in-process (tests, benches).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ValidatingParams, CheckpointParams, FailedParams, FinishedParams, LogParams, MetricsParams, ResumeParams, RunStartedParams, SampleNotificationParams, TrainParams, TrainResult } from '../process/protocol';
import { readLatestCheckpoint } from '../runs/checkpoint';
import { dataChanges } from '../runs/data';
import { removeStaleTemps } from '../runs/atomic';
import { lockRun } from '../runs/lock';
import { createRun, readExperimentText, readSettings, readVocab, resolveRun, RunError, writeRunFiles, writeSettings, type RunSettings } from '../runs/store';
import type { SavedDataset } from '../data/types';
import { selectDevice, DeviceError } from './device';
import { exportJob } from './export-job';
import { runSettings } from './train-settings';
import { dataNotes, widthRanges } from './grouping';
import { sample } from './inference';
import { predict } from './predict';
import { UserError, type Job, type JobSink } from './jobs-types';
import { prepare } from './prepare';
import { loadRun, type LoadedRun } from './run-loader';
import { StepError, train } from './trainer';
import type { Analysis } from './toolchain';
import type { DatasetLike, ModelLike } from './types';

export { analyzeFile, formatDiagnostics } from './prepare';
export { loadRun, type LoadedRun };

export async function runJob(job: Job, sink: JobSink): Promise<void> {
  switch (job.kind) {
    case 'train':
      return trainJob(job.params, sink);
    case 'resume':
      return resumeJob(job.params, sink);
    case 'sample':
      return sink.result(await sample(await loadRun(job.params.run, job.params.workspaceRoot, say(sink)), job.params,
        job.params.stream ? (text) => sink.notify('sampleText', { text }) : undefined));
    case 'predict':
      return sink.result(await predict(await loadRun(job.params.run, job.params.workspaceRoot, say(sink)), job.params));
    case 'export':
      return sink.result(await exportJob(job.params, say(sink)));
  }
}

/** A note for the person (which run was taken), as an info log line. */
const say = (sink: JobSink) => (message: string) => sink.notify('log', { level: 'info', message } satisfies LogParams);

const notify = {
  runStarted: (s: JobSink, p: RunStartedParams) => s.notify('runStarted', p),
  metrics: (s: JobSink, p: MetricsParams) => s.notify('metrics', p),
  checkpoint: (s: JobSink, p: CheckpointParams) => s.notify('checkpoint', p),
  log: (s: JobSink, p: LogParams) => s.notify('log', p),
  finished: (s: JobSink, p: FinishedParams) => s.notify('finished', p),
  failed: (s: JobSink, p: FailedParams) => s.notify('failed', p),
  sample: (s: JobSink, p: SampleNotificationParams) => s.notify('sample', p),
};


function readExperiment(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${file}: no such file` : code === 'EISDIR' ? `${file} is a folder; give an .rnn file` : `${file}: cannot read it (${(e as Error).message})`, file);
  }
}

/** epochs, steps and threads, when given, are whole numbers >= 1 (0 epochs would leave an empty run). */
function checkCounts(p: { epochs?: number; steps?: number; threads?: number }): void {
  for (const k of ['epochs', 'steps', 'threads'] as const) {
    const v = p[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new UserError(`${k} must be a whole number of at least 1; got ${v}`);
  }
}

async function trainJob(p: TrainParams, sink: JobSink): Promise<void> {
  checkCounts(p);
  let runDir: string | undefined;
  let runId: string | undefined;
  let release = () => {};
  try {
    const file = path.resolve(p.file);
    const text = p.text ?? readExperiment(file);
    const root = p.workspaceRoot ?? path.dirname(file);
    const { analysis, dataset, model, groupingNote } = await prepare(file, text, p.workspaceFolder);
    const t = analysis.train!;
    const device = await selectDevice(p.device ?? t.device);
    const threads = p.threads ?? t.threads;
    const epochs = p.epochs ?? t.epochs;
    const steps = p.steps ?? t.steps;
    const run = createRun(root, analysis.experiment);
    release = lockRun(run.dir);
    runDir = run.dir;
    runId = run.runId;
    const settings = runSettings(analysis, dataset, model, file, {
      runId, device: device.device, ...(device.adapter ? { adapter: device.adapter } : {}), deviceReason: device.reason, threads, epochs, steps,
    });
    writeRunFiles(run.dir, { experimentText: text, settings, vocab: dataset.save() });
    sink.result({ runId, dir: run.dir } satisfies TrainResult);
    await runTraining({ sink, runId, runDir: run.dir, file, analysis, dataset, model, settings, deviceReason: device.reason, groupingNote });
  } catch (e) {
    reportFailure(sink, e, runId, runDir);
  } finally {
    release();
  }
}

function reportFailure(sink: JobSink, e: unknown, runId?: string, dir?: string): void {
  const err = e as Error & { file?: string; line?: number };
  const expected = e instanceof UserError || e instanceof DeviceError || e instanceof StepError || e instanceof RunError || err?.name === 'DataError';
  // A bug of ours: the message, and the stack on stderr (the engine log) only when asked for.
  if (!expected && process.env.UNROLL_DEBUG === '1') console.error(err?.stack);
  const message = expected ? err.message : `${err?.message ?? String(e)} (an internal error; run with UNROLL_DEBUG=1 for details, and please report it)`;
  // Before the run folder exists the request itself fails (there is no run to watch); after, the run fails.
  if (!runId) throw new UserError(message, err?.file, err?.line);
  notify.failed(sink, { runId, dir, message, file: err?.file, line: err?.line });
}

async function runTraining(o: {
  sink: JobSink; runId: string; runDir: string; file: string; analysis: Analysis; dataset: DatasetLike; model: ModelLike;
  settings: RunSettings; deviceReason: string; resume?: ReturnType<typeof readLatestCheckpoint>; groupingNote?: string;
}): Promise<void> {
  const { sink, settings, dataset, model } = o;
  const t = o.analysis.train!;
  const shapes = runtimeShapes(model, dataset);
  notify.runStarted(sink, {
    runId: o.runId, dir: o.runDir, experiment: o.analysis.experiment, file: o.file, shapes, device: settings.device, deviceReason: o.deviceReason,
    counts: o.analysis.data?.source === 'classify' || o.analysis.data?.source === 'adding' ? 'examples' : 'tokens',
    adapter: typeof settings.adapter === 'string' ? settings.adapter : undefined, threads: settings.threads,
    params: settings.totalParams, epochs: settings.epochs, stepsPerEpoch: dataset.trainSize, ...(settings.steps ? { maxSteps: settings.steps } : {}),
    resumedFrom: o.resume ? { epoch: o.resume.state.epoch, step: o.resume.state.step } : undefined,
  });
  notify.log(sink, { runId: o.runId, level: 'info', message: `device ${settings.device} (${o.deviceReason})${settings.threads ? `, ${settings.threads} threads` : ''}` });
  for (const note of dataNotes(dataset, o.analysis.data?.path)) notify.log(sink, { runId: o.runId, level: 'info', message: note });
  if (o.groupingNote) notify.log(sink, { runId: o.runId, level: 'info', message: o.groupingNote });
  // What check warned about the data (bytes that are not UTF-8, ...) is said when training starts too.
  for (const d of o.analysis.diagnostics) {
    if (d.severity === 2 && d.code === 'data-mismatch') notify.log(sink, { runId: o.runId, level: 'warn', message: `${path.basename(o.file)}:${d.range.start.line + 1}: ${d.message}` });
  }
  const r = await train({
    runId: o.runId, runDir: o.runDir, model, dataset, device: settings.device as 'cpu', threads: settings.threads, seed: settings.seed,
    epochs: settings.epochs, steps: settings.steps, optimizer: t.optimizer, lossFn: t.loss?.fn, metrics: t.metrics,
    resume: o.resume?.state, resumeCheckpoint: o.resume && `${o.runDir}/${o.resume.pointer.file}`, shouldStop: sink.shouldStop, afterEpoch: epochSampler(o),
    plot: regressionPlot(o.analysis), checkpointEvery: t.checkpointEvery, validSteps: t.validSteps,
    events: {
      metrics: (m) => notify.metrics(sink, m), checkpoint: (c) => notify.checkpoint(sink, c), log: (l) => notify.log(sink, l),
      prediction: (q) => sink.notify('validationPrediction', q),
      validating: (done, total) => sink.notify('validating', { runId: o.runId, done, total } satisfies ValidatingParams),
    },
  });
  if (r.nanMessage) {
    notify.failed(sink, { runId: o.runId, dir: o.runDir, message: r.nanMessage, checkpoint: r.checkpoint });
    return;
  }
  notify.finished(sink, { runId: o.runId, dir: o.runDir, reason: r.reason, epoch: r.epoch, step: r.step, checkpoint: r.checkpoint, diverged: r.diverged });
}

/**
 * The shapes the run computes, for the editor's `ran:` hints: at the widest batch, and a dimension whose
 * width varies (batches grouped by length) as [name, widest, narrowest].
 */
function runtimeShapes(model: ModelLike, dataset: DatasetLike): RunStartedParams['shapes'] {
  const ranges = widthRanges(dataset);
  try {
    const widest = Object.fromEntries(Object.entries(ranges).map(([d, r]) => [d, r[1]]));
    const shapes: RunStartedParams['shapes'] = model.shapes({ ...dataset.dims, ...widest });
    for (const dims of Object.values(shapes)) {
      dims.forEach((dim, i) => { const r = ranges[dim[0]]; if (r && r[0] !== r[1]) dims[i] = [dim[0], r[1], r[0]]; });
    }
    return shapes;
  } catch {
    return {}; // shapes are informative only
  }
}

/** mse(out, y): plot `out` against `y` on validation data. */
export function regressionPlot(a: Analysis): { output: string; target: string } | undefined {
  const l = a.train?.loss;
  if (l?.fn !== 'mse' || l.operands.length < 2) return undefined;
  const name = (r: { name: string; field?: string }) => (r.field ? `${r.name}.${r.field}` : r.name);
  return { output: name(l.operands[0]), target: name(l.operands[1]) };
}

/**
 * For a language model with a `sample` block: after each epoch, generate text from that epoch's weights
 * (the block's prime, length and temperature; the run's seed, so epochs are comparable) and report it.
 * A failed sample is logged as a warning and never ends the run.
 */
function epochSampler(o: { sink: JobSink; runId: string; runDir: string; analysis: Analysis; dataset: DatasetLike; model: ModelLike; settings: RunSettings }) {
  if (!o.analysis.sample || o.analysis.data?.source !== 'text') return undefined;
  return async (epoch: number, tensors: Record<string, { dims: number[]; data: Float32Array }>) => {
    try {
      const weights: LoadedRun['weights'] = {};
      for (const q of o.model.params) {
        const t = tensors[`param/${q.name}`];
        if (!t) throw new Error(`no weights for parameter ${q.name}`);
        weights[q.name] = t;
      }
      const run: LoadedRun = { runId: o.runId, dir: o.runDir, settings: o.settings, analysis: o.analysis, dataset: o.dataset, model: o.model, weights };
      const r = await sample(run, { run: o.runDir });
      notify.sample(o.sink, { runId: o.runId, epoch, text: r.text, prime: r.prime });
    } catch (e) {
      notify.log(o.sink, { runId: o.runId, level: 'warn', message: `sampling after epoch ${epoch} failed (training goes on): ${(e as Error).message}` });
    }
  };
}

async function resumeJob(p: ResumeParams, sink: JobSink): Promise<void> {
  checkCounts(p);
  let info: { runId: string; dir: string } | undefined;
  let release = () => {};
  try {
    const root = p.workspaceRoot ?? process.cwd();
    const found = resolveRun(p.run, root);
    // Taken before anything is written; refused, the request fails and the run's holder is left alone.
    release = lockRun(found.dir);
    info = found;
    removeStaleTemps(info.dir);
    const settings = readSettings(info.dir);
    const text = readExperimentText(info.dir);
    const { analysis, dataset, model, groupingNote } = await prepare(settings.file, text, p.workspaceFolder);
    const saved = readVocab(info.dir) as SavedDataset | null;
    const changes = saved ? dataChanges(saved, dataset.save() as SavedDataset) : [];
    const trainedOn = (settings as { dataFile?: unknown }).dataFile;
    if (changes.length && typeof trainedOn === 'string') {
      throw new UserError(`run ${info.runId} was trained by train.py on ${trainedOn} (--data), not on the experiment's ${analysis.data?.path ?? 'data'}, which unroll train --resume reads. Go on with train.py: \`unroll export ${info.dir} DIR --format pytorch\`, then \`python3 DIR/train.py --data ${trainedOn}\``, settings.file);
    }
    if (changes.length) {
      throw new UserError(`${analysis.data?.path ?? 'the data'} changed since run ${info.runId} started (${changes.join('; ')}); the checkpoint's weights belong to the old data. Put the old file back to resume, or start a new run with \`unroll train ${settings.file}\``, settings.file);
    }
    const resume = readLatestCheckpoint(info.dir);
    if (!resume) notify.log(sink, { runId: info.runId, level: 'warn', message: `run ${info.runId} has no checkpoint yet (it stopped before its first one): it starts over from step 1` });
    const chosen = await selectDevice(p.device ?? settings.device);
    const device = p.device ? chosen : { ...chosen, reason: chosen.reason === 'asked for' ? 'the device this run trained on' : chosen.reason };
    const history = Array.isArray(settings.resumed) ? (settings.resumed as unknown[]) : [];
    const next: RunSettings = {
      // This resume's --epochs/--steps, else the experiment's own train block (not an earlier command's).
      ...settings, device: device.device, threads: p.threads ?? settings.threads, epochs: p.epochs ?? analysis.train!.epochs, steps: p.steps ?? analysis.train!.steps,
      resumed: [...history, { time: new Date().toISOString(), fromStep: resume?.state.step ?? 0, device: device.device, ...(device.adapter ? { adapter: device.adapter } : {}) }],
    };
    writeSettings(info.dir, next);
    sink.result({ runId: info.runId, dir: info.dir } satisfies TrainResult);
    await runTraining({ sink, runId: info.runId, runDir: info.dir, file: settings.file, analysis, dataset, model, settings: next, deviceReason: device.reason, resume, groupingNote });
  } catch (e) {
    reportFailure(sink, e, info?.runId, info?.dir);
  } finally {
    release();
  }
}

