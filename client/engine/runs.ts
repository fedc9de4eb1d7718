// Earlier runs for the loss panel: `.unroll/runs/<experiment>/<run-id>/` (engine/runs/store.ts) read into the
// panel's PanelRun. Built to read folders a crash left behind: a torn last line in metrics.jsonl (the
// process died mid-write) is skipped, and a missing or unreadable settings.json or metrics.jsonl gives an
// empty part instead of an error. No `vscode` import (tested in plain Node).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricsParams } from '../../engine/process/protocol';
import { RUNS_DIR, safeName, type RunSettings } from '../../engine/runs/store';
import type { PanelEpoch, PanelPrediction, PanelRun, PanelStep } from '../webview/messages';

/** `<root>/.unroll/runs/<experiment>`: the folder holding an experiment's runs. */
export function experimentRunsDir(root: string, experiment: string): string {
  return path.join(root, RUNS_DIR, safeName(experiment));
}

/** Run ids of an experiment, oldest first (ids are time stamps, so name order is creation order). */
export function listRunIds(root: string, experiment: string): string[] {
  const dir = experimentRunsDir(root, experiment);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => {
    const d = path.join(dir, n);
    return isDir(d) && (fs.existsSync(path.join(d, 'settings.json')) || fs.existsSync(path.join(d, 'metrics.jsonl')));
  }).sort();
}

function isDir(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}

/** Every line of metrics.jsonl that parses; lines that do not (a torn last line) are skipped. */
export function readMetricsLines(dir: string): MetricsParams[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const out: MetricsParams[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const o = JSON.parse(line) as MetricsParams;
      if (o && (o.kind === 'step' || o.kind === 'epoch')) out.push(o);
    } catch {
      /* torn by a kill mid-write */
    }
  }
  return out;
}

export function readRunSettings(dir: string): RunSettings | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'settings.json'), 'utf8')) as RunSettings;
  } catch {
    return undefined;
  }
}

/** The settings a person compares runs by, flattened for the panel's table. */
export function panelSettings(s: RunSettings | undefined): Record<string, string | number | boolean> {
  if (!s) return {};
  const out: Record<string, string | number | boolean> = {};
  const put = (k: string, v: unknown) => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  };
  const t = (s.train ?? {}) as Record<string, unknown>;
  const opt = t.optimizer as { name?: string; params?: Record<string, number> } | undefined;
  if (opt?.name) put('optimizer', opt.name);
  for (const [k, v] of Object.entries(opt?.params ?? {})) put(k, v);
  put('loss', t.loss);
  put('epochs', s.epochs);
  put('steps', s.steps);
  put('clip', t.clip);
  for (const [k, v] of Object.entries(s.dims ?? {})) put(k, v);
  put('params', s.totalParams);
  put('device', s.device);
  put('adapter', s.adapter);
  put('threads', s.threads);
  put('seed', s.seed);
  return out;
}

/** Total steps the run is set to take, when the settings say (epochs x steps per epoch, or a step limit). */
export function plannedSteps(s: Pick<RunSettings, 'epochs' | 'steps'> | undefined, stepsPerEpoch: number | undefined): number | undefined {
  const byEpochs = s?.epochs && stepsPerEpoch ? s.epochs * stepsPerEpoch : undefined;
  const limit = typeof s?.steps === 'number' ? s.steps : undefined;
  if (byEpochs !== undefined && limit !== undefined) return Math.min(byEpochs, limit);
  return byEpochs ?? limit;
}

/** The latest validation prediction of a regression run (validation-prediction.json), if it has one. */
export function readPrediction(dir: string): PanelPrediction | undefined {
  try {
    const p = JSON.parse(fs.readFileSync(path.join(dir, 'validation-prediction.json'), 'utf8')) as PanelPrediction;
    return Array.isArray(p.truth) && Array.isArray(p.predicted) ? { epoch: p.epoch, output: p.output, target: p.target, truth: p.truth, predicted: p.predicted } : undefined;
  } catch {
    return undefined;
  }
}

/** One run folder as the panel shows it (not live; the host marks the live one). */
export function readRun(dir: string): PanelRun {
  const settings = readRunSettings(dir);
  const steps: PanelStep[] = [];
  const epochs: PanelEpoch[] = [];
  for (const m of readMetricsLines(dir)) {
    if (m.kind === 'step') {
      if (typeof m.step === 'number' && typeof m.loss === 'number') {
        steps.push({ epoch: m.epoch, step: m.step, loss: m.loss, tokensPerSec: m.tokensPerSec, ms: m.ms, time: m.time });
      }
    } else {
      epochs.push({ epoch: m.epoch, step: m.step, trainLoss: m.trainLoss, validLoss: m.validLoss, train: m.train, valid: m.valid, seconds: m.seconds });
    }
  }
  const lastEpoch = epochs[epochs.length - 1]?.epoch ?? 0;
  const lastStep = steps[steps.length - 1]?.step ?? 0;
  const done = (settings?.epochs !== undefined && lastEpoch >= settings.epochs) || (typeof settings?.steps === 'number' && lastStep >= settings.steps);
  return {
    runId: settings?.runId ?? path.basename(dir),
    experiment: settings?.experiment ?? path.basename(path.dirname(dir)),
    settings: panelSettings(settings),
    steps,
    epochs,
    status: done ? 'completed' : 'stopped',
    prediction: readPrediction(dir),
  };
}

/** The experiment's latest `limit` runs, oldest first, skipping `except` (the live run, sent separately). */
export function loadRuns(root: string, experiment: string, o: { limit?: number; except?: string } = {}): PanelRun[] {
  const ids = listRunIds(root, experiment).filter((id) => id !== o.except);
  const dir = experimentRunsDir(root, experiment);
  return ids.slice(-(o.limit ?? 5)).map((id) => readRun(path.join(dir, id)));
}
