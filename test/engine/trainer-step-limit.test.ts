// A run that ends at `steps` in the middle of an epoch still validates: the figure such a run is judged by
// (char_lm after 3,000 steps) must not depend on where the epoch boundary falls. A stop request does not wait
// for validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { train } from '../../engine/runtime/trainer';
import { readLatestCheckpoint } from '../../engine/runs/checkpoint';
import { readMetrics } from '../../engine/runs/store';
import type { MetricsParams } from '../../engine/process/protocol';
import { linearDataset, linearModel } from './runtime-linear-model';

async function run(over: { steps?: number; stopAfter?: number }) {
  const seen: MetricsParams[] = [];
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-limit-'));
  const r = await train({
    runId: 'r', runDir, model: linearModel, dataset: linearDataset(), device: 'cpu', threads: 1, seed: 7, epochs: 3, steps: over.steps,
    optimizer: { name: 'sgd', params: { lr: 0.2 } }, lossFn: 'mse', metrics: ['accuracy'],
    shouldStop: () => over.stopAfter !== undefined && seen.filter((m) => m.kind === 'step').length >= over.stopAfter,
    events: { metrics: (m) => seen.push(m), checkpoint: () => {}, log: () => {} },
  });
  return { r, seen, runDir };
}

test('stopping at `steps` mid-epoch reports validation loss and metrics for the partial epoch, in notifications and metrics.jsonl', async () => {
  const { r, seen, runDir } = await run({ steps: 11 }); // 8 batches an epoch: step 11 is inside epoch 2
  assert.equal(r.reason, 'steps');
  const epochs = seen.filter((m) => m.kind === 'epoch');
  assert.deepEqual(epochs.map((e) => [e.epoch, e.step]), [[1, 8], [2, 11]]);
  const last = epochs[1];
  assert.ok(last.kind === 'epoch' && typeof last.validLoss === 'number' && Number.isFinite(last.validLoss), 'validation loss at the limit');
  assert.ok(last.kind === 'epoch' && last.valid && 'accuracy' in last.valid);
  assert.deepEqual(readMetrics(runDir).filter((l) => l.kind === 'epoch').map((l) => l.step), [8, 11]);
  assert.equal(readLatestCheckpoint(runDir)!.state.step, 11);
});

test('a stop request ends the run without waiting for validation', async () => {
  const { r, seen } = await run({ stopAfter: 3 });
  assert.equal(r.reason, 'stopped');
  assert.deepEqual(seen.filter((m) => m.kind === 'epoch'), []);
});
