// A workspace for an editor test: the arithmetic example, a broken copy, and `unroll-lsp` on PATH (a link to
// bin/unroll-lsp.js, as `npm install -g` makes it).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface EditorWorkspace { dir: string; good: string; broken: string; path: string }

/** The broken copy: a misspelt tensor (`dek`) and a train block written unaligned (formatting fixes it). */
export function makeWorkspace(prefix: string): EditorWorkspace {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, '.unroll'));
  const good = join(dir, 'arithmetic.rnn');
  copyFileSync(join(ROOT, 'examples', 'arithmetic.rnn'), good);
  const text = readFileSync(good, 'utf8');
  const broken = join(dir, 'broken.rnn');
  writeFileSync(broken, text.replace('logits = dense(dec, vocab)', 'logits = dense(dek, vocab)').replace('  loss = cross_entropy(logits, y)', '  loss   =   cross_entropy(logits, y)'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(join(ROOT, 'bin', 'unroll-lsp.js'), join(bin, 'unroll-lsp'));
  return { dir, good, broken, path: `${bin}:${process.env.PATH}` };
}

/** Is this program installed? In CI (UNROLL_REQUIRE_EDITORS=1) a missing one is a failure, not a skip. */
export function have(program: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
  if (!found && process.env.UNROLL_REQUIRE_EDITORS === '1') throw new Error(`${program} is required (UNROLL_REQUIRE_EDITORS=1): apt-get install it`);
  return found;
}
