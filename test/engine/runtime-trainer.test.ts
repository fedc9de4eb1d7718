import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { train, type TrainerOptions } from '../../engine/runtime/trainer';
import { readLatestCheckpoint } from '../../engine/runs/checkpoint';
import { readMetrics } from '../../engine/runs/store';
import type { MetricsParams } from '../../engine/process/protocol';
import { linearDataset, linearModel, TRUE_B, TRUE_W } from './runtime-linear-model';

function opts(over: Partial<TrainerOptions> = {}): TrainerOptions & { seen: MetricsParams[] } {
  const seen: MetricsParams[] = [];
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-train-'));
  return {
    runId: 'r1', runDir, model: linearModel, dataset: linearDataset(), device: 'cpu', threads: 1, seed: 7, epochs: 3,
    optimizer: { name: 'sgd', params: { lr: 0.2 } }, lossFn: 'mse', metrics: ['accuracy'], shouldStop: () => false,
    events: { metrics: (m) => seen.push(m), checkpoint: () => {}, log: () => {} },
    seen, ...over,
  };
}

test('training feeds updated weights back each step, so the loss falls and the weights approach the truth', async () => {
  const o = opts({ epochs: 6 });
  const r = await train(o);
  assert.equal(r.reason, 'completed');
  assert.equal(r.step, 48);
  const steps = o.seen.filter((m) => m.kind === 'step');
  assert.equal(steps.length, 48);
  assert.ok(steps[47].loss < steps[0].loss / 20, `loss ${steps[0].loss} -> ${steps[47].loss}`);
  const ck = readLatestCheckpoint(o.runDir)!;
  assert.equal(ck.pointer.file, 'checkpoint-6.bin');
  const w = ck.state.tensors['param/w'].data;
  TRUE_W.forEach((v, i) => assert.ok(Math.abs(w[i] - v) < 0.1, `w[${i}] = ${w[i]}, want ${v}`));
  assert.ok(Math.abs(ck.state.tensors['param/b'].data[0] - TRUE_B) < 0.1);
});

test('each epoch writes a line with train and validation loss and metrics, and metrics.jsonl matches the notifications', async () => {
  const o = opts({ epochs: 2 });
  await train(o);
  const epochs = o.seen.filter((m) => m.kind === 'epoch');
  assert.equal(epochs.length, 2);
  const e2 = epochs[1];
  assert.ok(e2.kind === 'epoch' && e2.validLoss !== undefined && e2.validLoss < (epochs[0] as { validLoss: number }).validLoss);
  assert.ok(e2.kind === 'epoch' && e2.valid && e2.valid.accuracy >= 0 && e2.valid.accuracy <= 1);
  const disk = readMetrics(o.runDir);
  assert.deepEqual(disk.map((l) => [l.kind, l.step]), o.seen.map((l) => [l.kind, l.step]));
});

test('a stop request ends the run after the current step with a mid-epoch checkpoint', async () => {
  let n = 0;
  const o = opts({ shouldStop: () => ++n >= 5 });
  const r = await train(o);
  assert.equal(r.reason, 'stopped');
  assert.equal(r.step, 5);
  const ck = readLatestCheckpoint(o.runDir)!;
  assert.equal(ck.pointer.file, 'checkpoint-1-step5.bin');
  assert.equal(ck.state.epoch, 0);
  assert.equal(ck.state.stepInEpoch, 5);
});

test('resuming from a mid-epoch checkpoint gives exactly the weights of an uninterrupted run', async () => {
  const full = opts({ epochs: 2 });
  await train(full);
  let lastStep = 0;
  const part = opts({ epochs: 2, shouldStop: () => lastStep >= 11 });
  part.events.metrics = (m) => { lastStep = m.step; };
  await train(part);
  const ck = readLatestCheckpoint(part.runDir)!;
  assert.equal(ck.state.step, 11);
  const r = await train({ ...opts({ epochs: 2 }), runDir: part.runDir, resume: ck.state });
  assert.equal(r.reason, 'completed');
  assert.equal(r.step, 16);
  const a = readLatestCheckpoint(full.runDir)!.state.tensors['param/w'].data;
  const b = readLatestCheckpoint(part.runDir)!.state.tensors['param/w'].data;
  assert.deepEqual(Array.from(b), Array.from(a));
  assert.deepEqual(readMetrics(part.runDir).filter((l) => l.kind === 'step').map((l) => l.step), Array.from({ length: 16 }, (_, i) => i + 1));
});

test('the step limit stops training and checkpoints at that step', async () => {
  const o = opts({ steps: 3 });
  const r = await train(o);
  assert.equal(r.reason, 'steps');
  assert.equal(r.step, 3);
  assert.equal(readLatestCheckpoint(o.runDir)!.state.step, 3);
});

test('a diverging loss stops the run and keeps the last good checkpoint', async () => {
  // lr 5 with inputs in [-1, 1] overshoots more each step: the loss grows to inf/NaN within a few epochs.
  const o = opts({ epochs: 40, optimizer: { name: 'sgd', params: { lr: 5 } }, dataset: linearDataset({ scaleY: 1000 }) });
  const r = await train(o);
  assert.ok(r.nanMessage, 'the run reports the non-finite loss');
  assert.match(r.nanMessage!, /loss became (NaN|Infinity) at step \d+.*last good checkpoint is checkpoint-\d+\.bin.*Lower the learning rate/);
  const ck = readLatestCheckpoint(o.runDir)!;
  for (const t of Object.values(ck.state.tensors)) assert.ok(t.data.every(Number.isFinite), 'the checkpoint holds finite weights');
  assert.ok(ck.pointer.validLoss === undefined || Number.isFinite(ck.pointer.validLoss), `the last good checkpoint's validation loss is finite (${ck.pointer.validLoss})`);
});
