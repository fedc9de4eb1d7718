// The divergence watch: a healthy, noisy loss curve never warns; a loss that blows up at step 2 and stays
// up warns once, after its sustain window; a short spike does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DivergenceWatch } from '../../engine/runtime/divergence';

test('a healthy noisy curve never warns; a sustained blow-up warns once; a short spike does not', () => {
  const healthy = new DivergenceWatch();
  for (let i = 1; i <= 3000; i++) assert.equal(healthy.add(4.4 * Math.exp(-i / 500) + 1.2 + 0.3 * Math.sin(i), i), false);
  assert.equal(healthy.message, undefined);

  const blown = new DivergenceWatch();
  const warned: number[] = [];
  for (let i = 1; i <= 200; i++) if (blown.add(i === 1 ? 2.5 : 3e6, i)) warned.push(i);
  assert.equal(warned.length, 1, 'one warning');
  assert.ok(warned[0] >= 20 && warned[0] < 40, `after the sustain window (step ${warned[0]})`);
  assert.match(blown.message!, /the loss is diverging: 3\.00e\+6 at step \d+ \(median of the last 20 steps\) against 2\.500 at the start/);
  assert.ok(blown.diverging);

  const spike = new DivergenceWatch();
  for (let i = 1; i <= 300; i++) spike.add(i >= 100 && i < 105 ? 1e4 : 2, i);
  assert.equal(spike.message, undefined, 'five bad steps are not a sustained stretch');
});
