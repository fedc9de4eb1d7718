// Jobs in a worker thread, unbundled (the TypeScript worker through tsx): notifications arrive on the main
// thread, which stays free while ORT runs, and a stop set through the shared flag ends training after a step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startJob } from '../../engine/runtime/host';
import type { FinishedParams, MetricsParams } from '../../engine/process/protocol';
import { tinyExperiment } from './runtime-fixtures';

test('a training job in a worker thread reports to the main thread, which keeps running, and stops on request', async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-worker-'));
  const file = tinyExperiment(work, 'worker', { epochs: 100 });
  const steps: number[] = [];
  let finished: FinishedParams | undefined;
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const h = startJob({ kind: 'train', params: { file, workspaceRoot: work, device: 'cpu', threads: 1 } }, {
    onNotify: (event, params) => {
      if (event === 'metrics' && (params as MetricsParams).kind === 'step') {
        steps.push((params as MetricsParams).step);
        if (steps.length === 5) h.stop();
      }
      if (event === 'finished') finished = params as FinishedParams;
    },
  });
  const r = (await h.result) as { dir: string };
  await h.done;
  clearInterval(timer);
  assert.ok(fs.existsSync(path.join(r.dir, 'checkpoint.json')));
  assert.equal(finished?.reason, 'stopped');
  assert.ok(finished!.step >= 5 && finished!.step <= 7, `stopped at ${finished!.step}`);
  assert.ok(ticks > 5, 'the main thread ran timers while the worker trained');
  fs.rmSync(work, { recursive: true, force: true });
});

test('a job that fails before its run exists rejects its result with the readable message', async () => {
  const h = startJob({ kind: 'sample', params: { run: 'missing_experiment', workspaceRoot: os.tmpdir() } }, { onNotify: () => {} });
  await assert.rejects(h.result, /no run "missing_experiment"/);
  await assert.rejects(h.done, /no run "missing_experiment"/);
});
