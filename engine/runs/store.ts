// The run store: `.unroll/runs/<experiment>/<run-id>/` holds everything needed to read, compare, resume,
// sample or export a run later -- the experiment text as run, resolved settings, the vocabulary,
// metrics.jsonl (one JSON line per step and per epoch) and checkpoints (see checkpoint.ts).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomic';
import type { MetricsParams } from '../process/protocol';

export const RUNS_DIR = path.join('.unroll', 'runs');

/** A problem with a run folder that the person can fix (a wrong name, a folder changed by hand): its message
 *  is what they read, without a stack trace. */
export class RunError extends Error {}

export interface RunSettings {
  runId: string;
  experiment: string;
  /** Absolute path of the `.rnn` file the run was started from. */
  file: string;
  created: string;
  /** Resolved train settings (loss, optimizer, epochs, steps, clip, metrics, init, seed). */
  train: Record<string, unknown>;
  /** Concrete sizes from the data and the dims block (vocab, batch, time, ...). */
  dims: Record<string, number>;
  device: string;
  threads?: number;
  seed: number;
  epochs: number;
  steps?: number;
  params: { name: string; shape: number[] }[];
  totalParams: number;
  optimizerSlots: string[];
  /** Extra fields writers add (resume history, ...). */
  [key: string]: unknown;
}

export interface RunInfo { runId: string; experiment: string; dir: string }

/** A file-system safe name for an experiment (experiment names are identifiers, but files may be odd). */
export function safeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^\.+/, '_') || 'experiment';
  // File systems refuse names past 255 bytes: a long name keeps its start and a hash of the whole.
  return safe.length <= 80 ? safe : `${safe.slice(0, 64)}-${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
}

function stamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Create a fresh run folder with a time-sortable id; never reuses an existing folder. */
export function createRun(root: string, experiment: string, now = new Date()): RunInfo {
  const expDir = path.join(root, RUNS_DIR, safeName(experiment));
  fs.mkdirSync(expDir, { recursive: true });
  const base = stamp(now);
  for (let i = 1; ; i++) {
    const runId = i === 1 ? base : `${base}-${String(i).padStart(2, '0')}`;
    const dir = path.join(expDir, runId);
    try {
      fs.mkdirSync(dir); // fails if it exists: two runs started in the same second get distinct ids
      return { runId, experiment: safeName(experiment), dir };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

export function writeRunFiles(dir: string, files: { experimentText: string; settings: RunSettings; vocab: unknown }): void {
  writeFileAtomic(path.join(dir, 'experiment.rnn'), files.experimentText);
  writeSettings(dir, files.settings);
  writeFileAtomic(path.join(dir, 'vocab.json'), JSON.stringify(files.vocab ?? null) + '\n');
}

export function writeSettings(dir: string, settings: RunSettings): void {
  writeFileAtomic(path.join(dir, 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
}

export function readSettings(dir: string): RunSettings {
  const p = path.join(dir, 'settings.json');
  if (!fs.existsSync(p)) throw new RunError(`${dir} is not an Unroll run folder (no settings.json)`);
  return JSON.parse(fs.readFileSync(p, 'utf8')) as RunSettings;
}

export function readVocab(dir: string): unknown {
  const p = path.join(dir, 'vocab.json');
  return fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, 'utf8')) : null;
}

export function readExperimentText(dir: string): string {
  return fs.readFileSync(path.join(dir, 'experiment.rnn'), 'utf8');
}

/** Appends one JSON line per call; appendFileSync hands each line to the OS at once, so a kill loses none. */
export class MetricsWriter {
  readonly file: string;
  constructor(dir: string) {
    this.file = path.join(dir, 'metrics.jsonl');
  }
  append(line: MetricsParams | Record<string, unknown>): void {
    fs.appendFileSync(this.file, JSON.stringify(line) + '\n');
  }
  /**
   * On resume: drop step lines past the checkpoint being resumed (their work is lost and will be redone), so
   * the file keeps one line per step. Lines that do not parse (a line torn by a kill) are dropped too.
   */
  truncateAfter(step: number): void {
    if (!fs.existsSync(this.file)) return;
    const keep = fs.readFileSync(this.file, 'utf8').split('\n').filter((l) => {
      if (!l.trim()) return false;
      try {
        const o = JSON.parse(l) as { step?: number; partial?: boolean };
        return !o.partial && (typeof o.step !== 'number' || o.step <= step);
      } catch {
        return false;
      }
    });
    writeFileAtomic(this.file, keep.map((l) => l + '\n').join(''));
  }
}

export function readMetrics(dir: string): MetricsParams[] {
  const p = path.join(dir, 'metrics.jsonl');
  if (!fs.existsSync(p)) return [];
  const out: MetricsParams[] = [];
  for (const l of fs.readFileSync(p, 'utf8').split('\n')) {
    if (!l.trim()) continue;
    try {
      out.push(JSON.parse(l) as MetricsParams);
    } catch {
      /* a torn last line after a kill */
    }
  }
  return out;
}

export function listRuns(root: string, experiment: string): RunInfo[] {
  const expDir = path.join(root, RUNS_DIR, safeName(experiment));
  if (!fs.existsSync(expDir)) return [];
  return fs.readdirSync(expDir)
    .filter((id) => fs.existsSync(path.join(expDir, id, 'settings.json')))
    .sort() // ids are time stamps (plus a zero-padded counter), so name order is creation order
    .map((runId) => ({ runId, experiment: safeName(experiment), dir: path.join(expDir, runId) }));
}

/**
 * Resolve a RUN argument: a run folder (absolute or relative to cwd), `<experiment>` (its latest run) or
 * `<experiment>/<run-id>` under `<root>/.unroll/runs`. Throws a message that lists what exists.
 */
export function resolveRun(ref: string, root: string, cwd = process.cwd()): RunInfo {
  const direct = path.resolve(cwd, ref);
  if (fs.existsSync(path.join(direct, 'settings.json'))) {
    return { runId: path.basename(direct), experiment: path.basename(path.dirname(direct)), dir: direct };
  }
  const runsRoot = path.join(root, RUNS_DIR);
  const parts = ref.split(/[\\/]/).filter(Boolean);
  if (parts.length === 1) {
    const runs = listRuns(root, parts[0]);
    if (runs.length) return runs[runs.length - 1];
  } else if (parts.length === 2) {
    const dir = path.join(runsRoot, safeName(parts[0]), parts[1]);
    if (fs.existsSync(path.join(dir, 'settings.json'))) return { runId: parts[1], experiment: safeName(parts[0]), dir };
  }
  const known = fs.existsSync(runsRoot) ? fs.readdirSync(runsRoot).filter((e) => listRuns(root, e).length > 0) : [];
  throw new RunError(
    `no run "${ref}": give a run folder, an experiment name (its latest run) or <experiment>/<run-id>. ` +
      (known.length ? `Experiments with runs under ${runsRoot}: ${known.join(', ')}` : `There are no runs under ${runsRoot} yet; start one with \`unroll train FILE.rnn\``),
  );
}
