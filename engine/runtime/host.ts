// Starting jobs: in a worker thread (the normal way: dist/engine-worker.js next to the bundle, or the
// TypeScript source through tsx when running unbundled), or in this thread (tests and benchmarks).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { releaseLockOf } from '../runs/lock';
import type { Job, JobEvent, JobSink, WorkerMessage } from './jobs-types';

export interface JobHandle {
  /** The request's answer (a train job answers once its run folder exists). */
  result: Promise<unknown>;
  /** Settles when the job has ended (training finished, failed or stopped). */
  done: Promise<void>;
  /** Ask the job to stop after its current step. */
  stop(): void;
}

export interface JobOptions {
  onNotify: (event: JobEvent, params: unknown) => void;
  /** Run in this thread instead of a worker (blocks the event loop while ORT runs). */
  inProcess?: boolean;
}

function workerEntry(): { code: string; eval: boolean } {
  // Bundled: dist/cli.js and dist/engine.js sit next to dist/engine-worker.js.
  const bundled = path.join(__dirname, 'engine-worker.js');
  if (fs.existsSync(bundled)) return { code: bundled, eval: false };
  // Unbundled (tests, tsx): register tsx's require hook inside the worker, then load the TypeScript entry.
  const src = path.join(__dirname, 'worker.ts');
  if (fs.existsSync(src)) return { code: `require('tsx/cjs'); require(${JSON.stringify(src)});`, eval: true };
  throw new Error(`the engine worker is missing: expected ${bundled}; run \`npm run build\``);
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => { resolve = a; reject = b; });
  promise.catch(() => {}); // callers may only await `done`
  return { promise, resolve, reject };
}

export class JobError extends Error {
  constructor(message: string, readonly file?: string, readonly line?: number) {
    super(message);
  }
}

export function startJob(job: Job, opts: JobOptions): JobHandle {
  const result = deferred<unknown>();
  const done = deferred<void>();
  let answered = false;
  const answer = (v: unknown) => { if (!answered) { answered = true; result.resolve(v); } };
  const fail = (e: JobError) => { if (!answered) { answered = true; result.reject(e); } done.reject(e); };

  if (opts.inProcess) {
    let stopped = false;
    const sink: JobSink = { notify: opts.onNotify, result: answer, shouldStop: () => stopped };
    // Imported lazily so a process that only starts workers never loads ORT on its main thread.
    void import('./jobs')
      .then((m) => m.runJob(job, sink))
      .then(() => { answer(undefined); done.resolve(); })
      .catch((e: Error & { file?: string; line?: number }) => fail(new JobError(e.message, e.file, e.line)));
    return { result: result.promise, done: done.promise, stop: () => { stopped = true; } };
  }

  const stopBuf = new SharedArrayBuffer(4);
  const flag = new Int32Array(stopBuf);
  const entry = workerEntry();
  // The worker's stdout is captured and sent to stderr: in the engine process stdout carries JSON-RPC.
  const w = new Worker(entry.code, { eval: entry.eval, workerData: { job, stop: stopBuf }, stdout: true, stderr: true });
  w.stdout.on('data', (d: Buffer) => process.stderr.write(d));
  w.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  let finished = false;
  let runDir: string | undefined;
  w.on('message', (m: WorkerMessage) => {
    if (m.type === 'notify') opts.onNotify(m.event, m.params);
    else if (m.type === 'result') {
      runDir = (m.value as { dir?: string } | undefined)?.dir;
      answer(m.value);
    }
    else if (m.type === 'error') { finished = true; fail(new JobError(m.message, m.file, m.line)); void w.terminate(); }
    else if (m.type === 'done') { finished = true; answer(undefined); done.resolve(); void w.terminate(); }
  });
  w.on('error', (e) => {
    finished = true;
    if (runDir) releaseLockOf(runDir);
    fail(new JobError(`the engine worker crashed: ${e.message}`));
  });
  w.on('exit', (code) => {
    if (finished) return;
    if (runDir) releaseLockOf(runDir); // the worker died holding its run's lock
    fail(new JobError(`the engine worker exited with code ${code} before the job ended (out of memory?)`));
  });
  return { result: result.promise, done: done.promise, stop: () => Atomics.store(flag, 0, 1) };
}
