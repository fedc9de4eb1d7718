// `export --format pytorch`: a trained run as a folder a PyTorch user can import: model.py (the nn.Module),
// step.py (one training step as the engine takes it), the helpers, the run's weights in Unroll's checkpoint
// layout (weights.bin, read by run_format.py), its vocabulary (vocab.json) and a README saying how to use them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExportResult } from '../process/protocol';
import { dataFiles, fileDataConfig } from '../pytorch/data';
import { helper, pytorchFiles } from '../pytorch/index';
import { pytorchReadme } from '../pytorch/readme';
import { describeWriteError, writeFileAtomic } from '../runs/atomic';
import { encodeCheckpoint, readLatestCheckpoint, type CheckpointState } from '../runs/checkpoint';
import { readExperimentText, type RunSettings } from '../runs/store';
import { UserError } from './jobs-types';
import type { LoadedRun } from './run-loader';
import { FILE_SOURCES, type PlainArgs } from '../../language/data';
import { tokenizer } from '../export/metadata';
import type { SavedDataset } from '../data/types';
import { DEFAULT_CHECKPOINT_EVERY, DEFAULT_LR, DEFAULT_VALID_STEPS, initialState } from './trainer';
import { prepare } from './prepare';
import { runSettings } from './train-settings';
import { regressionPlot } from './jobs';

/** The Python files that train: the loop, the data's batches and loaders, the engine's random numbers, the run's files. */
const TRAIN_HELPERS = ['train.py', 'data.py', 'loaders.py', 'rng.py', 'run_writer.py', 'progress.py'];

/** What an export is made from: a trained run, or an experiment file with the engine's initial weights. */
interface Source {
  /** `<experiment>/<run id>`, or the file's name. */
  label: string;
  analysis: LoadedRun['analysis'];
  dataset: LoadedRun['dataset'];
  settings: RunSettings;
  checkpoint: CheckpointState;
  experimentText: string;
  /** Where train.py's runs go by default: the workspace's .unroll/runs. */
  runsRoot: string;
}

export async function exportPytorchRun(run: LoadedRun, dir: string, force: boolean): Promise<ExportResult> {
  // The run's last checkpoint as it is: weights, optimizer state and the step it stopped at (train.py goes on).
  const ck = readLatestCheckpoint(run.dir)!;
  const label = `${run.settings.experiment}/${run.runId}`;
  return exportPytorch({
    label, analysis: run.analysis, dataset: run.dataset, settings: run.settings, experimentText: readExperimentText(run.dir),
    checkpoint: { ...ck.state, meta: { ...ck.state.meta, run: label } }, runsRoot: path.dirname(path.dirname(run.dir)),
  }, dir, force, run.runId);
}

/** An experiment file with no run: the engine's initial weights (its `init`, its seed), step 0. */
export async function exportPytorchFile(file: string, text: string, root: string, dir: string, force: boolean): Promise<ExportResult> {
  const { analysis, dataset, model } = await prepare(file, text, root);
  if (!analysis.train) throw new UserError(`${file} has no train block: the PyTorch export is for training it; add train { loss = cross_entropy(logits, y) }`);
  const state = initialState(model, analysis.train?.seed ?? 42);
  const tensors: CheckpointState['tensors'] = {};
  for (const [k, t] of state) tensors[k] = { dims: [...t.dims], data: t.data as Float32Array };
  const settings = runSettings(analysis, dataset, model, file, { device: 'cpu' });
  return exportPytorch({
    label: path.basename(file), analysis, dataset, settings, experimentText: text,
    checkpoint: { epoch: 0, step: 0, stepInEpoch: 0, tensors, meta: { experiment: path.basename(file) } }, runsRoot: path.join(root, '.unroll', 'runs'),
  }, dir, force, path.basename(file));
}

async function exportPytorch(src: Source, dir: string, force: boolean, id: string): Promise<ExportResult> {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new UserError(`cannot export to ${dir}: it is a file; give a folder`);
  if (/\.(onnx|json|pt|pth|bin)$/i.test(dir) && !fs.existsSync(dir)) throw new UserError(`--format pytorch writes a folder; ${dir} looks like a file name: give a folder, e.g. ${dir.replace(/\.[^./]+$/, '')}`);
  // The folder above must exist and be a folder (mkdir -p under /proc loops in Node instead of failing).
  const parent = path.dirname(dir);
  if (!fs.existsSync(parent)) throw new UserError(`cannot export to ${dir}: the folder ${parent} does not exist; create it first, or give another path`);
  if (!fs.statSync(parent).isDirectory()) throw new UserError(`cannot export to ${dir}: ${parent} is a file, not a folder`);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length && !force) throw new UserError(`${dir} already has files; pass --force to replace them, or give another folder`);
  let files: Record<string, string | Uint8Array>;
  let className: string;
  try {
    const p = pytorchFiles(src.analysis, { ...src.settings.dims, ...src.dataset.dims });
    className = p.className;
    const data = p.files['step.py'] ? trainingData(src) : undefined;
    files = {
      ...p.files,
      'weights.bin': Buffer.concat(encodeCheckpoint(src.checkpoint)),
      'vocab.json': JSON.stringify(src.dataset.save(), null, 1) + '\n',
      'tokenizer.json': tokenizerFile(src),
      'experiment.rnn': src.experimentText,
      ...(data ? { ...data, ...Object.fromEntries(TRAIN_HELPERS.map((f) => [f, helper(f)])), 'train.json': trainConfig(src, className) } : {}),
      'README.md': pytorchReadme({ experiment: src.analysis.experiment, className, run: src.label, hasStep: 'step.py' in p.files, hasTrain: !!data, carryState: src.analysis.train?.carryState === true, inputs: src.analysis.model.filter((s) => s.kind === 'input').map((s) => (s.kind === 'input' ? s.name : '')), dir, dataFile: !!data && !('data.bin' in data) }),
    };
  } catch (e) {
    throw new UserError(`export of ${src.label} as PyTorch failed: ${(e as Error).message}`);
  }
  try {
    if (!fs.existsSync(dir)) fs.mkdirSync(dir);
    for (const [name, data] of Object.entries(files)) writeFileAtomic(path.join(dir, name), data);
  } catch (e) {
    throw new UserError(describeWriteError(e, dir));
  }
  const bytes = Object.values(files).reduce((n, f) => n + (typeof f === 'string' ? Buffer.byteLength(f) : f.byteLength), 0);
  return { runId: id, path: dir, bytes, about: path.join(dir, 'README.md') };
}

/** data.json (and data.bin for generated data): a data file is named, for data.py to read; generated rows are
 *  stored as the engine made them. */
function trainingData(run: Source): Record<string, string | Uint8Array> | undefined {
  const saved = run.dataset.save() as SavedDataset;
  const d = run.analysis.data;
  if (FILE_SOURCES.has(saved.source)) {
    if (!d?.path) return undefined;
    // A run train.py trained with --data records that file: its export reads it (its hash is the one saved).
    const trainedOn = (run.settings as { dataFile?: unknown }).dataFile;
    const file = typeof trainedOn === 'string' ? trainedOn : d.resolvedPath ?? path.resolve(path.dirname(run.settings.file), d.path);
    return fileDataConfig(saved, file, run.settings.seed, run.dataset.grouping?.grouped);
  }
  const rows = run.dataset.exportRows?.();
  return rows && rows.trainTokens.length ? dataFiles(rows, run.settings.seed) : undefined;
}

/** What train.py needs of the run: the settings it writes, where runs go, the schedule. */
function trainConfig(run: Source, className: string): string {
  const t = run.analysis.train!;
  const lr = t.optimizer.params.lr ?? DEFAULT_LR[t.optimizer.name] ?? 1e-3;
  return JSON.stringify({
    experiment: run.settings.experiment, className, runs: run.runsRoot,
    epochs: t.epochs, steps: t.steps ?? null, seed: run.settings.seed, lr, clip: t.clip ?? null, loss: t.loss?.fn, metrics: t.metrics, carryState: t.carryState === true, plot: regressionPlot(run.analysis) ?? null,
    checkpointEvery: t.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY, validSteps: t.validSteps ?? DEFAULT_VALID_STEPS, settings: run.settings,
  }, null, 1) + '\n';
}

/** How text becomes the model's ids, and how rows are laid out (the ONNX export's sidecar says the same of
 *  its own, left-aligned layout; this model takes the engine's). */
function tokenizerFile(run: Source): string {
  const saved = run.dataset.save() as SavedDataset;
  const v = run.dataset.vocab;
  const src = saved.source;
  const layout = src === 'classify' || src === 'pairs'
    ? 'x: each row padded at the front with pad_id to the data\'s length (cut from the front when longer); mask: 1 on real steps'
    : saved.args?.buckets ? 'x: each row padded at the back with pad_id to its bucket\'s length; mask: 1 on real steps' : 'x: rows of the data\'s length, no padding, no mask';
  return JSON.stringify({
    data: src, tokenizer: tokenizer(src, saved.args as PlainArgs, run.dataset.dims), layout,
    ...(v ? { pad_id: v.pad, unk_id: v.unk, bos_id: v.bos, eos_id: v.eos } : {}), ...(run.dataset.labels ? { labels: run.dataset.labels } : {}),
  }, null, 1) + '\n';
}
