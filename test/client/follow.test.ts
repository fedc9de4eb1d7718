// A run another program writes (train.py in a terminal) reaches the loss panel as its files grow: the
// follower finds the new run folder, then passes each complete metrics.jsonl line on, a torn one later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunFollower, type RunSink } from '../../client/engine/follow';
import { trainCommand } from '../../client/engine/torch';

function sink() {
  const calls: string[] = [];
  const s: RunSink = {
    runStarted: (p) => calls.push(`started ${p.runId} ${p.experiment} ${p.epochs}x${p.stepsPerEpoch} (${p.deviceReason})`),
    step: (id, st) => calls.push(`step ${id} ${st.step} ${st.loss}`),
    epoch: (id, e) => calls.push(`epoch ${id} ${e.epoch} ${e.trainLoss}`),
    status: (id, st, m) => calls.push(`status ${id} ${st}${m ? ` ${m}` : ''}`),
    prediction: (id, p) => calls.push(`prediction ${id} ${p.epoch} ${p.output}~${p.target} ${p.predicted.join(',')}`),
  };
  return { calls, s };
}

test('a new run is followed from settings.json on; metrics lines go on as they are completed; the end is the exit code', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-follow-'));
  const runs = path.join(root, '.unroll', 'runs', 'exp');
  fs.mkdirSync(path.join(runs, '20260101-000000'), { recursive: true });
  fs.writeFileSync(path.join(runs, '20260101-000000', 'settings.json'), '{"runId":"20260101-000000","experiment":"exp"}');
  const { calls, s } = sink();
  const f = new RunFollower(root, 'exp', s);
  f.poll();
  assert.deepEqual(calls, [], 'an earlier run is not the one started');
  const dir = path.join(runs, '20260101-000100');
  fs.mkdirSync(dir);
  f.poll();
  assert.deepEqual(calls, [], 'no settings.json yet');
  fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ runId: '20260101-000100', experiment: 'exp', file: '/x/exp.rnn', device: 'cpu', epochs: 2, steps: null, stepsPerEpoch: 5, processes: 2 }));
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"kind":"step","epoch":1,"step":1,"loss":2.5}\n{"kind":"step","epoch":1,"ste');
  f.poll();
  assert.deepEqual(calls, ['started 20260101-000100 exp 2x5 (PyTorch, 2 processes)', 'step 20260101-000100 1 2.5']);
  fs.appendFileSync(path.join(dir, 'metrics.jsonl'), 'p":2,"loss":2.25}\n{"kind":"epoch","epoch":1,"step":2,"trainLoss":2.4,"train":{}}\n');
  f.finish(0);
  assert.deepEqual(calls.slice(2), ['step 20260101-000100 2 2.25', 'epoch 20260101-000100 1 2.4', 'status 20260101-000100 completed']);
  assert.equal(f.run, dir);
  fs.rmSync(root, { recursive: true, force: true });
});

test('a regression\'s validation prediction goes to the panel after the epoch it was made in, not a stale one', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-follow-'));
  const { calls, s } = sink();
  const f = new RunFollower(root, 'sine', s);
  const dir = path.join(root, '.unroll', 'runs', 'sine', '20260101-000200');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ runId: '20260101-000200', experiment: 'sine', epochs: 2, stepsPerEpoch: 1 }));
  const figure = (epoch: number) => JSON.stringify({ runId: '20260101-000200', epoch, step: epoch, output: 'out', target: 'y', truth: [0, 1], predicted: [0.5, epoch] });
  fs.writeFileSync(path.join(dir, 'validation-prediction.json'), figure(1));
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), '{"kind":"epoch","epoch":1,"step":1,"trainLoss":0.3,"train":{}}\n{"kind":"epoch","epoch":2,"step":2,"trainLoss":0.2,"train":{}}\n');
  f.poll();
  assert.deepEqual(calls.slice(1), ['epoch 20260101-000200 1 0.3', 'prediction 20260101-000200 1 out~y 0.5,1', 'epoch 20260101-000200 2 0.2']);
  fs.rmSync(root, { recursive: true, force: true });
});

test('the terminal command: python alone for one process, torch.distributed.run for more (with the flags torch 1.x needs on Python 3.11)', () => {
  const t = { python: '/usr/bin/python3', torch: '1.13.0a0+git7c98e70', py: [3, 11] as [number, number] };
  assert.equal(trainCommand(t, "/w/it's/train.py", 1), `'/usr/bin/python3' '/w/it'\\''s/train.py'`);
  assert.equal(trainCommand(t, '/w/train.py', 4), `'/usr/bin/python3' -m torch.distributed.run --standalone --nproc_per_node 4 --redirects 2 --tee 2 '/w/train.py'`);
  assert.equal(trainCommand({ ...t, torch: '2.4.1' }, '/w/train.py', 2), `'/usr/bin/python3' -m torch.distributed.run --standalone --nproc_per_node 2 '/w/train.py'`);
});
