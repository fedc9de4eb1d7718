// The loss panel's host side: one webview panel per experiment (per workspace root), showing the live run
// and the experiment's earlier runs from .unroll/runs. The page (client/webview/panel.ts) only draws: this
// side sends it the runs on `ready`, live steps batched every 100 ms, and epochs, status and samples as
// they come. Panels survive a window reload (WebviewPanelSerializer) and keep their page while hidden.
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { safeName } from '../../engine/runs/store';
import type { RunStartedParams } from '../../engine/process/protocol';
import { experimentRunsDir, loadRuns, plannedSteps, readRun, readRunSettings, panelSettings } from '../engine/runs';
import { makeNonce, panelHtml } from '../webview/html';
import type { HostToPanel, PanelEpoch, PanelPrediction, PanelRun, PanelStep, PanelToHost } from '../webview/messages';

export const LOSS_PANEL_VIEW = 'unroll.lossPanel';
const FLUSH_MS = 100;
const EARLIER_RUNS = 5;
const KNOWN_KEY = 'unroll.lossPanels';

interface PanelEntry { panel: vscode.WebviewPanel; root: string; experiment: string; ready: boolean }
/** A run seen in this session (live or ended): what the panel shows for it, and steps not yet posted. */
interface SessionRun { key: string; run: PanelRun; pending: PanelStep[] }

const keyOf = (root: string, experiment: string) => `${path.resolve(root)}\n${safeName(experiment)}`;
/** `<root>/.unroll/runs/<experiment>/<run-id>` -> `<root>`. */
export const rootOfRunDir = (dir: string) => path.resolve(dir, '..', '..', '..', '..');

export class LossPanels implements vscode.Disposable {
  private readonly panels = new Map<string, PanelEntry>();
  private readonly runs = new Map<string, SessionRun>();
  /** The latest session run per panel key (the one shown as live). */
  private readonly latest = new Map<string, string>();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly context: vscode.ExtensionContext) {
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
    this.subscriptions.push(vscode.window.registerWebviewPanelSerializer(LOSS_PANEL_VIEW, {
      deserializeWebviewPanel: async (panel, state) => this.revive(panel, state as { runs?: PanelRun[] } | undefined),
    }));
  }

  private get webviewRoot(): vscode.Uri { return vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview'); }

  private options(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    // Only the bundled page (panel.js and panel.css, which carries uPlot's styles) may load.
    return { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [this.webviewRoot] };
  }

  /** Opens the experiment's panel, or reveals it if open. */
  show(root: string, experiment: string, preserveFocus = true): void {
    const key = keyOf(root, experiment);
    const open = this.panels.get(key);
    if (open) {
      open.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(LOSS_PANEL_VIEW, `Loss: ${experiment}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, this.options());
    this.attach(panel, root, experiment);
  }

  /** The experiment shown by the active (or only) loss panel, for Stop/Sample without an editor. */
  activeExperiment(): { root: string; experiment: string } | undefined {
    const entries = [...this.panels.values()];
    const e = entries.find((p) => p.panel.active) ?? (entries.length === 1 ? entries[0] : undefined);
    return e && { root: e.root, experiment: e.experiment };
  }

  private attach(panel: vscode.WebviewPanel, root: string, experiment: string): void {
    const key = keyOf(root, experiment);
    const entry: PanelEntry = { panel, root, experiment, ready: false };
    this.panels.set(key, entry);
    void this.remember(root, experiment);
    panel.title = `Loss: ${experiment}`;
    const w = panel.webview;
    w.html = panelHtml({
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(this.webviewRoot, 'panel.js')).toString(),
      styleUri: w.asWebviewUri(vscode.Uri.joinPath(this.webviewRoot, 'panel.css')).toString(),
      cspSource: w.cspSource,
      nonce: makeNonce(),
    });
    const subs = [
      w.onDidReceiveMessage((m: PanelToHost) => {
        if (m?.type === 'ready') {
          entry.ready = true;
          this.sendAll(entry);
        }
      }),
      panel.onDidDispose(() => {
        if (this.panels.get(key) === entry) this.panels.delete(key);
        for (const s of subs) s.dispose();
      }),
    ];
  }

  /** After a window reload: find the experiment's root again and show fresh data (the page repaints from its saved state meanwhile). */
  private async revive(panel: vscode.WebviewPanel, state: { runs?: PanelRun[] } | undefined): Promise<void> {
    const experiment = state?.runs?.[0]?.experiment ?? panel.title.replace(/^Loss: /, '');
    const known = this.context.workspaceState.get<{ root: string; experiment: string }[]>(KNOWN_KEY, []);
    const candidates = [
      ...known.filter((k) => safeName(k.experiment) === safeName(experiment)).map((k) => k.root).reverse(),
      ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
    ];
    const root = candidates.find((r) => readRunsExist(r, experiment)) ?? candidates[0];
    if (!root || this.panels.has(keyOf(root, experiment))) {
      panel.dispose();
      return;
    }
    panel.webview.options = this.options();
    this.attach(panel, root, experiment);
  }

  private async remember(root: string, experiment: string): Promise<void> {
    const known = this.context.workspaceState.get<{ root: string; experiment: string }[]>(KNOWN_KEY, []).filter((k) => keyOf(k.root, k.experiment) !== keyOf(root, experiment));
    await this.context.workspaceState.update(KNOWN_KEY, [...known, { root, experiment }].slice(-20));
  }

  private post(entry: PanelEntry | undefined, m: HostToPanel): void {
    if (entry?.ready) void entry.panel.webview.postMessage(m);
  }

  /** Everything the panel shows: earlier runs from disk, then the session's latest run (live or ended). */
  private sendAll(entry: PanelEntry): void {
    const key = keyOf(entry.root, entry.experiment);
    const latestId = this.latest.get(key);
    const current = latestId ? this.runs.get(latestId) : undefined;
    if (current) { current.run.steps.push(...current.pending); current.pending = []; }
    let earlier: PanelRun[] = [];
    try {
      earlier = loadRuns(entry.root, entry.experiment, { limit: EARLIER_RUNS, except: latestId });
    } catch { /* unreadable runs folder: show the live run alone */ }
    // With no run in this session, the newest run on disk gets the status table (settings, figures).
    if (!current && earlier.length) earlier[earlier.length - 1] = { ...earlier[earlier.length - 1], live: true };
    this.post(entry, { type: 'runs', runs: current ? [...earlier, current.run] : earlier });
  }

  // -------------------------------------------------------------------------------------------------------
  // Fed by the engine's notifications

  runStarted(p: RunStartedParams): void {
    const root = rootOfRunDir(p.dir);
    const key = keyOf(root, p.experiment);
    const settings = readRunSettings(p.dir);
    const run: PanelRun = {
      runId: p.runId, experiment: safeName(p.experiment), settings: panelSettings(settings), steps: [], epochs: [], live: true,
      totalSteps: plannedSteps(settings ?? { epochs: p.epochs }, p.stepsPerEpoch), status: 'running', samples: [],
    };
    if (p.resumedFrom) {
      // A resumed run continues its own curve: what it recorded up to the checkpoint it resumes from.
      const before = readRun(p.dir);
      run.steps = before.steps.filter((s) => s.step <= p.resumedFrom!.step);
      run.epochs = before.epochs.filter((e) => e.epoch <= p.resumedFrom!.epoch);
    }
    for (const [id, r] of this.runs) if (r.key === key && r.run.runId !== p.runId && r.run.status !== 'running') this.runs.delete(id);
    this.runs.set(p.runId, { key, run, pending: [] });
    this.latest.set(key, p.runId);
    const entry = this.panels.get(key);
    if (entry) this.sendAll(entry);
  }

  step(runId: string, s: PanelStep): void {
    this.runs.get(runId)?.pending.push(s);
  }

  epoch(runId: string, e: PanelEpoch): void {
    const r = this.flushRun(runId);
    if (!r) return;
    r.run.epochs.push(e);
    this.post(this.panels.get(r.key), { type: 'epoch', runId, epoch: e });
  }

  status(runId: string, status: NonNullable<PanelRun['status']>, message?: string): void {
    const r = this.flushRun(runId);
    if (!r) return;
    r.run.status = status;
    r.run.message = message;
    this.post(this.panels.get(r.key), { type: 'status', runId, status, message });
  }

  sample(runId: string, epoch: number, text: string): void {
    const r = this.runs.get(runId);
    if (!r) return;
    (r.run.samples ??= []).push({ epoch, text });
    this.post(this.panels.get(r.key), { type: 'sample', runId, epoch, text });
  }

  warn(runId: string, message: string): void {
    const r = this.runs.get(runId);
    if (!r) return;
    r.run.message = message;
    this.post(this.panels.get(r.key), { type: 'status', runId, status: r.run.status, message });
  }

  prediction(runId: string, prediction: PanelPrediction): void {
    const r = this.runs.get(runId);
    if (!r) return;
    r.run.prediction = prediction;
    this.post(this.panels.get(r.key), { type: 'prediction', runId, prediction });
  }

  /** The experiment a session run belongs to (for commands acting on "the running experiment"). */
  runInfo(runId: string): PanelRun | undefined { return this.runs.get(runId)?.run; }

  private flushRun(runId: string): SessionRun | undefined {
    const r = this.runs.get(runId);
    if (!r || !r.pending.length) return r;
    const steps = r.pending;
    r.pending = [];
    r.run.steps.push(...steps);
    this.post(this.panels.get(r.key), { type: 'steps', runId, steps });
    return r;
  }

  private flush(): void {
    for (const id of this.runs.keys()) this.flushRun(id);
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const s of this.subscriptions) s.dispose();
    for (const p of [...this.panels.values()]) p.panel.dispose();
    this.panels.clear();
  }
}

function readRunsExist(root: string, experiment: string): boolean {
  return fs.existsSync(experimentRunsDir(root, experiment));
}
