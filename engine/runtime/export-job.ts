// `export`: a trained run as a standard ONNX file, with <file>.json beside it (vocabulary, labels, tokenizer,
// inputs and outputs). An existing file is replaced only when asked (--force); write failures are sentences.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PlainArgs } from '../../language/data';
import type { SavedDataset } from '../data/types';
import type { ExportParams, ExportResult } from '../process/protocol';
import { describeWriteError, writeFileAtomic } from '../runs/atomic';
import { predictionName } from './inference';
import { UserError } from './jobs-types';
import { exportPytorchFile, exportPytorchRun } from './export-pytorch';
import { loadRun } from './run-loader';
import { toolchain } from './toolchain';

export async function exportJob(p: ExportParams, note: (m: string) => void): Promise<ExportResult> {
  if (p.file) {
    if (p.format !== 'pytorch') throw new UserError(`an experiment file exports as PyTorch only (--format pytorch); for ONNX, export a run of it: unroll train ${p.file}, then unroll export RUN`);
    if (!p.out) throw new UserError('export of an experiment file needs a folder to write: unroll export FILE.rnn DIR --format pytorch');
    const text = fs.existsSync(p.file) && fs.statSync(p.file).isFile() ? fs.readFileSync(p.file, 'utf8') : undefined;
    if (text === undefined) throw new UserError(`${p.file}: no such file`);
    return await exportPytorchFile(p.file, text, p.workspaceRoot ?? path.dirname(p.file), path.resolve(p.out), p.force === true);
  }
  const run = await loadRun(p.run, p.workspaceRoot, note);
  if (p.format === 'pytorch') return await exportPytorchRun(run, p.out ? path.resolve(p.out) : path.join(run.dir, 'pytorch'), p.force === true || p.out === undefined);
  const out = path.resolve(p.out ?? path.join(run.dir, 'model.onnx'));
  checkTarget(out, p.force || p.out === undefined);
  const flat: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(run.weights)) flat[k] = v.data;
  let bytes: Uint8Array;
  let sidecar: Record<string, unknown> | undefined;
  try {
    const saved = run.dataset.save() as SavedDataset;
    const describe = (inputs: string[]) => toolchain.describeExport({
      experiment: run.analysis.experiment, source: saved.source, args: saved.args as PlainArgs, dataset: run.dataset,
      prediction: predictionName(run), loss: run.analysis.train?.loss?.fn, inputs,
    });
    let about: Record<string, unknown> | undefined;
    bytes = toolchain.exportOnnx(run.analysis, { ...run.settings.dims, ...run.dataset.dims }, flat, {
      describe: (inputs) => { const d = describe(inputs); about = d.about; return d; },
    });
    sidecar = about;
  } catch (e) {
    throw new UserError(`export of ${run.dir} failed: ${(e as Error).message}`);
  }
  const about = `${out}.json`;
  writeOut(out, bytes, p.force || p.out === undefined);
  // The same description beside the model as plain JSON, for programs that cannot read metadata_props.
  writeOut(about, JSON.stringify({ model: path.basename(out), run: `${run.settings.experiment}/${run.runId}`, ...sidecar }, null, 1) + '\n', true); // checked with the model
  return { runId: run.runId, path: out, bytes: bytes.byteLength, about };
}

/** Refuses, before any work, a target that is a folder, lies in a missing folder, or exists (without force). */
function checkTarget(out: string, force: boolean | undefined): void {
  const dir = path.dirname(out);
  if (!fs.existsSync(dir)) throw new UserError(`cannot export to ${out}: the folder ${dir} does not exist; create it first, or give another path`);
  if (fs.existsSync(out) && fs.statSync(out).isDirectory()) throw new UserError(`cannot export to ${out}: it is a folder; give a file name, e.g. ${path.join(out, 'model.onnx')}`);
  for (const f of [out, `${out}.json`]) {
    if (fs.existsSync(f) && !force) throw new UserError(`${f} already exists; pass --force to replace it, or give another name`);
  }
}

function writeOut(file: string, data: string | Uint8Array, force: boolean): void {
  if (!force && fs.existsSync(file)) throw new UserError(`${file} already exists; pass --force to replace it, or give another name`);
  try {
    writeFileAtomic(file, data);
  } catch (e) {
    throw new UserError(describeWriteError(e, file));
  }
}
