// The language status item shown next to "rnn" in the status bar: server state, then the active
// experiment's shape count and parameter count once the server has answered.
import * as vscode from 'vscode';
import { readSettings, type ServerController } from './server';
import { hintText, isRuntimeHint, parseParamCount, statusText, type SummaryStats } from './summary';

/** Shape count and parameter count for a document, asked of the running server through VS Code's providers. */
export async function documentStats(doc: vscode.TextDocument): Promise<{ stats: SummaryStats; hints: vscode.InlayHint[] }> {
  const full = new vscode.Range(0, 0, doc.lineCount, 0);
  const hints = (await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, full)) ?? [];
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 10)) ?? [];
  let params: number | undefined;
  for (const lens of lenses) {
    const n = lens.command ? parseParamCount(lens.command.title) : undefined;
    if (n !== undefined) { params = n; break; }
  }
  const diags = vscode.languages.getDiagnostics(doc.uri);
  const shapes = readSettings().inlayHints.enabled ? hints.filter((h) => !isRuntimeHint(hintText(h))).length : undefined;
  return {
    stats: {
      shapes,
      params,
      errors: diags.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length,
      warnings: diags.filter((d) => d.severity === vscode.DiagnosticSeverity.Warning).length,
    },
    hints,
  };
}

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.languages.createLanguageStatusItem('unroll.status', { language: 'rnn' });
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;

  constructor(private readonly server: ServerController) {
    this.item.name = 'Unroll';
    this.subscriptions.push(
      this.item,
      server.onDidChangeState(() => this.refresh()),
      vscode.window.onDidChangeActiveTextEditor(() => this.refresh()),
      vscode.languages.onDidChangeDiagnostics((e) => {
        const doc = vscode.window.activeTextEditor?.document;
        if (doc && e.uris.some((u) => u.toString() === doc.uri.toString())) this.refresh();
      }),
    );
    this.refresh();
  }

  /** Debounced: diagnostics arrive after every keystroke's re-check. */
  refresh(): void {
    this.showState();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), 250);
  }

  private showState(): void {
    const s = this.server.state;
    this.item.busy = s === 'starting';
    if (s === 'failed') {
      this.item.severity = vscode.LanguageStatusSeverity.Error;
      this.item.text = 'Unroll: server failed';
      this.item.detail = this.server.error;
      this.item.command = { title: 'Restart', command: 'unroll.restartServer' };
    } else if (s !== 'running') {
      this.item.severity = vscode.LanguageStatusSeverity.Information;
      this.item.text = s === 'starting' ? 'Unroll: starting' : 'Unroll: stopped';
      this.item.detail = undefined;
      this.item.command = { title: 'Restart', command: 'unroll.restartServer' };
    }
  }

  private async update(): Promise<void> {
    const doc = vscode.window.activeTextEditor?.document;
    if (this.server.state !== 'running' || !doc || doc.languageId !== 'rnn') return;
    const generation = ++this.generation;
    try {
      const { stats } = await documentStats(doc);
      if (generation !== this.generation || this.server.state !== 'running') return; // a newer update won
      const { text, detail } = statusText(stats);
      this.item.severity = stats.errors ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
      this.item.text = `Unroll: ${text}`;
      this.item.detail = detail;
      this.item.command = { title: 'Summary', command: 'unroll.showSummary' };
    } catch (e) {
      this.server.output.appendLine(`[client] status update: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
  }
}
