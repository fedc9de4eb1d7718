import { test } from 'node:test';
import assert from 'node:assert/strict';
import { experimentName } from '../../client/experiment';

test('the experiment name is the declared one, else the file name without .rnn', () => {
  assert.equal(experimentName('# lm\nexperiment char_lm\nmodel {}', '/w/examples/x.rnn'), 'char_lm');
  assert.equal(experimentName('model {}\n', '/w/examples/ptb_lm.rnn'), 'ptb_lm');
  assert.equal(experimentName('# experiment commented\nmodel {}', '/w/a.rnn'), 'a', 'a commented-out header does not count');
});
