// A second real third-party client: Debian's Emacs 28 with eglot (elpa-eglot), in batch mode, configured
// with the README's Lisp, against the built server. eglot.el drives it; this file judges the result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildServer } from '../server/lsp';
import { have, makeWorkspace } from './helpers';
import { readmeBlock } from './readme';

const hasEglot = () => {
  const ok = spawnSync('emacs', ['--batch', '--eval', "(require 'eglot)"]).status === 0;
  if (!ok && process.env.UNROLL_REQUIRE_EDITORS === '1') throw new Error('eglot is required (UNROLL_REQUIRE_EDITORS=1): apt-get install elpa-eglot');
  return ok;
};

test('Emacs eglot with the README configuration: diagnostics, hover, plain completion, a code action, rename, formatting', { skip: !(have('emacs') && hasEglot()) && 'emacs with eglot is not installed (apt-get install emacs-nox elpa-eglot)' }, async () => {
  await buildServer();
  const ws = makeWorkspace('unroll-eglot-');
  try {
    const config = join(ws.dir, 'init.el');
    writeFileSync(config, readmeBlock('Emacs (eglot)', 'elisp'));
    const outFile = join(ws.dir, 'out.json');
    const r = spawnSync('emacs', ['--batch', '-l', join(__dirname, 'eglot.el')], {
      cwd: ws.dir, encoding: 'utf8', timeout: 120_000,
      env: { ...process.env, PATH: ws.path, HOME: ws.dir, UNROLL_EMACS_CONFIG: config, UNROLL_EMACS_GOOD: ws.good, UNROLL_EMACS_BROKEN: ws.broken, UNROLL_EMACS_OUT: outFile },
    });
    assert.equal(r.status, 0, `emacs exited ${r.status} ${r.signal ?? ''}\n${r.stdout}\n${r.stderr.slice(-3000)}`);
    const out = JSON.parse(readFileSync(outFile, 'utf8'));
    for (const k of Object.keys(out)) assert.ok(!k.endsWith('-error'), `${k}: ${out[k]}\n${JSON.stringify(out).slice(0, 3000)}`);

    assert.equal(out.mode, 'rnn-mode');
    assert.equal(out.attached, true);
    assert.match(String(out.hover), /logits: float\[batch 32, tgt 4, vocab 13\]/);
    const dek = out['broken-diagnostics'].find((d: { message: string }) => /unknown tensor dek/.test(d.message));
    assert.ok(dek, JSON.stringify(out['broken-diagnostics']));
    assert.equal(dek.line, 17);
    // Eglot without yasnippet advertises no snippets: it would insert `dense(${1:x}, ...)` as written.
    assert.ok(out.completion.length >= 20);
    for (const it of out.completion) assert.doesNotMatch(it.insertText ?? '', /\$\{|\$\d/, it.label);
    assert.equal(out['completed-line'], '  z = dense');
    assert.equal(out['capf-line'], '  z = embedding', 'completion-at-point inserts the whole op name, as plain text');
    assert.ok(out.actions.some((t: string) => /dec/.test(t)), JSON.stringify(out.actions));
    assert.match(out['after-fix'], /^logits = dense\(dec, vocab\)/);
    assert.equal(out.renamed, 2);
    assert.match(out.formatted, /\n {2}loss += cross_entropy\(logits, y\)\n/);
    assert.doesNotMatch(out.formatted, /loss {3}= {3}/);
    assert.deepEqual((out['final-diagnostics'] ?? []).filter((d: { type: string }) => d.type === ':error'), [], JSON.stringify(out['final-diagnostics']));
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
});
