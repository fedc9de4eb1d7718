// Command handlers. Train, Resume, Stop, Sample, Predict and Export talk to the engine process through
// client/training.ts (refused in an untrusted workspace; Train also while the file has errors); the loss
// panel shows runs. Summary and restart talk to the language server.
import { trainWithTorchrun } from './torchrun';
import * as vscode from 'vscode';
import { basename, dirname, extname } from 'node:path';
import type { ServerController } from './server';
import { safeName } from '../engine/runs/store';
import { listRunIds, experimentRunsDir, readRun } from './engine/runs';
import { Training } from './training';
import { experimentName } from './experiment';
import { documentStats } from './status';
import { formatSummary, parseParamCount, statementNameColumn, summaryRows } from './summary';

export const SUMMARY_SCHEME = 'unroll-summary';

/** The experiment a command acts on: the code lens's `[uri]` argument, a Uri, or the active .rnn editor. */
async function targetDocument(arg: unknown): Promise<vscode.TextDocument | undefined> {
  const uri = typeof arg === 'string' ? vscode.Uri.parse(arg) : arg instanceof vscode.Uri ? arg : undefined;
  if (uri) return vscode.workspace.openTextDocument(uri);
  const doc = vscode.window.activeTextEditor?.document;
  if (doc?.languageId === 'rnn') return doc;
  void vscode.window.showWarningMessage('Unroll: open an .rnn experiment first (this command acts on the active editor).');
  return undefined;
}

export class SummaryProvider implements vscode.TextDocumentContentProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;

  static uriFor(doc: vscode.TextDocument): vscode.Uri {
    const name = basename(doc.uri.path, extname(doc.uri.path));
    return vscode.Uri.from({ scheme: SUMMARY_SCHEME, path: `/${name} model summary`, query: doc.uri.toString() });
  }

  refresh(uri: vscode.Uri): void { this.emitter.fire(uri); }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri.query));
    const { stats, hints } = await documentStats(doc);
    const lines = doc.getText().split(/\r?\n/);
    const rows = summaryRows(lines, hints.map((h) => ({
      position: h.position,
      label: typeof h.label === 'string' ? h.label : h.label.map((p) => ({ value: p.value })),
    })));
    // Per-statement parameter counts: the server's hover on the statement's name carries them.
    await Promise.all(rows.map(async (row) => {
      const col = statementNameColumn(lines[row.line] ?? '');
      if (col === undefined) return;
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(row.line, col));
      const text = (hovers ?? []).flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
      row.params = parseParamCount(text);
    }));
    return formatSummary(vscode.workspace.asRelativePath(doc.uri), rows, stats);
  }
}

export function registerCommands(context: vscode.ExtensionContext, server: ServerController): Training {
  const summaries = new SummaryProvider();
  const training = new Training(context, server);
  context.subscriptions.push(training);

  function needsServer(): boolean {
    if (server.running) return true;
    void vscode.window.showWarningMessage(`Unroll: the language server is not running (${server.state}). Run "Unroll: Restart Language Server".`);
    return false;
  }

  function trusted(action: string): boolean {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window.showWarningMessage(`Unroll: ${action} is disabled in an untrusted workspace (checking still works). Trust the folder with "Workspaces: Manage Workspace Trust" to ${action}.`);
    return false;
  }

  /** The experiment a run command acts on: its file, name and the root its runs live under. */
  function experimentOf(doc: vscode.TextDocument, action: string): { file: string; experiment: string; root: string } | undefined {
    if (doc.uri.scheme !== 'file') {
      void vscode.window.showWarningMessage(`Unroll: save ${basename(doc.uri.path)} to a file before you ${action} (runs are stored next to it, under .unroll/runs).`);
      return undefined;
    }
    const file = doc.uri.fsPath;
    return { file, experiment: experimentName(doc.getText(), file), root: vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath ?? dirname(file) };
  }

  /** The experiment's latest run, or a message saying there is none yet. */
  function latestRun(x: { experiment: string; root: string }, action: string): string | undefined {
    const ids = listRunIds(x.root, x.experiment);
    if (ids.length) return `${experimentRunsDir(x.root, x.experiment)}/${ids[ids.length - 1]}`;
    void vscode.window.showWarningMessage(`Unroll: ${x.experiment} has no runs under ${experimentRunsDir(x.root, x.experiment)} yet; run "Unroll: Train Experiment" before you ${action}.`);
    return undefined;
  }

  /** Runs a short engine request (sample, predict, export) with a progress notification; errors are shown. */
  async function request<T>(title: string, send: () => Promise<T>): Promise<T | undefined> {
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, send);
    } catch (e) {
      training.engineOut.error(`${title}: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`Unroll: ${(e as Error).message}`);
      return undefined;
    }
  }

  const register = (id: string, fn: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(SUMMARY_SCHEME, summaries));

  register('unroll.restartServer', async () => {
    await server.restart();
    if (server.state === 'failed') void vscode.window.showErrorMessage(server.error ?? 'Unroll: the language server failed to start.');
  });

  register('unroll.showSummary', async (arg) => {
    const doc = await targetDocument(arg);
    if (!doc || !needsServer()) return;
    const uri = SummaryProvider.uriFor(doc);
    summaries.refresh(uri);
    const summary = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(summary, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  });

  register('unroll.train', async (arg) => {
    const doc = await targetDocument(arg);
    if (!doc || !trusted('train')) return;
    const x = experimentOf(doc, 'train');
    if (!x) return;
    const errors = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    if (errors.length) {
      const first = errors[0];
      const choice = await vscode.window.showErrorMessage(
        `Unroll: ${basename(x.file)} has ${errors.length} error${errors.length > 1 ? 's' : ''}; fix ${errors.length > 1 ? 'them' : 'it'} before training (line ${first.range.start.line + 1}: ${first.message}).`,
        'Show Problems',
      );
      if (choice) await vscode.commands.executeCommand('workbench.actions.view.problems');
      return;
    }
    const running = training.liveRuns(x.file);
    if (running.length) {
      training.panels.show(x.root, x.experiment);
      void vscode.window.showInformationMessage(`Unroll: ${x.experiment} is already training (run ${running[0].runId}); stop it first to start another run.`);
      return;
    }
    training.panels.show(x.root, x.experiment);
    await training.run(`Unroll: training ${x.experiment}`, x.file, x.experiment, () =>
      training.engine.train({ file: x.file, text: doc.getText(), workspaceRoot: x.root, workspaceFolder: x.root }));
  });

  register('unroll.resume', async (arg, runDir) => {
    if (!trusted('resume')) return;
    let dir = typeof runDir === 'string' ? runDir : undefined;
    let x: { file?: string; experiment: string; root: string } | undefined;
    if (dir) {
      x = { experiment: basename(dirname(dir)), root: dirname(dirname(dirname(dirname(dir)))) };
    } else {
      const doc = await targetDocument(arg);
      x = doc && experimentOf(doc, 'resume');
      if (!x) return;
      const choices = training.runChoices(x.root, x.experiment);
      if (!choices.length) { latestRun(x, 'resume'); return; }
      const pick = choices.length === 1 ? choices[0] : await vscode.window.showQuickPick(choices, { title: `Unroll: resume a run of ${x.experiment}`, placeHolder: 'the newest run is first' });
      if (!pick) return;
      dir = pick.dir;
    }
    if (training.liveRuns().some((r) => r.dir === dir)) {
      void vscode.window.showInformationMessage(`Unroll: ${basename(dir)} is still training.`);
      return;
    }
    const target = x;
    training.panels.show(target.root, target.experiment);
    await training.run(`Unroll: resuming ${target.experiment}`, target.file, target.experiment, () =>
      training.engine.resume({ run: dir!, workspaceRoot: target.root, workspaceFolder: target.root }));
  });

  register('unroll.stop', async (arg) => {
    const uri = typeof arg === 'string' ? vscode.Uri.parse(arg) : arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    const mine = uri?.scheme === 'file' ? training.liveRuns(uri.fsPath) : [];
    const targets = mine.length ? mine : training.liveRuns();
    if (!targets.length) {
      void vscode.window.showInformationMessage('Unroll: no training started from this window is running.');
      return;
    }
    // The run stops after its current step and writes a checkpoint; the progress ends with "finished".
    for (const t of targets) await training.stop(t.runId);
  });

  register('unroll.sample', async (arg) => {
    const doc = await targetDocument(arg);
    if (!doc || !trusted('sample')) return;
    const x = experimentOf(doc, 'sample');
    const run = x && latestRun(x, 'sample');
    if (!x || !run) return;
    const prime = await vscode.window.showInputBox({ title: `Unroll: sample from ${x.experiment}`, prompt: 'Text to start from (leave empty for the sample block\'s prime)', ignoreFocusOut: true });
    if (prime === undefined) return;
    const r = await request(`Unroll: sampling from ${x.experiment}`, () => training.engine.sample({ run, workspaceRoot: x.root, prime: prime || undefined }));
    if (!r) return;
    training.samplesOut.appendLine(`── ${x.experiment} ${r.runId}, sampled\n${r.text}\n`);
    training.samplesOut.show(true);
    const epochs = readRun(run).epochs;
    training.panels.sample(r.runId, epochs[epochs.length - 1]?.epoch ?? 0, r.text);
  });

  register('unroll.predict', async (arg) => {
    const doc = await targetDocument(arg);
    if (!doc || !trusted('predict')) return;
    const x = experimentOf(doc, 'predict');
    const run = x && latestRun(x, 'predict');
    if (!x || !run) return;
    const input = await vscode.window.showInputBox({
      title: `Unroll: predict with ${x.experiment}`, ignoreFocusOut: true,
      prompt: 'Input to the trained model: text, or numbers for a numeric model ("0.0 0.31 0.59"; "0.5,0 0.2,1" for several features a step). Empty: the experiment\'s predict { from = ... }',
    });
    if (input === undefined) return;
    const r = await request(`Unroll: predicting with ${x.experiment}`, () => training.engine.predict({ run, workspaceRoot: x.root, input: input === '' ? undefined : input }));
    if (!r) return;
    const probs = r.probabilities?.slice(0, 5).map(([k, p]) => `${JSON.stringify(k)} ${(100 * p).toFixed(1)}%`).join(', ');
    training.samplesOut.appendLine(`── ${x.experiment} ${r.runId}, predict ${JSON.stringify(input)}\n${r.output}${probs ? `\n(${probs})` : ''}\n`);
    training.samplesOut.show(true);
    void vscode.window.showInformationMessage(`Unroll: ${JSON.stringify(input)} -> ${r.output}${probs ? ` (${probs})` : ''}`);
  });

  register('unroll.export', async (arg) => {
    const doc = await targetDocument(arg);
    if (!doc || !trusted('export')) return;
    const x = experimentOf(doc, 'export');
    const run = x && latestRun(x, 'export');
    if (!x || !run) return;
    const suggested = vscode.Uri.file(`${dirname(x.file)}/${safeName(x.experiment)}.onnx`);
    const target = await vscode.window.showSaveDialog({ defaultUri: suggested, filters: { ONNX: ['onnx'] }, title: 'Export model to ONNX' });
    if (!target) return;
    const r = await request(`Unroll: exporting ${x.experiment}`, () => training.engine.export({ run, workspaceRoot: x.root, out: target.fsPath, force: true /* the save dialog asked */ }));
    if (!r) return;
    training.engineOut.info(`exported ${r.runId} to ${r.path} (${r.bytes} bytes)`);
    void vscode.window.showInformationMessage(`Unroll: exported ${x.experiment} (run ${r.runId}) to ${vscode.workspace.asRelativePath(r.path)} (${(r.bytes / 1024).toFixed(0)} KiB).`);
  });

  register('unroll.trainTorchrun', async (arg) => {
    const doc = await targetDocument(arg);
    if (!doc || !trusted('train with PyTorch')) return;
    await trainWithTorchrun(doc, { training, experimentOf, request });
  });

  register('unroll.showLossPanel', async (arg) => {
    const hasArg = typeof arg === 'string' || arg instanceof vscode.Uri;
    const active = vscode.window.activeTextEditor?.document;
    const doc = hasArg ? await targetDocument(arg) : active?.languageId === 'rnn' ? active : undefined;
    const x = doc && experimentOf(doc, 'show its loss panel');
    if (x) { training.panels.show(x.root, x.experiment, false); return; }
    const live = training.liveRuns()[0];
    if (live) { training.panels.show(dirname(dirname(dirname(dirname(live.dir)))), live.experiment, false); return; }
    void vscode.window.showWarningMessage('Unroll: open an .rnn experiment first (the loss panel shows its runs).');
  });

  return training;
}
