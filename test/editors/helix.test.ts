// Helix is not packaged for Debian 12, so its configuration is checked, not run: the README's
// languages.toml parses (Python's tomllib) and wires `.rnn` files to the `unroll-lsp` command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readmeBlock } from './readme';

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

test('the README\'s Helix languages.toml parses and starts unroll-lsp for .rnn files', (t) => {
  const toml = readmeBlock('Helix', 'toml');
  const r = spawnSync(PYTHON, ['-c', 'import json, sys, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))'], { input: toml, encoding: 'utf8' });
  if (r.status !== 0 && /No module named 'tomllib'/.test(r.stderr)) { t.skip('Python before 3.11 has no tomllib'); return; }
  assert.equal(r.status, 0, r.stderr);
  const cfg = JSON.parse(r.stdout);
  assert.equal(cfg['language-server'].unroll.command, 'unroll-lsp');
  const lang = cfg.language.find((l: { name: string }) => l.name === 'rnn');
  assert.deepEqual(lang['file-types'], ['rnn']);
  assert.deepEqual(lang['language-servers'], ['unroll']);
  assert.equal(lang['comment-token'], '#');
});
