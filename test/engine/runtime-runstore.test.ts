import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { decodeCheckpoint, encodeCheckpoint, readLatestCheckpoint, writeCheckpoint, type CheckpointState } from '../../engine/runs/checkpoint';
import { createRun, MetricsWriter, readMetrics, resolveRun, writeRunFiles, type RunSettings } from '../../engine/runs/store';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-runs-'));
}

function state(epoch: number, step: number, fill: number): CheckpointState {
  return {
    epoch, step, stepInEpoch: 0,
    tensors: {
      'param/emb.weight': { dims: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6].map((v) => v * fill)) },
      'opt/emb.weight/m': { dims: [3, 2], data: new Float32Array(6).fill(fill) },
    },
    meta: { best: 1.5 },
  };
}

function settings(runId: string): RunSettings {
  return { runId, experiment: 'tiny', file: '/x/tiny.rnn', created: new Date().toISOString(), train: {}, dims: { batch: 2 }, device: 'cpu', seed: 42, epochs: 1, params: [], totalParams: 0, optimizerSlots: [] };
}

test('a checkpoint round-trips every tensor, its dims and the epoch/step counters', () => {
  const s = state(3, 120, 0.5);
  const parts = encodeCheckpoint(s);
  const bytes = Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
  const back = decodeCheckpoint(bytes);
  assert.equal(back.epoch, 3);
  assert.equal(back.step, 120);
  assert.deepEqual(back.meta, { best: 1.5 });
  assert.deepEqual(back.tensors['param/emb.weight'].dims, [3, 2]);
  assert.deepEqual(Array.from(back.tensors['param/emb.weight'].data), [0.5, 1, 1.5, 2, 2.5, 3]);
  assert.deepEqual(Array.from(back.tensors['opt/emb.weight/m'].data), new Array(6).fill(0.5));
});

test('a truncated checkpoint is rejected with a message naming the file', () => {
  const parts = encodeCheckpoint(state(1, 1, 1));
  const bytes = Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
  assert.throws(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 5), 'run/checkpoint-1.bin'), /run\/checkpoint-1\.bin.*truncated/);
  assert.throws(() => decodeCheckpoint(Buffer.from('garbage-garbage'), 'f.bin'), /f\.bin.*magic/);
});

test('the checkpoint pointer always names the newest complete checkpoint and old files are pruned', () => {
  const dir = tmp();
  for (let e = 1; e <= 4; e++) writeCheckpoint(dir, state(e, e * 10, e), { loss: 1 / e });
  const latest = readLatestCheckpoint(dir)!;
  assert.equal(latest.pointer.file, 'checkpoint-4.bin');
  assert.equal(latest.pointer.loss, 0.25);
  assert.equal(latest.state.step, 40);
  assert.equal(latest.state.tensors['opt/emb.weight/m'].data[0], 4);
  const bins = fs.readdirSync(dir).filter((f) => f.endsWith('.bin')).sort();
  assert.deepEqual(bins, ['checkpoint-3.bin', 'checkpoint-4.bin']);
  assert.equal(fs.readdirSync(dir).filter((f) => f.includes('.tmp-')).length, 0);
});

test('a process killed while writing a checkpoint leaves the previous checkpoint readable', () => {
  const dir = tmp();
  writeCheckpoint(dir, state(1, 10, 1));
  // A child writes a large checkpoint in a loop and is killed with SIGKILL part-way through.
  const script = `
    const { writeCheckpoint } = require(${JSON.stringify(path.resolve('engine/runs/checkpoint.ts'))});
    const big = new Float32Array(4_000_000).fill(7);
    for (let e = 2; ; e++) {
      writeCheckpoint(${JSON.stringify(dir)}, { epoch: e, step: e, stepInEpoch: 0, tensors: { 'param/w': { dims: [big.length], data: big } } });
      process.stdout.write('wrote ' + e + '\\n');
    }
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { timeout: 5000, killSignal: 'SIGKILL', encoding: 'utf8' });
  assert.equal(r.signal, 'SIGKILL');
  assert.match(r.stdout, /wrote 2/, 'the child wrote at least one checkpoint before it was killed');
  const latest = readLatestCheckpoint(dir)!;
  assert.ok(latest.state.epoch >= 1);
  const n = Object.values(latest.state.tensors)[0].data.length;
  assert.ok(n === 6 || n === 4_000_000, 'the pointed-at checkpoint is complete');
});

test('runs get distinct time-sortable ids and RUN resolves by folder, experiment or experiment/id', () => {
  const root = tmp();
  const now = new Date(2026, 0, 2, 3, 4, 5);
  const a = createRun(root, 'char lm', now);
  const b = createRun(root, 'char lm', now);
  assert.equal(a.runId, '20260102-030405');
  assert.equal(b.runId, '20260102-030405-02');
  assert.equal(a.experiment, 'char_lm');
  for (const r of [a, b]) writeRunFiles(r.dir, { experimentText: 'experiment x\n', settings: settings(r.runId), vocab: { tokens: ['a'] } });
  assert.equal(resolveRun('char_lm', root).dir, b.dir);
  assert.equal(resolveRun(`char_lm/${a.runId}`, root).dir, a.dir);
  assert.equal(resolveRun(a.dir, root).runId, a.runId);
  assert.throws(() => resolveRun('nope', root), /no run "nope".*char_lm/);
});

test('metrics.jsonl keeps one line per step after resuming from an earlier checkpoint', () => {
  const dir = tmp();
  const w = new MetricsWriter(dir);
  for (let s = 1; s <= 5; s++) w.append({ kind: 'step', step: s, loss: 1 });
  w.append({ kind: 'epoch', epoch: 1, step: 5 });
  fs.appendFileSync(w.file, '{"kind":"step","st'); // a line torn by a kill
  w.truncateAfter(3);
  const lines = readMetrics(dir);
  assert.deepEqual(lines.map((l) => l.step), [1, 2, 3]);
});

test('a run lock: a second taker is refused naming the holder; a dead holder\'s lock is taken over; a dead worker\'s lock is released', async () => {
  const { lockRun, releaseLockOf, RunLockedError } = await import('../../engine/runs/lock');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-lock-'));
  try {
    const release = lockRun(dir);
    assert.throws(() => lockRun(dir), (e: Error) => e instanceof RunLockedError && new RegExp(`being trained by process ${process.pid}`).test(e.message));
    release();
    assert.ok(!fs.existsSync(path.join(dir, 'lock')), 'released');
    fs.writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid: 2 ** 22 + 17, host: os.hostname(), started: 'then' }));
    lockRun(dir)(); // a process that no longer exists: taken over
    lockRun(dir);
    releaseLockOf(dir, 12345);
    assert.ok(fs.existsSync(path.join(dir, 'lock')), 'another process\'s lock is left alone');
    releaseLockOf(dir);
    assert.ok(!fs.existsSync(path.join(dir, 'lock')), 'this process\'s lock is released after its worker died');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
