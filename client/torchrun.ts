// "Unroll: Train with PyTorch (torchrun)...": the experiment exported as PyTorch (the engine's initial
// weights, into .unroll/pytorch/<experiment>/), trained by its train.py in a terminal (torchrun for more than
// one process), and followed in the loss panel as the run it writes grows.
import * as path from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import * as vscode from 'vscode';
import { RunFollower } from './engine/follow';
import { findTorch, trainCommand } from './engine/torch';
import type { Training } from './training';

interface Experiment { file: string; experiment: string; root: string }
export interface TorchrunDeps {
  training: Training;
  experimentOf(doc: vscode.TextDocument, action: string): Experiment | undefined;
  request<T>(title: string, send: () => Promise<T>): Promise<T | undefined>;
}

export async function trainWithTorchrun(doc: vscode.TextDocument, d: TorchrunDeps): Promise<void> {
  const x = d.experimentOf(doc, 'train it with PyTorch');
  if (!x) return;
  if (doc.isDirty) await doc.save();
  const torch = findTorch();
  if (!torch) {
    void vscode.window.showErrorMessage('Unroll: no Python with PyTorch found (tried python3, /usr/bin/python3, python). Install PyTorch (pip install torch, or apt-get install python3-torch on Debian), then try again.');
    return;
  }
  const n = await vscode.window.showInputBox({
    title: `Unroll: train ${x.experiment} with PyTorch`, value: '2', ignoreFocusOut: true,
    prompt: `Processes (torchrun --nproc_per_node; 1 runs train.py alone). PyTorch ${torch.torch} in ${torch.python}.`,
    validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 256 ? undefined : 'a whole number from 1 to 256'),
  });
  if (n === undefined) return;
  const out = path.join(x.root, '.unroll', 'pytorch', x.experiment.replace(/[^\w.-]/g, '_'));
  mkdirSync(path.dirname(out), { recursive: true });
  const exported = await d.request(`Unroll: exporting ${x.experiment} as PyTorch`, () => d.training.engine.export({ run: '', file: x.file, out, workspaceRoot: x.root, format: 'pytorch', force: true }));
  if (!exported) return;
  const trainPy = `${exported.path}/train.py`;
  if (!existsSync(trainPy)) {
    void vscode.window.showErrorMessage(`Unroll: ${x.experiment} cannot be trained with PyTorch yet: the export has no train.py (see ${exported.path}/README.md).`);
    return;
  }
  const follower = new RunFollower(x.root, x.experiment, d.training.panels);
  const terminal = vscode.window.createTerminal({ name: `Unroll: ${x.experiment} (PyTorch)`, cwd: x.root });
  terminal.show();
  terminal.sendText(`${trainCommand(torch, trainPy, Number(n))}; exit`);
  d.training.panels.show(x.root, x.experiment);
  const timer = setInterval(() => follower.poll(), 500);
  const closed = vscode.window.onDidCloseTerminal((t) => {
    if (t !== terminal) return;
    clearInterval(timer);
    closed.dispose();
    follower.finish(t.exitStatus?.code);
  });
}
