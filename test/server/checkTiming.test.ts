// The adaptive wait before re-checking: none while checks are fast, about one check (capped at a typing
// pause) when they are slow or when edits queued up behind a check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckTiming, FAST_CHECK_MS, MAX_WAIT_MS } from '../../server/checkTiming';

test('fast checks: no wait, except the user\'s minimum', () => {
  const t = new CheckTiming();
  assert.equal(t.delay('a', 0, 0), 0, 'never checked: no wait');
  t.record('a', 5, 100);
  assert.equal(t.delay('a', 0, 500), 0);
  assert.equal(t.delay('a', 40, 500), 40);
});

test('slow checks: wait about one check, never longer than a typing pause', () => {
  const t = new CheckTiming();
  t.record('big', MAX_WAIT_MS - 30, 1000);
  assert.equal(t.delay('big', 0, 2000), MAX_WAIT_MS - 30);
  t.record('huge', 2000, 1000);
  assert.equal(t.delay('huge', 0, 5000), MAX_WAIT_MS);
  assert.equal(t.delay('other', 0, 5000), 0, 'per document');
});

test('an edit that queued behind a check waits even when checks are fast (held-down keys)', () => {
  const t = new CheckTiming();
  t.record('a', FAST_CHECK_MS - 10, 1000);
  assert.ok(t.delay('a', 0, 1001) > 0);
  assert.equal(t.delay('a', 0, 1100), 0);
});

test('the average follows a file that shrinks', () => {
  const t = new CheckTiming();
  t.record('a', 400, 0);
  for (let i = 1; i < 10; i++) t.record('a', 5, i * 1000);
  assert.equal(t.delay('a', 0, 20000), 0);
  t.forget('a');
  assert.equal(t.delay('a', 0, 20000), 0);
});
