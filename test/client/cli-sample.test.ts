// `unroll train` prints the text a language model generates after each epoch (experiments with a sample
// block), through the bundled CLI as a user runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, assertBuilt, charLm } from './fixtures';

test('unroll train prints a sample line after each epoch of a language model with a sample block', () => {
  assertBuilt();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-cli-sample-'));
  try {
    charLm(work, 'cli_lm', 2);
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'train', 'cli_lm.rnn'], { cwd: work, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('sample after epoch'));
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0], /^sample after epoch 1: "The .+"$/);
    assert.match(lines[1], /^sample after epoch 2: "The /);
    // Printed after the epoch's summary line.
    assert.ok(r.stderr.indexOf('epoch 1/2 done') < r.stderr.indexOf('sample after epoch 1'), r.stderr);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
