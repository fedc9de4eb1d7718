// Extension entry (bundled to dist/client.js, activated on the first .rnn file): starts the bundled language
// server over IPC, the status item and the commands (the engine process starts on the first run command).
import * as vscode from 'vscode';
import { ServerController } from './server';
import { StatusItem } from './status';
import { registerCommands } from './commands';
import type { Training } from './training';

let controller: ServerController | undefined;
let training: Training | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<{ server: ServerController; training: Training }> {
  // One pair of output channels for the extension's lifetime, so restarts append instead of multiplying.
  const output = vscode.window.createOutputChannel('Unroll Language Server', { log: true });
  const trace = vscode.window.createOutputChannel('Unroll Language Server Trace', { log: true });
  controller = new ServerController(context, output, trace);
  context.subscriptions.push(output, trace, new StatusItem(controller));
  training = registerCommands(context, controller);
  await controller.start();
  // Returned for tests (test/electron reaches it through the extension's exports).
  return { server: controller, training };
}

export async function deactivate(): Promise<void> {
  // Running runs are asked to stop (each writes a checkpoint) before the engine process goes.
  await training?.dispose();
  training = undefined;
  await controller?.dispose();
  controller = undefined;
}
