// A real third-party LSP client: Debian's Neovim (0.7), headless, configured with the README's Lua, against
// the built server (dist/server.js via bin/unroll-lsp.js). neovim.lua drives it; this file judges the result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildServer } from '../server/lsp';
import { have, makeWorkspace } from './helpers';
import { readmeBlock } from './readme';

const CONFIGS: [string, number][] = [['Neovim 0.8+ (vim.lsp.start, run through a 0.7 shim)', 0], ['Neovim 0.7', 1]];

for (const [name, nth] of CONFIGS) test(`${name} with the README configuration: diagnostics, hover, plain completion, a code action, rename, formatting`, { skip: !have('nvim') && 'nvim is not installed (apt-get install neovim)' }, async () => {
  await buildServer();
  const ws = makeWorkspace('unroll-nvim-');
  try {
    const config = join(ws.dir, 'init.lua');
    writeFileSync(config, readmeBlock('Neovim', 'lua', nth));
    const outFile = join(ws.dir, 'out.json');
    const r = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${join(__dirname, 'neovim.lua')}`], {
      cwd: ws.dir, encoding: 'utf8', timeout: 120_000,
      env: { ...process.env, PATH: ws.path, HOME: ws.dir, XDG_STATE_HOME: ws.dir, UNROLL_NVIM_CONFIG: config, UNROLL_NVIM_GOOD: ws.good, UNROLL_NVIM_BROKEN: ws.broken, UNROLL_NVIM_OUT: outFile },
    });
    assert.equal(r.status, 0, `nvim exited ${r.status} ${r.signal ?? ''}\n${r.stdout}\n${r.stderr}`);
    const out = JSON.parse(readFileSync(outFile, 'utf8'));
    for (const s of out.steps) assert.ok(s.ok, `step "${s.name}" failed: ${s.err}\n${JSON.stringify(out, null, 1).slice(0, 3000)}`);

    assert.equal(out.filetype, 'rnn');
    assert.equal(out.attached, true, 'the client attached to the .rnn buffer');
    assert.deepEqual(out.good_diagnostics.filter((d: { severity: number }) => d.severity === 1), [], 'the example is clean');
    assert.match(String(out.hover), /logits: float\[batch 32, tgt 4, vocab 13\]/);

    const dek = out.broken_diagnostics.find((d: { message: string }) => /unknown tensor dek/.test(d.message));
    assert.ok(dek, JSON.stringify(out.broken_diagnostics));
    assert.equal(dek.line, 17); // 0-based: line 18

    // Neovim 0.7 advertises no snippet support: plain text only, and the op inserts as its name.
    assert.ok(out.completion.length >= 20, JSON.stringify(out.completion).slice(0, 500));
    for (const it of out.completion) assert.doesNotMatch(it.insertText ?? '', /\$\{|\$\d/, it.label);
    assert.equal(out.completed_line, '  z = dense');

    assert.ok(out.actions.some((t: string) => /dec/.test(t)), JSON.stringify(out.actions));
    assert.equal(out.after_fix.trim(), 'logits = dense(dec, vocab)          # one distribution over the 13 symbols per output char');
    assert.equal(out.renamed, 2, 'rename changed the definition and its one use');
    assert.match(out.formatted, /\n {2}loss += cross_entropy\(logits, y\)\n/);
    assert.doesNotMatch(out.formatted, /loss {3}= {3}/);
    assert.deepEqual(out.final_diagnostics.filter((d: { severity: number }) => d.severity === 1), [], JSON.stringify(out.final_diagnostics));
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
});
