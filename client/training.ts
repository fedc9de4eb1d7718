// Training from the editor: drives the engine manager (client/engine/manager.ts) and shows what it reports:
// the loss panel, a progress notification (epoch, step, loss, ETA, Cancel = Stop), a status bar item while a
// run is live, the "Unroll Engine" and "Unroll Samples" output channels, context keys for the editor title's
// Train/Stop buttons, and the runtime shapes forwarded to the language server.
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { FailedParams, FinishedParams, MetricsParams, RunStartedParams, TrainResult } from '../engine/process/protocol';
import { RuntimeShapesNotification, type RuntimeShapesParams } from '../server/protocol';
import { EngineManager, type EngineEvent } from './engine/manager';
import { experimentRunsDir, listRunIds, readRun } from './engine/runs';
import { LossPanels, rootOfRunDir } from './panel/lossPanel';
import type { ServerController } from './server';
import { formatDuration } from '../engine/cli/progress';

/** A run started from this window, from its request until it finished or failed. */
interface Tracked {
  runId: string;
  dir: string;
  file?: string;
  experiment: string;
  epochs?: number;
  totalSteps?: number;
  step?: number;
  epoch?: number;
  loss?: number;
  /** The device it trains on and why (shown in the progress notification and the status bar's tooltip). */
  device?: string;
  deviceReason?: string;
  /** Wall clock and step at the first step seen: the ETA is the rate since then (validation included). */
  first?: { time: number; step: number };
  progress?: vscode.Progress<{ message?: string; increment?: number }>;
  reported: number;
  lastReport: number;
  ended: Promise<void>;
  end: () => void;
}

export class Training implements vscode.Disposable {
  readonly engine: EngineManager;
  readonly panels: LossPanels;
  readonly engineOut = vscode.window.createOutputChannel('Unroll Engine', { log: true });
  readonly samplesOut = vscode.window.createOutputChannel('Unroll Samples');
  private readonly status = vscode.window.createStatusBarItem('unroll.training', vscode.StatusBarAlignment.Left, 10);
  private readonly runs = new Map<string, Tracked>();
  /** Latest runtime shapes per document, resent when the language server (re)starts. */
  private readonly shapes = new Map<string, RuntimeShapesParams>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(context: vscode.ExtensionContext, private readonly server: ServerController) {
    this.engine = new EngineManager({ enginePath: context.asAbsolutePath('dist/engine.js'), execPath: process.execPath });
    this.panels = new LossPanels(context);
    this.status.name = 'Unroll Training';
    const off = this.engine.onEvent((e) => this.onEvent(e));
    this.subscriptions.push(
      this.panels, this.engineOut, this.samplesOut, this.status, { dispose: off },
      server.onDidChangeState((s) => { if (s === 'running') for (const p of this.shapes.values()) this.sendShapes(p); }),
    );
    void this.updateContext();
  }

  /** Live runs started from `file` (all live runs without a file). */
  liveRuns(file?: string): Tracked[] {
    return [...this.runs.values()].filter((r) => !file || (r.file && path.resolve(r.file) === path.resolve(file)));
  }

  private track(r: { runId: string; dir: string; file?: string; experiment?: string }): Tracked {
    let t = this.runs.get(r.runId);
    if (!t) {
      let end!: () => void;
      const ended = new Promise<void>((res) => { end = res; });
      t = { runId: r.runId, dir: r.dir, file: r.file, experiment: r.experiment ?? path.basename(path.dirname(r.dir)), reported: 0, lastReport: 0, ended, end };
      this.runs.set(r.runId, t);
      void this.updateContext();
    }
    if (r.file) t.file = r.file;
    if (r.experiment) t.experiment = r.experiment;
    return t;
  }

  /**
   * Starts (or resumes) a run with a progress notification that lasts until the run ends; Cancel stops it.
   * `start` sends the request; its failure (e.g. the experiment has errors) is shown as an error message.
   */
  async run(title: string, file: string | undefined, experiment: string, start: () => Promise<TrainResult>): Promise<void> {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      progress.report({ message: 'checking the experiment and loading its data…' });
      let r: TrainResult;
      try {
        r = await start();
      } catch (e) {
        const msg = (e as Error).message;
        this.engineOut.error(`${title}: ${msg}`);
        void vscode.window.showErrorMessage(`Unroll: ${msg}`, 'Open Engine Log').then((c) => { if (c) this.engineOut.show(true); });
        return;
      }
      const t = this.track({ runId: r.runId, dir: r.dir, file, experiment });
      t.progress = progress;
      const cancel = token.onCancellationRequested(() => { void this.stop(r.runId); });
      await t.ended;
      cancel.dispose();
    });
  }

  async stop(runId?: string): Promise<string[]> {
    try {
      const s = await this.engine.stop(runId ? { runId } : {});
      if (s.stopped.length) this.engineOut.info(`stopping ${s.stopped.join(', ')} after the current step`);
      return s.stopped;
    } catch (e) {
      void vscode.window.showErrorMessage(`Unroll: stop failed: ${(e as Error).message}`);
      return [];
    }
  }

  private onEvent(e: EngineEvent): void {
    switch (e.type) {
      case 'runStarted': return this.onStarted(e.params);
      case 'metrics': return this.onMetrics(e.params);
      case 'checkpoint': this.engineOut.debug(`[${e.params.runId}] checkpoint ${e.params.path} (epoch ${e.params.epoch}, step ${e.params.step})`); return;
      case 'log': {
        const line = `${e.params.runId ? `[${e.params.runId}] ` : ''}${e.params.message}`;
        if (e.params.level === 'error') this.engineOut.error(line);
        else if (e.params.level === 'warn') {
          this.engineOut.warn(line);
          // A warning about a live run (divergence, a checkpoint not taken) shows under its status.
          if (e.params.runId) this.panels.warn(e.params.runId, `warning: ${e.params.message}`);
        }
        else this.engineOut.info(line);
        return;
      }
      case 'sample': {
        const t = this.runs.get(e.params.runId);
        this.samplesOut.appendLine(`── ${t?.experiment ?? ''} ${e.params.runId}, after epoch ${e.params.epoch}\n${e.params.text}\n`);
        this.panels.sample(e.params.runId, e.params.epoch, e.params.text);
        return;
      }
      case 'validationPrediction': {
        const { runId, epoch, output, target, truth, predicted } = e.params;
        this.panels.prediction(runId, { epoch, output, target, truth, predicted });
        return;
      }
      case 'finished': return this.onFinished(e.params);
      case 'failed': return this.onFailed(e.params, !!e.crashed);
      case 'stderr': if (e.line.trim()) this.engineOut.info(`engine: ${e.line}`); return;
      case 'exit':
        if (e.expected) this.engineOut.info(`engine stopped (${e.message})`);
        else this.engineOut.error(`${e.message}; the next command starts a new engine`);
        return;
    }
  }

  private onStarted(p: RunStartedParams): void {
    const t = this.track({ runId: p.runId, dir: p.dir, file: p.file, experiment: p.experiment });
    t.epochs = p.epochs;
    t.device = p.adapter ? `${p.device} (${p.adapter})` : p.device;
    t.deviceReason = p.deviceReason;
    this.panels.runStarted(p);
    t.totalSteps = this.panels.runInfo(p.runId)?.totalSteps;
    t.step = p.resumedFrom?.step;
    this.engineOut.info(`[${p.runId}] ${p.resumedFrom ? 'resumed' : 'started'} ${p.experiment}: ${p.params.toLocaleString('en-US')} parameters, ${p.epochs} epochs of ${p.stepsPerEpoch} steps${p.maxSteps ? `, stopping at step ${p.maxSteps}` : ''} on ${t.device}${p.deviceReason ? ` (${p.deviceReason})` : ''}; files in ${p.dir}`);
    const shapes: RuntimeShapesParams = { uri: vscode.Uri.file(p.file).toString(), runId: p.runId, shapes: p.shapes };
    this.shapes.set(shapes.uri, shapes);
    this.sendShapes(shapes);
    this.refreshStatus();
  }

  private sendShapes(p: RuntimeShapesParams): void {
    const client = this.server.running;
    if (!client) return; // resent when the server is running again
    client.sendNotification(RuntimeShapesNotification.method, p).catch((e: Error) => this.engineOut.warn(`runtime shapes not sent to the language server: ${e.message}`));
  }

  private onMetrics(m: MetricsParams): void {
    if (!m.runId) return;
    const t = this.runs.get(m.runId);
    if (m.kind === 'step') {
      this.panels.step(m.runId, { epoch: m.epoch, step: m.step, loss: m.loss, tokensPerSec: m.tokensPerSec, ms: m.ms, time: m.time });
      if (!t) return;
      t.first ??= { time: Date.now(), step: m.step };
      t.step = m.step;
      t.epoch = m.epoch;
      t.loss = m.loss;
    } else {
      this.panels.epoch(m.runId, { epoch: m.epoch, step: m.step, trainLoss: m.trainLoss, validLoss: m.validLoss, train: m.train, valid: m.valid, seconds: m.seconds });
      const valid = m.validLoss !== undefined ? `, valid loss ${m.validLoss.toFixed(4)}` : '';
      const figures = Object.entries(m.valid ?? m.train).map(([k, v]) => `, ${k} ${v.toFixed(4)}`).join('');
      this.engineOut.info(`[${m.runId}] epoch ${m.epoch} done in ${m.seconds.toFixed(1)}s: train loss ${m.trainLoss.toFixed(4)}${valid}${figures}`);
    }
    if (t && Date.now() - t.lastReport >= 250) this.report(t);
  }

  private describe(t: Tracked): string {
    const parts = [
      t.epoch !== undefined ? `epoch ${t.epoch}${t.epochs ? `/${t.epochs}` : ''}` : undefined,
      t.step !== undefined ? `step ${t.step}${t.totalSteps ? `/${t.totalSteps}` : ''}` : undefined,
      t.loss !== undefined ? `loss ${t.loss.toFixed(4)}` : undefined,
    ];
    const eta = this.eta(t);
    if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
    if (t.device) parts.push(`on ${t.device}`);
    return parts.filter(Boolean).join(' · ');
  }

  private eta(t: Tracked): number | undefined {
    if (!t.first || t.step === undefined || !t.totalSteps || t.step <= t.first.step) return undefined;
    const perStep = (Date.now() - t.first.time) / 1000 / (t.step - t.first.step);
    return Math.max(0, (t.totalSteps - t.step) * perStep);
  }

  private report(t: Tracked): void {
    t.lastReport = Date.now();
    const pct = t.totalSteps && t.step ? Math.min(100, (100 * t.step) / t.totalSteps) : t.reported;
    t.progress?.report({ message: this.describe(t), increment: Math.max(0, pct - t.reported) });
    t.reported = Math.max(t.reported, pct);
    this.refreshStatus();
  }

  private onFinished(p: FinishedParams): void {
    const t = this.runs.get(p.runId);
    this.panels.status(p.runId, p.reason === 'stopped' ? 'stopped' : 'completed');
    const what = p.reason === 'completed' ? 'finished' : p.reason === 'steps' ? 'reached its step limit' : 'stopped';
    const name = t?.experiment ?? p.runId;
    this.engineOut.info(`[${p.runId}] ${what} at step ${p.step} (${p.epoch} epochs complete); checkpoint ${p.checkpoint ?? 'none'}`);
    void vscode.window.showInformationMessage(`Unroll: ${name} ${what} at step ${p.step} (${p.epoch} epochs complete).`);
    this.ended(p.runId);
  }

  private onFailed(p: FailedParams, crashed: boolean): void {
    this.engineOut.error(`${p.runId ? `[${p.runId}] ` : ''}${p.message}`);
    if (!p.runId) return;
    const t = this.runs.get(p.runId);
    this.panels.status(p.runId, 'failed', p.message);
    const actions = [...(p.file && p.line ? ['Go to Line'] : []), ...(crashed || p.checkpoint ? ['Resume'] : []), 'Open Engine Log'];
    void vscode.window.showErrorMessage(`Unroll: ${t?.experiment ?? 'training'} failed: ${p.message}`, ...actions).then((c) => {
      if (c === 'Open Engine Log') this.engineOut.show(true);
      else if (c === 'Resume' && p.dir) void vscode.commands.executeCommand('unroll.resume', undefined, p.dir);
      else if (c === 'Go to Line' && p.file && p.line) {
        void vscode.window.showTextDocument(vscode.Uri.file(p.file), { selection: new vscode.Range(p.line - 1, 0, p.line - 1, 0) });
      }
    });
    this.ended(p.runId);
  }

  private ended(runId: string): void {
    const t = this.runs.get(runId);
    if (!t) return;
    this.runs.delete(runId);
    t.end();
    void this.updateContext();
    this.refreshStatus();
  }

  private refreshStatus(): void {
    const live = [...this.runs.values()];
    if (!live.length) {
      this.status.hide();
      return;
    }
    const t = live[0];
    this.status.text = `$(sync~spin) ${t.experiment}${t.epoch !== undefined ? ` · ${this.describe(t)}` : ''}${live.length > 1 ? ` (+${live.length - 1})` : ''}`;
    this.status.tooltip = `Unroll: training ${live.map((r) => `${r.experiment} (${r.runId}) on ${r.device ?? '?'}${r.deviceReason ? `: ${r.deviceReason}` : ''}`).join('; ')}. Click for the loss panel.`;
    this.status.command = { title: 'Show Loss Panel', command: 'unroll.showLossPanel', arguments: t.file ? [vscode.Uri.file(t.file)] : [] };
    this.status.show();
  }

  private async updateContext(): Promise<void> {
    const files = [...this.runs.values()].flatMap((r) => (r.file ? [r.file] : []));
    await vscode.commands.executeCommand('setContext', 'unroll.training', this.runs.size > 0);
    await vscode.commands.executeCommand('setContext', 'unroll.trainingFiles', files);
  }

  /** Run folders of an experiment, newest first, with a line about each (for Resume's pick). */
  runChoices(root: string, experiment: string): { label: string; description: string; dir: string }[] {
    return listRunIds(root, experiment).reverse().map((id) => {
      const dir = path.join(experimentRunsDir(root, experiment), id);
      const r = readRun(dir);
      const last = r.steps[r.steps.length - 1];
      return { label: id, description: `${r.status ?? ''}${last ? ` · step ${last.step} · loss ${last.loss.toFixed(4)}` : ''}`, dir };
    });
  }

  async dispose(): Promise<void> {
    for (const s of this.subscriptions) s.dispose();
    for (const t of this.runs.values()) t.end();
    await this.engine.dispose();
  }
}

export { rootOfRunDir };
