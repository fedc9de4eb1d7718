// The bundled engine process end to end: JSON-RPC over stdio, a real experiment trained on CPU, the
// notifications a client sees, stop mid-run, and resume from disk after the process was killed with -9.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  ResumeRequest, StopRequest, TrainRequest, SampleRequest, ExportRequest,
  type CheckpointParams, type FinishedParams, type MetricsParams, type RunStartedParams, type FailedParams,
} from '../../engine/process/protocol';
import { buildEngine, tinyExperiment } from './runtime-fixtures';
import { readMetrics } from '../../engine/runs/store';
import { readLatestCheckpoint } from '../../engine/runs/checkpoint';

let dist: string;
let work: string;
before(async () => {
  dist = await buildEngine();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-process-'));
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

interface Engine {
  child: ChildProcess;
  conn: MessageConnection;
  events: { method: string; params: any }[];
  waitFor(pred: (e: { method: string; params: any }) => boolean, ms?: number): Promise<{ method: string; params: any }>;
  close(): Promise<void>;
}

function startEngine(): Engine {
  const child = spawn(process.execPath, [path.join(dist, 'engine.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const events: Engine['events'] = [];
  const waiters: { pred: (e: Engine['events'][0]) => boolean; resolve: (e: Engine['events'][0]) => void }[] = [];
  conn.onNotification((method, params) => {
    const e = { method, params };
    events.push(e);
    for (const w of [...waiters]) if (w.pred(e)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(e); }
  });
  conn.listen();
  return {
    child, conn, events,
    waitFor(pred, ms = 120_000) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out; events: ${events.map((e) => e.method).join(' ')}\nstderr: ${stderr.slice(-2000)}`)), ms);
        waiters.push({ pred, resolve: (e) => { clearTimeout(t); resolve(e); } });
      });
    },
    async close() {
      conn.dispose();
      child.stdin!.end();
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

const isStep = (e: { method: string; params: any }) => e.method === 'unroll/metrics' && e.params.kind === 'step';

test('training one epoch through the engine process reports run start with shapes, step and epoch metrics, a checkpoint and the finish', async () => {
  const file = tinyExperiment(work, 'one', { epochs: 1 });
  const eng = startEngine();
  try {
    const r = await eng.conn.sendRequest(TrainRequest, { file, workspaceRoot: work, device: 'cpu', threads: 1 });
    assert.ok(fs.existsSync(path.join(r.dir, 'settings.json')));
    const fin = (await eng.waitFor((e) => e.method === 'unroll/finished' || e.method === 'unroll/failed')).params as FinishedParams & FailedParams;
    assert.equal(fin.reason, 'completed', fin.message);
    const started = eng.events.find((e) => e.method === 'unroll/runStarted')!.params as RunStartedParams;
    assert.equal(started.runId, r.runId);
    assert.deepEqual(started.shapes.logits.map(([n]) => n), ['batch', 'time', 'vocab']);
    assert.equal(started.shapes.logits[1][1], 16);
    const steps = eng.events.filter(isStep).map((e) => e.params as MetricsParams);
    assert.equal(steps.length, started.stepsPerEpoch);
    assert.ok(steps.every((s) => s.kind === 'step' && Number.isFinite(s.loss) && s.tokensPerSec > 0));
    const epoch = eng.events.find((e) => e.method === 'unroll/metrics' && e.params.kind === 'epoch')!.params;
    assert.ok(Number.isFinite(epoch.validLoss) && epoch.valid.perplexity > 1);
    const ck = eng.events.find((e) => e.method === 'unroll/checkpoint')!.params as CheckpointParams;
    assert.ok(fs.existsSync(ck.path) && ck.path.endsWith('checkpoint-1.bin'));
    assert.deepEqual(fs.readdirSync(r.dir).sort(), ['checkpoint-1.bin', 'checkpoint.json', 'experiment.rnn', 'metrics.jsonl', 'settings.json', 'vocab.json']);
    // The trained run can be sampled and exported through the same process.
    const s = await eng.conn.sendRequest(SampleRequest, { run: r.dir, prime: 'The ', length: 20, workspaceRoot: work });
    assert.ok(s.text.startsWith('The ') && s.text.length === 24, JSON.stringify(s.text));
    const x = await eng.conn.sendRequest(ExportRequest, { run: 'tiny_one', workspaceRoot: work });
    assert.ok(fs.statSync(x.path).size === x.bytes && x.bytes > 1000);
  } finally {
    await eng.close();
  }
});

test('a stop request ends a long run within a step or two and leaves a resumable checkpoint', async () => {
  const file = tinyExperiment(work, 'stop', { epochs: 200 });
  const eng = startEngine();
  try {
    const r = await eng.conn.sendRequest(TrainRequest, { file, workspaceRoot: work, device: 'cpu', threads: 1 });
    await eng.waitFor((e) => isStep(e) && e.params.step >= 3);
    const stopped = await eng.conn.sendRequest(StopRequest, { runId: r.runId });
    const atStop = eng.events.filter(isStep).length;
    assert.deepEqual(stopped.stopped, [r.runId]);
    const fin = (await eng.waitFor((e) => e.method === 'unroll/finished', 30_000)).params as FinishedParams;
    assert.equal(fin.reason, 'stopped');
    assert.ok(fin.step <= atStop + 2, `stopped at step ${fin.step}, asked at ${atStop}`);
    const ck = readLatestCheckpoint(r.dir)!;
    assert.equal(ck.state.step, fin.step);
  } finally {
    await eng.close();
  }
});

test('after kill -9 mid-run, resume continues from the last checkpoint and metrics.jsonl stays one line per step', async () => {
  const file = tinyExperiment(work, 'kill', { epochs: 200 });
  const eng = startEngine();
  const r = await eng.conn.sendRequest(TrainRequest, { file, workspaceRoot: work, device: 'cpu', threads: 1 });
  const ck = (await eng.waitFor((e) => e.method === 'unroll/checkpoint')).params as CheckpointParams;
  await eng.waitFor((e) => isStep(e) && e.params.step >= ck.step + 2);
  eng.child.kill('SIGKILL');
  await new Promise((res) => eng.child.once('exit', res));
  const onDisk = readLatestCheckpoint(r.dir)!;
  assert.ok(onDisk.state.step >= ck.step);
  assert.ok(readMetrics(r.dir).filter((l) => l.kind === 'step').length > onDisk.state.step, 'steps after the checkpoint were logged before the kill');

  const eng2 = startEngine();
  try {
    const rr = await eng2.conn.sendRequest(ResumeRequest, { run: `tiny_kill/${r.runId}`, workspaceRoot: work, steps: onDisk.state.step + 3, threads: 1 });
    assert.equal(rr.dir, r.dir);
    const started = (await eng2.waitFor((e) => e.method === 'unroll/runStarted')).params as RunStartedParams;
    assert.equal(started.resumedFrom?.step, onDisk.state.step);
    const fin = (await eng2.waitFor((e) => e.method === 'unroll/finished' || e.method === 'unroll/failed')).params as FinishedParams;
    assert.equal(fin.reason, 'steps');
    assert.equal(fin.step, onDisk.state.step + 3);
    const steps = readMetrics(r.dir).filter((l) => l.kind === 'step').map((l) => l.step);
    assert.deepEqual(steps, Array.from({ length: fin.step }, (_, i) => i + 1));
  } finally {
    await eng2.close();
  }
});

test('a request with a broken experiment is answered with an error naming file and line, and the process keeps serving', async () => {
  const file = path.join(work, 'broken.rnn');
  fs.writeFileSync(file, fs.readFileSync(tinyExperiment(work, 'ok', { epochs: 1 }), 'utf8').replace('embedding(x, vocab, embed)', 'embeding(x, vocab, embed)'));
  const eng = startEngine();
  try {
    await assert.rejects(eng.conn.sendRequest(TrainRequest, { file, workspaceRoot: work }), /broken\.rnn:\d+:\d+: error \[unknown-op\]/);
    await assert.rejects(eng.conn.sendRequest(SampleRequest, { run: 'no_such_run', workspaceRoot: work }), /no run "no_such_run"/);
    const stopped = await eng.conn.sendRequest(StopRequest, {});
    assert.deepEqual(stopped.stopped, []);
  } finally {
    await eng.close();
  }
});
