// The worker-thread entry (bundled to dist/engine-worker.js): runs one job and posts its notifications.
// ORT's session.run blocks the thread that calls it, so training lives here and the engine process or CLI
// stays responsive; a stop arrives through a SharedArrayBuffer flag that the loop reads after every step.
import { parentPort, workerData } from 'node:worker_threads';
import { runJob } from './jobs';
import type { Job, WorkerMessage } from './jobs-types';

const { job, stop } = workerData as { job: Job; stop: SharedArrayBuffer };
const flag = new Int32Array(stop);
const post = (m: WorkerMessage) => parentPort!.postMessage(m);

runJob(job, {
  notify: (event, params) => post({ type: 'notify', event, params }),
  result: (value) => post({ type: 'result', value }),
  shouldStop: () => Atomics.load(flag, 0) !== 0,
})
  .then(() => post({ type: 'done' }))
  .catch((e: unknown) => {
    const err = e as Error & { file?: string; line?: number };
    post({ type: 'error', message: err?.message ?? String(e), file: err?.file, line: err?.line });
  });
