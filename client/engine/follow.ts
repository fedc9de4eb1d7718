// A run another program writes (train.py under torchrun, in a terminal), followed from its files: the loss
// panel gets the same calls it gets from the engine's notifications, as metrics.jsonl grows. No `vscode`
// import (tested in plain Node).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricsParams, RunStartedParams } from '../../engine/process/protocol';
import type { PanelEpoch, PanelPrediction, PanelRun, PanelStep } from '../webview/messages';
import { experimentRunsDir, listRunIds, readPrediction, readRunSettings } from './runs';

export interface RunSink {
  runStarted(p: RunStartedParams): void;
  step(runId: string, s: PanelStep): void;
  epoch(runId: string, e: PanelEpoch): void;
  status(runId: string, status: NonNullable<PanelRun['status']>, message?: string): void;
  /** A regression's validation prediction (validation-prediction.json), after the epoch it was made in. */
  prediction?(runId: string, p: PanelPrediction): void;
}

export class RunFollower {
  private runId?: string;
  private dir?: string;
  private offset = 0;
  private rest = '';
  private readonly before: Set<string>;

  /** Follows the first run of `experiment` under `root` that is not there yet. */
  constructor(private readonly root: string, private readonly experiment: string, private readonly sink: RunSink) {
    this.before = new Set(listRunIds(root, experiment));
  }

  get run(): string | undefined { return this.dir; }

  /** Reads what is new: the run's folder once it appears, then every complete line added to metrics.jsonl. */
  poll(): void {
    if (!this.dir && !this.find()) return;
    let text = '';
    try {
      const fd = fs.openSync(path.join(this.dir!, 'metrics.jsonl'), 'r');
      try {
        const size = fs.fstatSync(fd).size;
        if (size > this.offset) {
          const buf = Buffer.alloc(size - this.offset);
          fs.readSync(fd, buf, 0, buf.length, this.offset);
          this.offset = size;
          text = buf.toString('utf8');
        }
      } finally { fs.closeSync(fd); }
    } catch { return; } // not written yet
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop() ?? ''; // a line still being written
    for (const line of lines) this.line(line);
  }

  /** The program ended: what it wrote last, then the run's end (completed when it reached its schedule). */
  finish(code: number | undefined): void {
    this.poll();
    if (!this.runId) return;
    this.sink.status(this.runId, code === 0 ? 'completed' : 'failed', code === 0 ? undefined : `the PyTorch program exited with code ${code ?? '?'}`);
  }

  private find(): boolean {
    const id = listRunIds(this.root, this.experiment).find((r) => !this.before.has(r));
    if (!id) return false;
    const dir = path.join(experimentRunsDir(this.root, this.experiment), id);
    const s = readRunSettings(dir);
    if (!s) return false; // settings.json comes first; wait for it
    this.runId = id;
    this.dir = dir;
    const extra = s as unknown as { stepsPerEpoch?: number; totalParams?: number; processes?: number };
    this.sink.runStarted({
      runId: id, dir, experiment: s.experiment, file: s.file, shapes: {}, device: s.device,
      deviceReason: `PyTorch, ${extra.processes ?? 1} process${(extra.processes ?? 1) === 1 ? '' : 'es'}`,
      params: extra.totalParams ?? 0, epochs: s.epochs ?? 0, stepsPerEpoch: extra.stepsPerEpoch ?? 0, ...(typeof s.steps === 'number' ? { maxSteps: s.steps } : {}),
    });
    return true;
  }

  private line(line: string): void {
    if (!line.trim() || !this.runId) return;
    let m: MetricsParams;
    try { m = JSON.parse(line) as MetricsParams; } catch { return; }
    if (m.kind === 'step') this.sink.step(this.runId, { epoch: m.epoch, step: m.step, loss: m.loss, tokensPerSec: m.tokensPerSec, ms: m.ms, time: m.time });
    else if (m.kind === 'epoch') {
      this.sink.epoch(this.runId, { epoch: m.epoch, step: m.step, trainLoss: m.trainLoss, validLoss: m.validLoss, train: m.train, valid: m.valid, seconds: m.seconds });
      const p = readPrediction(this.dir!); // written before the epoch's line
      if (p && p.epoch === m.epoch) this.sink.prediction?.(this.runId, p);
    }
  }
}
