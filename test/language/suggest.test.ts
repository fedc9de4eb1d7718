// "Did you mean": the edit distance counts a swap of neighbouring letters as one edit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, editDistance } from '../../language/check/suggest';
import { OPS } from '../../language/index';

test('a swap of neighbours is one edit: lats -> last, not lstm', () => {
  assert.equal(editDistance('lats', 'last'), 1);
  assert.equal(editDistance('hidedn', 'hidden'), 1);
  assert.equal(closest('lats', Object.keys(OPS)), 'last');
  assert.equal(editDistance('lats', 'lstm'), 2);
});
