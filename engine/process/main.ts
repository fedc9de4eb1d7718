// The engine process (bundled to dist/engine.js): serves the protocol in protocol.ts over stdio
// (`--stdio`, the default) or node IPC (`--node-ipc`). Each job runs in its own worker thread, so this
// thread always answers (a stop request is honoured within one training step). Bad input never ends the
// process: every handler answers with a JSON-RPC error instead.
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, ResponseError, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { startJob, type JobHandle } from '../runtime/host';
import type { Job, JobEvent } from '../runtime/jobs-types';
import {
  ExportRequest, PredictRequest, ResumeRequest, SampleRequest, StopRequest, TrainRequest,
  type FailedParams, type FinishedParams, type RunStartedParams, type TrainResult,
} from './protocol';

const ipc = process.argv.includes('--node-ipc');
// stdout carries the protocol in stdio mode: anything else printed goes to stderr.
console.log = (...a: unknown[]) => console.error(...a);
console.info = console.log;

const connection: MessageConnection = ipc
  ? createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process))
  : createMessageConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout));

const active = new Map<string, JobHandle>();

function run(job: Job): JobHandle {
  let runId: string | undefined;
  const h = startJob(job, {
    onNotify: (event: JobEvent, params: unknown) => {
      if (event === 'runStarted') {
        runId = (params as RunStartedParams).runId;
        active.set(runId, h);
      }
      if ((event === 'finished' || event === 'failed') && (params as FinishedParams | FailedParams).runId) {
        active.delete((params as FinishedParams).runId);
      }
      void connection.sendNotification(`unroll/${event}`, params);
    },
  });
  h.done.then(
    () => { if (runId) active.delete(runId); },
    (e: Error) => {
      // A worker that dies mid-run (native crash, out of memory) still ends the run for the client.
      if (runId && active.has(runId)) {
        active.delete(runId);
        void connection.sendNotification('unroll/failed', { runId, message: e.message } satisfies FailedParams);
      }
    },
  );
  return h;
}

async function answer<T>(job: Job): Promise<T | ResponseError<void>> {
  try {
    const h = run(job);
    const r = (await h.result) as T;
    if (job.kind !== 'train' && job.kind !== 'resume') await h.done;
    return r;
  } catch (e) {
    return new ResponseError<void>(1, (e as Error).message);
  }
}

connection.onRequest(TrainRequest, (params) => answer<TrainResult>({ kind: 'train', params }));
connection.onRequest(ResumeRequest, (params) => answer<TrainResult>({ kind: 'resume', params }));
connection.onRequest(SampleRequest, (params) => answer({ kind: 'sample', params }));
connection.onRequest(PredictRequest, (params) => answer({ kind: 'predict', params }));
connection.onRequest(ExportRequest, (params) => answer({ kind: 'export', params }));
connection.onRequest(StopRequest, (params) => {
  const ids = params?.runId ? [params.runId] : [...active.keys()];
  const stopped: string[] = [];
  for (const id of ids) {
    const h = active.get(id);
    if (h) {
      h.stop();
      stopped.push(id);
    }
  }
  return { stopped };
});

let exiting = false;
function shutdown(code = 0): void {
  if (exiting) return;
  exiting = true;
  // Ask running jobs to stop (they checkpoint after their current step), then leave.
  for (const h of active.values()) h.stop();
  const pending = [...active.values()].map((h) => h.done.catch(() => undefined));
  void Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 10_000))]).then(() => process.exit(code));
}

// A stream that breaks the protocol (a header without Content-Length, a negative length, a body that is not
// JSON) leaves the reader unable to find the next message: say so and exit, so the client starts a fresh
// engine, instead of staying alive and answering nothing.
connection.onError(([error]) => {
  console.error(`engine: the client sent something that is not a JSON-RPC message (${error.message}); exiting so it can start a fresh engine`);
  shutdown(2);
});
connection.onClose(() => shutdown());
process.on('SIGTERM', () => shutdown());
process.on('SIGHUP', () => shutdown());
process.on('uncaughtException', (e) => console.error('engine: unexpected error (continuing):', e));
process.on('unhandledRejection', (e) => console.error('engine: unhandled rejection (continuing):', e));
connection.listen();
