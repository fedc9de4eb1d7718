// Command handlers. Training, sampling, prediction and export run the bundled `unroll` CLI (dist/cli.js) in
// a terminal until the engine process integration (runs view, loss panel) lands; they are refused in an
// untrusted workspace. Summary and restart talk to the language server.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import type { ServerController } from './server';
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

export function registerCommands(context: vscode.ExtensionContext, server: ServerController): void {
  const summaries = new SummaryProvider();
  const terminals = new Map<string, vscode.Terminal>(); // experiment file -> its running CLI terminal
  const cli = context.asAbsolutePath('dist/cli.js');

  function needsServer(): boolean {
    if (server.running) return true;
    void vscode.window.showWarningMessage(`Unroll: the language server is not running (${server.state}). Run "Unroll: Restart Language Server".`);
    return false;
  }

  /** Runs `unroll <args>` in a terminal next to the experiment; refuses in untrusted workspaces. */
  async function runCli(action: string, doc: vscode.TextDocument, args: (name: string, file: string) => string[] | undefined): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(`Unroll: ${action} is disabled in an untrusted workspace (checking still works). Trust the folder with "Workspaces: Manage Workspace Trust" to ${action}.`);
      return;
    }
    if (!existsSync(cli)) {
      void vscode.window.showInformationMessage(`Unroll: ${action} is not available yet in this build: the engine bundle ${cli} is missing.`);
      return;
    }
    if (doc.isDirty) await doc.save();
    const file = doc.uri.fsPath;
    const argv = args(experimentName(doc.getText(), file), file);
    if (!argv) return;
    const cwd = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath ?? dirname(file);
    // The extension host's own runtime runs the CLI (Electron acts as Node with ELECTRON_RUN_AS_NODE).
    const terminal = vscode.window.createTerminal({
      name: `Unroll: ${action} ${basename(file)}`,
      cwd,
      shellPath: process.execPath,
      shellArgs: [cli, ...argv],
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
    terminals.set(file, terminal);
    terminal.show(true);
  }

  const register = (id: string, fn: (arg?: unknown) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(SUMMARY_SCHEME, summaries),
    vscode.window.onDidCloseTerminal((t) => { for (const [k, v] of terminals) if (v === t) terminals.delete(k); }),
  );

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
    if (doc) await runCli('train', doc, (_name, file) => ['train', file]);
  });
  register('unroll.resume', async (arg) => {
    const doc = await targetDocument(arg);
    if (doc) await runCli('resume', doc, (name, file) => ['train', file, '--resume', name]);
  });
  register('unroll.sample', async (arg) => {
    const doc = await targetDocument(arg);
    if (doc) await runCli('sample', doc, (name) => ['sample', name]);
  });
  register('unroll.predict', async (arg) => {
    const doc = await targetDocument(arg);
    if (!doc) return;
    const input = await vscode.window.showInputBox({ title: 'Unroll: Predict', prompt: 'Input to the trained model (e.g. 2+3*4)', ignoreFocusOut: true });
    if (input === undefined) return;
    await runCli('predict', doc, (name) => ['predict', name, input]);
  });
  register('unroll.export', async (arg) => {
    const doc = await targetDocument(arg);
    if (!doc) return;
    const suggested = vscode.Uri.file(`${dirname(doc.uri.fsPath)}/${experimentName(doc.getText(), doc.uri.fsPath)}.onnx`);
    const target = await vscode.window.showSaveDialog({ defaultUri: suggested, filters: { ONNX: ['onnx'] }, title: 'Export model to ONNX' });
    if (!target) return;
    await runCli('export', doc, (name) => ['export', name, target.fsPath]);
  });
  register('unroll.stop', async (arg) => {
    const doc = typeof arg === 'string' || arg instanceof vscode.Uri ? await targetDocument(arg) : vscode.window.activeTextEditor?.document;
    const terminal = (doc && terminals.get(doc.uri.fsPath)) ?? [...terminals.values()].at(-1);
    if (!terminal) {
      void vscode.window.showInformationMessage('Unroll: no training started from this window is running.');
      return;
    }
    // Ctrl-C: the CLI stops after the current step and keeps the last checkpoint.
    terminal.sendText('\u0003', false);
  });
  register('unroll.showLossPanel', () => {
    void vscode.window.showInformationMessage('Unroll: the loss panel is not available yet; `unroll train` prints the loss in its terminal, and each run writes metrics.jsonl under .unroll/runs/.');
  });
}
