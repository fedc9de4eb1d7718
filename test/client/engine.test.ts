// The client's engine manager against the real bundled engine process (dist/engine.js over node IPC): lazy
// start, a training run's notifications, stop, a SIGKILL mid-run (clear failure, files intact, resume in a
// fresh engine), and the per-epoch text sample of a language model.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineManager } from '../../client/engine/manager';
import { readMetricsLines, readRun } from '../../client/engine/runs';
import { readLatestCheckpoint } from '../../engine/runs/checkpoint';
import { ENGINE, arithmetic, assertBuilt, charLm, is, recorder } from './fixtures';

let work: string;
before(() => {
  assertBuilt();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-client-engine-'));
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

test('the engine starts on the first request, trains the arithmetic experiment and reports shapes, metrics and completion', async () => {
  const m = new EngineManager({ enginePath: ENGINE });
  const rec = recorder(m);
  try {
    assert.equal(m.running, false, 'nothing starts before the first request');
    const file = arithmetic(work, 'arith_two', 2);
    const r = await m.train({ file, workspaceRoot: work });
    assert.equal(m.running, true);
    assert.ok(fs.existsSync(path.join(r.dir, 'settings.json')));
    const started = await rec.waitFor(is('runStarted'));
    assert.equal(started.params.runId, r.runId);
    assert.equal(started.params.file, file);
    assert.deepEqual(started.params.shapes.logits.map(([n]) => n), ['batch', 'tgt', 'vocab']);
    assert.equal(started.params.shapes.logits[2][1], 13, 'the arithmetic vocabulary has 13 symbols');
    assert.ok(m.liveRuns().some((l) => l.runId === r.runId), 'a started run is live');
    const fin = await rec.waitFor(is('finished'));
    assert.equal(fin.params.reason, 'completed');
    assert.equal(m.liveRuns().length, 0, 'a finished run is no longer live');
    const steps = rec.events.filter(is('metrics', (e) => e.params.kind === 'step'));
    assert.equal(steps.length, 2 * started.params.stepsPerEpoch);
    assert.equal(rec.events.filter(is('metrics', (e) => e.params.kind === 'epoch')).length, 2);
    // The panel's reader sees the same run on disk.
    const onDisk = readRun(r.dir);
    assert.equal(onDisk.steps.length, steps.length);
    assert.equal(onDisk.status, 'completed');
    assert.equal(onDisk.settings.optimizer, 'adam');
  } finally {
    await m.dispose();
  }
  assert.equal(m.running, false);
  await assert.rejects(m.sample({ run: 'x' }), /shut down/, 'a disposed manager refuses requests instead of starting an engine');
});

test('stop ends a long run after a step or two with reason "stopped"', async () => {
  const m = new EngineManager({ enginePath: ENGINE });
  const rec = recorder(m);
  try {
    const r = await m.train({ file: arithmetic(work, 'arith_stop', 500), workspaceRoot: work });
    const at = await rec.waitFor(is('metrics', (e) => e.params.kind === 'step' && e.params.step >= 3));
    const s = await m.stop({ runId: r.runId });
    assert.deepEqual(s.stopped, [r.runId]);
    const fin = await rec.waitFor(is('finished'), 30_000);
    assert.equal(fin.params.reason, 'stopped');
    assert.ok(fin.params.step <= at.params.step + 3, `stopped at step ${fin.params.step}, asked after step ${at.params.step}`);
    assert.equal(readLatestCheckpoint(r.dir)!.state.step, fin.params.step, 'the stop wrote a checkpoint at the last step');
  } finally {
    await m.dispose();
  }
});

test('SIGKILL of the engine mid-run fails the live run and pending requests clearly; the files parse and resume works in a fresh engine', async () => {
  const m = new EngineManager({ enginePath: ENGINE });
  const rec = recorder(m);
  try {
    const r = await m.train({ file: arithmetic(work, 'arith_kill', 500), workspaceRoot: work });
    const ck = await rec.waitFor(is('checkpoint'));
    await rec.waitFor(is('metrics', (e) => e.params.kind === 'step' && e.params.step > ck.params.step + 2));
    const firstPid = m.pid!;
    // A request in flight when the engine dies must not hang.
    const pending = m.train({ file: arithmetic(work, 'arith_pending', 1), workspaceRoot: work });
    process.kill(firstPid, 'SIGKILL');
    await assert.rejects(pending, /the engine process exited \(signal SIGKILL\) before answering/);
    const failed = await rec.waitFor(is('failed', (e) => e.params.runId === r.runId));
    assert.equal(failed.crashed, true);
    assert.match(failed.params.message, /^the engine process exited \(signal SIGKILL\); the run's files are kept in /);
    assert.ok(failed.params.message.includes(r.dir), failed.params.message);
    assert.match(failed.params.message, /Resume continues from the last checkpoint/);
    const exit = await rec.waitFor(is('exit'));
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(exit.expected, false);
    assert.equal(m.running, false);
    assert.equal(m.liveRuns().length, 0);

    // Every complete line of metrics.jsonl parses (a torn last line is skipped by the reader).
    const lines = readMetricsLines(r.dir);
    const steps = lines.filter((l) => l.kind === 'step');
    assert.ok(steps.length >= ck.params.step, `${steps.length} step lines, checkpoint at ${ck.params.step}`);
    assert.deepEqual(steps.map((l) => l.step), steps.map((_, i) => i + 1), 'one line per step, in order');

    // The next request starts a fresh engine; resume continues from the checkpoint.
    const saved = readLatestCheckpoint(r.dir)!.state;
    const resumed = await m.resume({ run: r.dir, workspaceRoot: work, epochs: saved.epoch + 1 });
    assert.notEqual(m.pid, firstPid, 'a new engine process');
    assert.equal(resumed.runId, r.runId);
    const again = await rec.waitFor(is('runStarted', (e) => e.params.runId === r.runId && !!e.params.resumedFrom));
    assert.equal(again.params.resumedFrom!.step, saved.step);
    const fin = await rec.waitFor(is('finished', (e) => e.params.runId === r.runId));
    assert.equal(fin.params.reason, 'completed');
    assert.equal(fin.params.epoch, saved.epoch + 1);
    const after = readMetricsLines(r.dir).filter((l) => l.kind === 'step');
    assert.deepEqual(after.map((l) => l.step), after.map((_, i) => i + 1), 'resume kept one line per step');
  } finally {
    await m.dispose();
  }
});

test('a language model with a sample block reports generated text after each epoch', async () => {
  const m = new EngineManager({ enginePath: ENGINE });
  const rec = recorder(m);
  try {
    const r = await m.train({ file: charLm(work, 'lm_sample', 2), workspaceRoot: work });
    const fin = await rec.waitFor(is('finished'));
    assert.equal(fin.params.reason, 'completed');
    const samples = rec.events.filter(is('sample')).map((e) => e.params);
    assert.deepEqual(samples.map((s) => [s.runId, s.epoch]), [[r.runId, 1], [r.runId, 2]]);
    for (const s of samples) {
      assert.equal(s.prime, 'The ');
      assert.ok(s.text.startsWith('The ') && s.text.length === 4 + 24, JSON.stringify(s.text));
    }
    // The sample comes after that epoch's metrics (its validation) and before the next epoch's steps.
    const order = rec.events.filter((e) => e.type === 'sample' || (e.type === 'metrics' && e.params.kind === 'epoch')).map((e) => e.type);
    assert.deepEqual(order, ['metrics', 'sample', 'metrics', 'sample']);
    assert.ok(!rec.events.some(is('log', (e) => e.params.level === 'warn')), 'no sampling warnings');
  } finally {
    await m.dispose();
  }
});

test('an experiment without a sample block, or not a language model, gets no per-epoch sample', async () => {
  const m = new EngineManager({ enginePath: ENGINE });
  const rec = recorder(m);
  try {
    await m.train({ file: arithmetic(work, 'arith_nosample', 1), workspaceRoot: work });
    await rec.waitFor(is('finished'));
    assert.equal(rec.events.filter(is('sample')).length, 0);
  } finally {
    await m.dispose();
  }
});

test('a missing engine bundle is a clear error naming the file and the fix, and starts nothing', async () => {
  const m = new EngineManager({ enginePath: path.join(work, 'no-such', 'engine.js') });
  await assert.rejects(m.train({ file: path.join(work, 'x.rnn') }), /the engine bundle .*no-such\/engine\.js is missing; run `npm run build`/);
  assert.equal(m.running, false);
  assert.deepEqual(await m.stop(), { stopped: [] }, 'stop with no engine running starts none');
  assert.equal(m.running, false);
});
