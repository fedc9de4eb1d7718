import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Serialiser, withTimeout } from '../../client/serialise';

/** A job whose runs we can finish one at a time, recording overlap. */
function controlledJob() {
  const log: string[] = [];
  const finishers: (() => void)[] = [];
  let active = 0;
  let maxActive = 0;
  let runs = 0;
  const job = () => new Promise<void>((resolve) => {
    const n = ++runs;
    active++; maxActive = Math.max(maxActive, active);
    log.push(`start ${n}`);
    finishers.push(() => { active--; log.push(`end ${n}`); resolve(); });
  });
  return { job, log, finishers, get maxActive() { return maxActive; }, get runs() { return runs; } };
}
const tick = () => new Promise((r) => setImmediate(r));

test('restarts requested while one runs never overlap and collapse into a single follow-up', async () => {
  const j = controlledJob();
  const s = new Serialiser(j.job);
  const first = s.request();
  await tick();
  assert.equal(s.busy, true);
  const queued = [s.request(), s.request(), s.request()];
  assert.equal(queued[0], queued[1], 'requests while a run is queued join it');
  await tick();
  assert.equal(j.runs, 1, 'the follow-up waits for the running job');
  j.finishers[0]();
  await first;
  await tick();
  assert.equal(j.runs, 2);
  j.finishers[1]();
  await Promise.all(queued);
  assert.deepEqual(j.log, ['start 1', 'end 1', 'start 2', 'end 2']);
  assert.equal(j.maxActive, 1);
  assert.equal(s.busy, false);
});

test('a failed restart rejects its callers but does not block the next one', async () => {
  let n = 0;
  const s = new Serialiser(async () => { n++; if (n === 1) throw new Error('server crashed'); });
  await assert.rejects(s.request(), /server crashed/);
  await s.request();
  assert.equal(n, 2);
});

test('withTimeout rejects with the given message when the promise hangs, and passes values through', async () => {
  await assert.rejects(withTimeout(new Promise(() => {}), 20, 'stop timed out'), /stop timed out/);
  assert.equal(await withTimeout(Promise.resolve(7), 1000, 'x'), 7);
});
