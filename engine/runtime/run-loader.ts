// A trained run, ready to use (predict, sample, export): its experiment as run, checked against the sizes
// stored with it (no data file needed), its restored data description, the compiled model and the weights
// of its latest checkpoint.
import { resolveTrainedRun, readLatestCheckpoint } from '../runs/checkpoint';
import { savedDataHost } from '../runs/data';
import { readExperimentText, readSettings, readVocab, type RunSettings } from '../runs/store';
import type { SavedDataset } from '../data/types';
import { UserError } from './jobs-types';
import { checkGrouping } from './grouping';
import { analyzeFile, compile } from './prepare';
import { toolchain, type Analysis } from './toolchain';
import type { DatasetLike, ModelLike } from './types';

/** A finished (or checkpointed) run, ready for inference: analysis, restored data, model and weights. */
export interface LoadedRun {
  runId: string;
  dir: string;
  settings: RunSettings;
  analysis: Analysis;
  dataset: DatasetLike;
  model: ModelLike;
  weights: Record<string, { dims: number[]; data: Float32Array }>;
}

export async function loadRun(ref: string, workspaceRoot?: string, note: (m: string) => void = () => {}): Promise<LoadedRun> {
  const info = resolveTrainedRun(ref, workspaceRoot ?? process.cwd());
  if (info.note) note(info.note);
  const settings = readSettings(info.dir);
  const text = readExperimentText(info.dir);
  const saved = readVocab(info.dir) as SavedDataset | null;
  // The run's stored sizes stand in for the data file, which may have moved or changed since.
  const host = saved?.probe ? savedDataHost(saved.probe) : undefined;
  const analysis = await analyzeFile(settings.file, text, undefined, host);
  let dataset: DatasetLike;
  try {
    dataset = toolchain.restoreDataset(saved, analysis.data!) as DatasetLike;
  } catch (e) {
    throw new UserError(`${info.dir}/vocab.json: ${(e as Error).message}`);
  }
  const model = compile(analysis, { ...settings.dims, ...dataset.dims }, settings.file);
  // As training decided: a model whose weights depend on the width was trained at the caps (its PyTorch export too).
  checkGrouping(dataset, model);
  const ck = readLatestCheckpoint(info.dir);
  if (!ck) throw new UserError(`run ${info.dir} has no checkpoint yet (it stopped before its first checkpoint); resume it with \`unroll train --resume ${info.experiment}/${info.runId}\`, or train the experiment`);
  const weights: LoadedRun['weights'] = {};
  for (const q of model.params) {
    const t = ck.state.tensors[`param/${q.name}`];
    if (!t) throw new UserError(`${info.dir}/${ck.pointer.file} has no parameter ${q.name}: the checkpoint does not match the experiment`);
    weights[q.name] = t;
  }
  return { runId: info.runId, dir: info.dir, settings, analysis, dataset, model, weights };
}

