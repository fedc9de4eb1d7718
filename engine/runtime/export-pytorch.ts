// `export --format pytorch`: a trained run as a folder a PyTorch user can import: model.py (the nn.Module),
// step.py (one training step as the engine takes it), the helpers, the run's weights in Unroll's checkpoint
// layout (weights.bin, read by run_format.py), its vocabulary (vocab.json) and a README saying how to use them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExportResult } from '../process/protocol';
import { pytorchFiles } from '../pytorch/index';
import { pytorchReadme } from '../pytorch/readme';
import { describeWriteError, writeFileAtomic } from '../runs/atomic';
import { encodeCheckpoint } from '../runs/checkpoint';
import { UserError } from './jobs-types';
import type { LoadedRun } from './run-loader';

export function exportPytorchRun(run: LoadedRun, dir: string, force: boolean): ExportResult {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new UserError(`cannot export to ${dir}: it is a file; give a folder`);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length && !force) throw new UserError(`${dir} already has files; pass --force to replace them, or give another folder`);
  let files: Record<string, string | Uint8Array>;
  let className: string;
  try {
    const p = pytorchFiles(run.analysis, { ...run.settings.dims, ...run.dataset.dims });
    className = p.className;
    const tensors: Record<string, { dims: number[]; data: Float32Array }> = {};
    for (const [k, v] of Object.entries(run.weights)) tensors[`param/${k}`] = v;
    files = {
      ...p.files,
      'weights.bin': Buffer.concat(encodeCheckpoint({ epoch: 0, step: 0, stepInEpoch: 0, tensors, meta: { run: `${run.settings.experiment}/${run.runId}` } })),
      'vocab.json': JSON.stringify(run.dataset.save(), null, 1) + '\n',
      'README.md': pytorchReadme({ experiment: run.analysis.experiment, className, run: `${run.settings.experiment}/${run.runId}`, hasStep: 'step.py' in p.files, inputs: run.analysis.model.filter((s) => s.kind === 'input').map((s) => (s.kind === 'input' ? s.name : '')) }),
    };
  } catch (e) {
    throw new UserError(`export of ${run.dir} as PyTorch failed: ${(e as Error).message}`);
  }
  try {
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, data] of Object.entries(files)) writeFileAtomic(path.join(dir, name), data);
  } catch (e) {
    throw new UserError(describeWriteError(e, dir));
  }
  const bytes = Object.values(files).reduce((n, f) => n + (typeof f === 'string' ? Buffer.byteLength(f) : f.byteLength), 0);
  return { runId: run.runId, path: dir, bytes, about: path.join(dir, 'README.md') };
}
