// Getting an experiment ready to train or use: check it (waiting for data-derived sizes), load its data,
// compile it; each failure becomes a UserError that names the file and line.
import * as os from 'node:os';
import * as path from 'node:path';
import { formatBytes, trainStepMemory } from '../../language/index';
import { pathToFileURL } from 'node:url';
import type { savedDataHost } from '../runs/data';
import { checkGrouping } from './grouping';
import { UserError } from './jobs-types';
import { toolchain, type Analysis } from './toolchain';
import type { DatasetLike, ModelLike } from './types';

/** Errors as one readable block: "file:line:col: error [code] message" and the fix. */
export function formatDiagnostics(file: string, a: Analysis): string | undefined {
  const errors = a.diagnostics.filter((d) => d.severity === 1);
  if (!errors.length) return undefined;
  const shown = errors.slice(0, 20)
    .map((d) => `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: error [${d.code}] ${d.message}${d.fix ? `\n  fix: ${d.fix}` : ''}`);
  if (errors.length > 20) shown.push(`... and ${errors.length - 20} more errors (unroll check ${path.basename(file)} lists them)`);
  return shown.join('\n');
}

/** Check the experiment text, waiting for data-derived sizes if the checker is still reading the corpus. */
/** `workspaceFolder`: the editor's (data must stay inside it); without it the command line's workspace rule. */
export async function analyzeFile(file: string, text: string, workspaceFolder?: string, savedHost?: ReturnType<typeof savedDataHost>): Promise<Analysis> {
  const host = savedHost ?? toolchain.createDataHost(workspaceFolder);
  const opts = { uri: pathToFileURL(file).href, path: file, host };
  let a = toolchain.analyze(text, opts);
  for (let i = 0; a.pending && i < 3; i++) {
    await host.idle();
    a = toolchain.analyze(text, opts);
  }
  const errs = formatDiagnostics(file, a);
  if (errs) {
    const first = a.diagnostics.find((d) => d.severity === 1)!;
    throw new UserError(`${path.basename(file)} has errors; fix them before training:\n${errs}`, file, first.range.start.line + 1);
  }
  if (!a.data) throw new UserError(`${file}: the experiment has no data block; add e.g. \`data text "corpus.txt" { seq_len = 100, batch = 32 }\``, file);
  if (!a.train) throw new UserError(`${file}: the experiment has no train block; add \`train { loss = cross_entropy(logits, y) }\``, file);
  return a;
}

export async function loadData(a: Analysis, file: string): Promise<DatasetLike> {
  try {
    return (await toolchain.loadDataset(a.data!, { seed: a.train!.seed, baseDir: path.dirname(file) })) as DatasetLike;
  } catch (e) {
    const err = e as Error & { file?: string; line?: number };
    throw new UserError(err.message, err.file ?? a.data!.resolvedPath, err.line);
  }
}

export function compile(a: Analysis, dims: Record<string, number>, file: string): ModelLike {
  try {
    return toolchain.compileExperiment(a, dims) as ModelLike;
  } catch (e) {
    const err = e as Error & { line?: number };
    throw new UserError(`${file}: ${err.message}`, file, err.line);
  }
}

/** The data argument that sets how long a batch's rows are. */
const LENGTH_KEY: Record<string, string> = { classify: 'max_len', series: 'window', sine: 'seq_len', adding: 'length', pairs: 'the rows\' length', arithmetic: 'numbers' };

/** Refuses, before any data is read, a training step that needs more memory than this machine has. */
export function checkMemory(a: Analysis, file: string, total = os.totalmem()): void {
  const m = trainStepMemory(a);
  if (!m || m.total <= 0.9 * total) return;
  throw new UserError(
    `${path.basename(file)}: a training step needs about ${formatBytes(m.total)} (weights ${formatBytes(m.weights)}, gradients and optimizer state ${formatBytes(m.optimizer)}, ` +
    `activations of one batch ${formatBytes(m.activations)}); this machine has ${formatBytes(total)}. Lower batch, ${LENGTH_KEY[a.data?.source ?? ''] ?? 'seq_len'} or the layer sizes (unroll summary shows the estimate)`, file);
}

export interface Prepared {
  analysis: Analysis;
  dataset: DatasetLike;
  model: ModelLike;
  /** Why batches are not grouped by length, when the data would be (said at the start of a run). */
  groupingNote?: string;
}

export async function prepare(file: string, text: string, root?: string): Promise<Prepared> {
  const analysis = await analyzeFile(file, text, root);
  checkMemory(analysis, file);
  const dataset = await loadData(analysis, file);
  const model = compile(analysis, dataset.dims, file);
  const groupingNote = checkGrouping(dataset, model);
  return { analysis, dataset, model, ...(groupingNote ? { groupingNote } : {}) };
}

