// Shared by the run commands: start a job in the engine worker, print its log lines, and turn its outcome
// into an exit code (0 ok, 1 failed, 2 usage, 130 interrupted twice).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../../language/data/root';
import { startJob, type JobHandle } from '../runtime/host';
import type { Job, JobEvent } from '../runtime/jobs-types';

export interface CliIO {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Relative paths and the default runs root resolve against this (default: process.cwd()). */
  cwd?: string;
  /** Draw the progress bar (default: when stderr is a terminal). */
  tty?: boolean;
  /** Start jobs in this thread (tests); the CLI uses a worker. */
  inProcess?: boolean;
  /** stdout is a terminal (control characters are escaped there). */
  stdoutTty?: boolean;
}

/**
 * Where runs live (`<root>/.unroll/runs`): --root when given (never the file system's root), else the project
 * above `near` (the experiment's folder for train, the current folder otherwise): the nearest folder holding
 * `.unroll/`, as git finds `.git`; else the current folder.
 */
export function runsRoot(cwd: string, root: unknown, near: string = cwd): string {
  if (root !== undefined) {
    const r = path.resolve(cwd, String(root));
    if (path.dirname(r) === r) throw new Error(`--root ${r} would keep runs in the file system's root; give a project folder`);
    return r;
  }
  return projectRoot(near) ?? cwd;
}

/** A RUN argument that names an existing folder (relative to cwd) becomes absolute; names stay as they are. */
export function runRef(cwd: string, ref: string): string {
  const p = path.resolve(cwd, ref);
  return fs.existsSync(p) && fs.statSync(p).isDirectory() ? p : ref;
}

/** `--help`/`-h` anywhere: print the usage and succeed. */
export function wantsHelp(argv: string[], usage: string, io: CliIO): boolean {
  if (!argv.includes('--help') && !argv.includes('-h')) return false;
  io.out(usage + '\n');
  return true;
}

export const defaultIO: CliIO = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

export function start(job: Job, io: CliIO, onNotify: (event: JobEvent, params: unknown) => void): JobHandle {
  return startJob(job, { onNotify, inProcess: io.inProcess });
}

/** Run a job whose only output is its answer (sample, predict, export). */
export async function runSimple<T>(job: Job, io: CliIO, print: (r: T) => void, onEvent?: (event: JobEvent, params: unknown) => boolean): Promise<number> {
  const h = start(job, io, (event, params) => {
    if (onEvent?.(event, params)) return;
    if (event === 'log') io.err(`${(params as { message: string }).message}\n`);
  });
  try {
    const r = (await h.result) as T;
    await h.done;
    print(r);
    return 0;
  } catch (e) {
    io.err(`unroll: ${(e as Error).message}\n`);
    return 1;
  }
}
