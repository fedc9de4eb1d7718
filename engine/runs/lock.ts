// One trainer per run folder: `lock` holds the training process's id while it trains (CLI and editor alike,
// both train through engine/runtime/jobs.ts). A second train or resume of the same run is refused with a
// message naming the holder; a lock whose process is gone (killed, crashed) is taken over.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { processAlive } from './atomic';
import { RunError } from './store';

export const LOCK_FILE = 'lock';

interface LockInfo { pid: number; host: string; started: string }

export class RunLockedError extends RunError {}

function read(file: string): LockInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return undefined; // torn or empty: its writer died while creating it
  }
}

/**
 * Removes the lock a job of this process held when its worker thread died without releasing it (threads
 * share the process id, so the lock would otherwise look held until the process exits).
 */
export function releaseLockOf(dir: string, pid = process.pid): void {
  const file = path.join(dir, LOCK_FILE);
  if (read(file)?.pid === pid) fs.rmSync(file, { force: true });
}

/** Takes the run's lock or throws RunLockedError; returns the release function. */
export function lockRun(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  const me: LockInfo = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me) + '\n', { flag: 'wx' });
      return () => { if (read(file)?.pid === me.pid) fs.rmSync(file, { force: true }); };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = read(file);
    const stale = !held || (held.host === me.host && !processAlive(held.pid));
    if (!stale) {
      const where = held.host === me.host ? '' : ` on ${held.host}`;
      throw new RunLockedError(
        `run ${dir} is being trained by process ${held.pid}${where} (since ${held.started}); stop that one first (Ctrl-C in its terminal, Unroll: Stop Training in the editor, or kill ${held.pid}), or start a new run with unroll train`,
      );
    }
    fs.rmSync(file, { force: true });
  }
  throw new RunLockedError(`run ${dir}: could not take its lock file ${file}; another process keeps creating it`);
}
