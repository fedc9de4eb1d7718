// `unroll train FILE [--epochs N] [--steps N] [--device auto|cpu|webgpu|cuda] [--threads N] [--resume RUN]`
// Trains in the engine worker with a progress bar on stderr; Ctrl-C, SIGTERM or SIGHUP stops after the
// current step with a checkpoint; a second signal quits at once (the run keeps its last checkpoint).
import * as path from 'node:path';
import type { ValidatingParams, CheckpointParams, FailedParams, FinishedParams, LogParams, MetricsParams, RunStartedParams, SampleNotificationParams, TrainResult, Device } from '../process/protocol';
import type { Job } from '../runtime/jobs-types';
import { readCheckpointPointer } from '../runs/checkpoint';
import { parseArgs, UsageError } from './args';
import { Progress } from './progress';
import { defaultIO, start, runRef, runsRoot, wantsHelp, type CliIO } from './run-job';

export const TRAIN_USAGE = `usage: unroll train FILE.rnn [--epochs N] [--steps N] [--device auto|cpu|webgpu|cuda] [--threads N] [--root DIR]
       unroll train --resume RUN [--epochs N] [--steps N] [--device ...] [--threads N] [--root DIR]
  RUN is a run folder, an experiment name (its latest run) or <experiment>/<run-id>.
  Runs are stored under DIR/.unroll/runs (default DIR: the nearest folder above the experiment, or above
  this one for --resume, that holds .unroll/; else the current folder).`;

const DEVICES = new Set(['auto', 'cpu', 'webgpu', 'cuda']);

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
/** A second Ctrl-C sooner than this after the first is the same keypress delivered twice (timeout, kill -- -PGID). */
const REPEAT_MS = 150;

/** Ends this process by `sig` itself (default action restored), so the parent sees death by that signal. */
function reraise(sig: NodeJS.Signals): void {
  process.removeAllListeners(sig);
  process.kill(process.pid, sig);
}

export async function runTrain(argv: string[], io: CliIO = defaultIO, signals: NodeJS.EventEmitter = process, quit: (sig: NodeJS.Signals) => void = reraise): Promise<number> {
  if (wantsHelp(argv, TRAIN_USAGE, io)) return 0;
  const cwd = io.cwd ?? process.cwd();
  let job: Job;
  try {
    const { positional, options } = parseArgs(argv, { epochs: 'int', steps: 'int', device: 'string', threads: 'int', resume: 'string', root: 'string' }, TRAIN_USAGE);
    for (const k of ['epochs', 'steps'] as const) {
      if (options[k] === 0) throw new UsageError(`--${k} must be at least 1 (a run of 0 ${k} would train nothing)\n${TRAIN_USAGE}`);
    }
    if (options.threads === 0) throw new UsageError(`--threads must be at least 1\n${TRAIN_USAGE}`);
    if (options.device !== undefined && !DEVICES.has(String(options.device))) throw new UsageError(`--device must be auto, cpu, webgpu or cuda, got "${options.device}"\n${TRAIN_USAGE}`);
    // train FILE keeps its runs in the project above the experiment; --resume RUN looks above this folder.
    const near = options.resume === undefined && positional[0] ? path.dirname(path.resolve(cwd, positional[0])) : cwd;
    const common = {
      workspaceRoot: runsRoot(cwd, options.root, near),
      epochs: options.epochs as number | undefined,
      steps: options.steps as number | undefined,
      device: options.device as Device | undefined,
      threads: options.threads as number | undefined,
    };
    if (options.resume !== undefined) {
      if (positional.length) throw new UsageError(`--resume takes the run to continue; leave out FILE\n${TRAIN_USAGE}`);
      job = { kind: 'resume', params: { run: runRef(cwd, String(options.resume)), ...common } };
    } else {
      if (positional.length !== 1) throw new UsageError(TRAIN_USAGE);
      job = { kind: 'train', params: { file: path.resolve(cwd, positional[0]), ...common } };
    }
  } catch (e) {
    io.err(`unroll train: ${(e as Error).message}\n`);
    return 2;
  }

  const tty = io.tty ?? !!process.stderr.isTTY;
  const progress = new Progress({ write: io.err, tty, columns: process.stderr.columns });
  let outcome: { code: number } | undefined;
  let runDir: string | undefined;
  const h = start(job, io, (event, params) => {
    switch (event) {
      case 'runStarted': {
        const p = params as RunStartedParams;
        runDir = p.dir;
        progress.start({ epochs: p.epochs, stepsPerEpoch: p.stepsPerEpoch, steps: job.params && 'steps' in job.params ? job.params.steps : undefined, resumedStep: p.resumedFrom?.step, counts: p.counts });
        progress.line(`run ${p.dir}`);
        progress.line(`${p.experiment}: ${p.params.toLocaleString('en-US')} parameters, ${p.epochs} epochs of ${p.stepsPerEpoch} steps${p.maxSteps ? `, stopping at step ${p.maxSteps}` : ''}${p.resumedFrom ? `, resuming at step ${p.resumedFrom.step}` : ''}`);
        break;
      }
      case 'metrics': {
        const m = params as MetricsParams;
        if (m.kind === 'step') progress.step(m);
        else progress.epoch(m);
        break;
      }
      case 'checkpoint': {
        const c = params as CheckpointParams;
        if (!tty) progress.line(`checkpoint ${path.basename(c.path)} (step ${c.step})`);
        break;
      }
      case 'log': {
        const l = params as LogParams;
        progress.line(l.level === 'warn' ? `warning: ${l.message}` : l.message);
        break;
      }
      case 'validating': {
        const v = params as ValidatingParams;
        progress.validating(v.done, v.total);
        break;
      }
      case 'sample': {
        const s = params as SampleNotificationParams;
        progress.line(`sample after epoch ${s.epoch}: ${JSON.stringify(s.text)}`);
        break;
      }
      case 'finished': {
        const f = params as FinishedParams;
        const why = f.reason === 'completed' ? 'finished' : f.reason === 'steps' ? 'reached the step limit' : 'stopped';
        progress.line(`${why} at step ${f.step} (${f.epoch} epochs complete) in ${Math.round(progress.elapsed())}s; checkpoint ${f.checkpoint ?? 'none'}`);
        if (f.diverged) progress.line(`unroll train: warning: ${f.diverged}`);
        outcome = { code: f.diverged ? 1 : 0 };
        break;
      }
      case 'failed': {
        const f = params as FailedParams;
        progress.line(`unroll train: ${f.message}`);
        outcome = { code: 1 };
        break;
      }
    }
  });

  // Ctrl-C, SIGTERM (timeout, docker stop) and SIGHUP (a closed terminal) all stop after the current step
  // with a checkpoint, and the exit code says which signal it was (128 + its number), as shells expect. Only
  // a second Ctrl-C, pressed as a person would (not the copy `timeout` or a process-group kill delivers a
  // moment later), quits at once: by re-raising it, so the run folder stays consistent (every file in it is
  // written atomically), with a message that reads the folder for what it really keeps.
  let stopSignal: NodeJS.Signals | undefined;
  let stopAt = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (!stopSignal) {
      stopSignal = sig;
      stopAt = Date.now();
      progress.line(`${sig === 'SIGINT' ? 'Ctrl-C' : sig}: stopping after the current step and writing a checkpoint (Ctrl-C again to quit at once)...`);
      h.stop();
      return;
    }
    if (sig !== 'SIGINT' || Date.now() - stopAt < REPEAT_MS) return; // a duplicate, or SIGTERM/SIGHUP again: keep stopping
    progress.end();
    const ptr = runDir ? readCheckpointPointer(runDir) : undefined;
    const keeps = ptr
      ? `the run keeps its checkpoint at step ${ptr.step} (${ptr.file}); continue with \`unroll train --resume ${runDir}\``
      : `the run has no checkpoint yet${runDir ? ` (${runDir})` : ''}, so resuming it starts over`;
    io.err(`unroll train: quit before the stop finished; ${keeps}\n`);
    quit(sig);
  };
  const handlers = STOP_SIGNALS.map((sig) => [sig, () => onSignal(sig)] as const);
  for (const [sig, fn] of handlers) signals.on(sig, fn);
  try {
    const r = (await h.result) as TrainResult | undefined;
    await h.done;
    progress.end();
    if (r?.dir) io.out(`${r.dir}\n`);
    if (stopSignal && outcome?.code === 0) return SIGNAL_EXIT[stopSignal];
    return outcome?.code ?? 1;
  } catch (e) {
    progress.end();
    io.err(`unroll train: ${(e as Error).message}\n`);
    return 1;
  } finally {
    for (const [sig, fn] of handlers) signals.off(sig, fn);
  }
}
