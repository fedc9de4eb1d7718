// The loss panel's reader of earlier runs (.unroll/runs/<experiment>/<run-id>/): settings and metrics into
// PanelRun, tolerant of what a crash leaves behind (a torn last line, missing files).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listRunIds, loadRuns, panelSettings, plannedSteps, readRun } from '../../client/engine/runs';
import type { RunSettings } from '../../engine/runs/store';

let root: string;
before(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-runs-')); });
after(() => fs.rmSync(root, { recursive: true, force: true }));

const settings = (runId: string, epochs: number): RunSettings => ({
  runId, experiment: 'char_lm', file: '/w/char_lm.rnn', created: '2025-01-01T00:00:00Z',
  train: { loss: 'cross_entropy', optimizer: { name: 'adam', params: { lr: 0.001 } }, clip: 5 },
  dims: { batch: 32, time: 100, vocab: 86 }, device: 'cpu', threads: 2, seed: 42, epochs, params: [], totalParams: 1234, optimizerSlots: ['m', 'v'],
});
const step = (i: number, epoch = 1) => JSON.stringify({ kind: 'step', epoch, step: i, loss: 4 - i * 0.1, tokens: 3200, tokensPerSec: 9000, ms: 20, lr: 0.001, time: 1000 + i });

function makeRun(id: string, body: { settings?: RunSettings; metrics?: string }): string {
  const dir = path.join(root, '.unroll', 'runs', 'char_lm', id);
  fs.mkdirSync(dir, { recursive: true });
  if (body.settings) fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(body.settings));
  if (body.metrics !== undefined) fs.writeFileSync(path.join(dir, 'metrics.jsonl'), body.metrics);
  return dir;
}

test('a run whose metrics.jsonl ends in a torn line (killed mid-write) loads every complete line', () => {
  const epoch = JSON.stringify({ kind: 'epoch', epoch: 1, step: 3, trainLoss: 3.8, validLoss: 3.9, train: {}, valid: { perplexity: 49 }, seconds: 1, time: 2000 });
  const dir = makeRun('20250101-000001', { settings: settings('20250101-000001', 3), metrics: [step(1), step(2), step(3), epoch, step(4, 2)].join('\n') + '\n' + step(5, 2).slice(0, 25) });
  const r = readRun(dir);
  assert.equal(r.runId, '20250101-000001');
  assert.deepEqual(r.steps.map((s) => s.step), [1, 2, 3, 4], 'the torn fifth line is skipped');
  assert.equal(r.steps[0].tokensPerSec, 9000);
  assert.deepEqual(r.epochs.map((e) => [e.epoch, e.validLoss, e.valid?.perplexity]), [[1, 3.9, 49]]);
  assert.equal(r.status, 'stopped', 'one of three epochs done: the run stopped early');
  assert.deepEqual(r.settings, { optimizer: 'adam', lr: 0.001, loss: 'cross_entropy', epochs: 3, clip: 5, batch: 32, time: 100, vocab: 86, params: 1234, device: 'cpu', threads: 2, seed: 42 });
});

test('missing settings.json or metrics.jsonl gives an empty part, not an error; folders with neither are not runs', () => {
  const noSettings = readRun(makeRun('20250101-000002', { metrics: step(1) + '\n' }));
  assert.equal(noSettings.runId, '20250101-000002');
  assert.equal(noSettings.experiment, 'char_lm');
  assert.deepEqual(noSettings.settings, {});
  assert.equal(noSettings.steps.length, 1);
  const noMetrics = readRun(makeRun('20250101-000003', { settings: settings('20250101-000003', 1) }));
  assert.deepEqual([noMetrics.steps.length, noMetrics.epochs.length], [0, 0]);
  fs.mkdirSync(path.join(root, '.unroll', 'runs', 'char_lm', 'not-a-run'), { recursive: true });
  fs.writeFileSync(path.join(root, '.unroll', 'runs', 'char_lm', 'stray.txt'), 'x');
  assert.deepEqual(listRunIds(root, 'char_lm'), ['20250101-000001', '20250101-000002', '20250101-000003']);
  assert.deepEqual(listRunIds(root, 'no_such_experiment'), []);
});

test('loadRuns gives the latest runs oldest first, leaving out the live one', () => {
  assert.deepEqual(loadRuns(root, 'char_lm', { limit: 2 }).map((r) => r.runId), ['20250101-000002', '20250101-000003']);
  assert.deepEqual(loadRuns(root, 'char_lm', { except: '20250101-000003' }).map((r) => r.runId), ['20250101-000001', '20250101-000002']);
});

test('planned steps are epochs times steps per epoch, capped by a step limit', () => {
  assert.equal(plannedSteps(settings('a', 3), 10), 30);
  assert.equal(plannedSteps({ ...settings('a', 3), steps: 12 }, 10), 12);
  assert.equal(plannedSteps(undefined, 10), undefined);
  assert.deepEqual(panelSettings(undefined), {});
});
