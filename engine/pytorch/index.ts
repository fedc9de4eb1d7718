// `unroll export ... --format pytorch`, the files: model.py (the nn.Module), step.py (loss, optimizer, one
// training step), and the helpers every export shares (layers.py, run_format.py).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Analysis, Shape } from '../../language/types';
import { maskDim, sizesOf } from '../compile/index';
import { DEFAULT_LR } from '../runtime/trainer';
import { generateModel } from './model';
import { generateStep } from './step';

export interface PytorchFiles { files: Record<string, string>; className: string }

/** The folder's files, by name. `dataDims`: the data's sizes (the dataset's dims, or a run's saved ones). */
export function pytorchFiles(a: Analysis, dataDims: Record<string, number>): PytorchFiles {
  const dataShapes: Record<string, Shape> = { ...(a.data?.provides ?? {}) };
  const mdim = maskDim({ model: a.model, dataShapes });
  const model = generateModel({ experiment: a.experiment, model: a.model, sizes: sizesOf(a, dataDims), dataShapes, maskDim: mdim, carryState: a.train?.carryState === true });
  const files: Record<string, string> = { 'model.py': model.text, 'layers.py': helper('layers.py'), 'run_format.py': helper('run_format.py') };
  if (a.train?.loss) {
    const shapes: Record<string, Shape> = { ...dataShapes };
    for (const [k, v] of a.values) if (v.kind !== 'state') shapes[k] = v;
    const lr = a.train.optimizer.params.lr ?? DEFAULT_LR[a.train.optimizer.name] ?? 1e-3;
    files['step.py'] = generateStep({ train: a.train, shapes, maskDim: mdim, lr });
  }
  return { files, className: model.className };
}

export function writePytorch(dir: string, p: PytorchFiles): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(p.files)) fs.writeFileSync(path.join(dir, name), text);
}

/** A shared Python file: beside this module in the sources (engine/pytorch/py), in dist/pytorch when bundled. */
export function helper(name: string): string {
  for (const dir of [path.join(__dirname, 'py'), path.join(__dirname, 'pytorch')]) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return fs.readFileSync(p, 'utf8');
  }
  throw new Error(`${name} is missing from the installation (looked in ${__dirname}); reinstall Unroll`);
}
