// The TextMate grammar, tested without VS Code: vscode-tmgrammar-test runs the scope assertions written
// inside test/syntaxes/*.rnn (Sublime-style `# ^^^ scope` lines) against syntaxes/rnn.tmLanguage.json with
// the same engine VS Code uses (vscode-textmate + oniguruma).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { INITS, LOSSES, METRICS, OPS, OPTIMIZERS, SOURCES, DEVICES } from '../../language/index';

const root = resolve(import.meta.dirname, '../..');
const grammarPath = join(root, 'syntaxes/rnn.tmLanguage.json');
const configPath = join(root, 'syntaxes/language-configuration.json');
const cli = join(root, 'node_modules/vscode-tmgrammar-test/dist/unit.js');

function runGrammarTests(pattern: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [cli, '--compact', '-g', grammarPath, pattern], { cwd: root, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test('every scope assertion in test/syntaxes/*.rnn holds', () => {
  const cases = readdirSync(join(root, 'test/syntaxes')).filter((f) => f.endsWith('.rnn'));
  assert.ok(cases.length >= 2, `expected the grammar test cases in test/syntaxes/, found ${cases.length}`);
  const r = runGrammarTests('test/syntaxes/*.rnn');
  assert.equal(r.status, 0, `grammar assertions failed:\n${r.output}`);
  for (const c of cases) assert.match(r.output, new RegExp(`${c.replace('.', '\\.')} run successfuly`), `${c} was not run:\n${r.output}`);
});

test('a wrong scope assertion makes the grammar test fail (the harness can fail)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unroll-grammar-'));
  try {
    writeFileSync(join(dir, 'wrong.rnn'), [
      '# SYNTAX TEST "source.rnn" "deliberately wrong"',
      'model {',
      '# <----- comment.line.number-sign.rnn',
      '}',
      '',
    ].join('\n'));
    const r = runGrammarTests(join(dir, '*.rnn'));
    assert.notEqual(r.status, 0, `a false assertion passed:\n${r.output}`);
    assert.match(r.output, /keyword\.other\.block\.model\.rnn/, 'the failure report names the actual scope');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A scope-test line: `# ` then carets under [col, col + len). */
function caret(col: number, len: number, scope: string): string {
  return `#${' '.repeat(col - 1)}${'^'.repeat(len)} ${scope}`;
}

test('every op, data source, loss, optimizer, metric, init and device the core knows is coloured by the grammar', () => {
  const lines = ['# SYNTAX TEST "source.rnn" "names generated from the language core"'];
  for (const src of Object.keys(SOURCES)) lines.push(`data ${src} { }`, caret(5, src.length, 'support.class.source.rnn'));
  lines.push('model {');
  for (const op of Object.keys(OPS)) lines.push(`  z = ${op}(a)`, caret(6, op.length, 'meta.function-call.rnn support.function.op.rnn'));
  lines.push('}', 'train {');
  for (const fn of Object.keys(LOSSES)) lines.push(`  loss = ${fn}(a, y)`, caret(9, fn.length, 'support.function.loss.rnn'));
  for (const o of Object.keys(OPTIMIZERS)) lines.push(`  optimizer = ${o}(lr = 0.1)`, caret(14, o.length, 'support.function.optimizer.rnn'));
  for (const m of Object.keys(METRICS)) lines.push(`  metrics = [${m}]`, caret(13, m.length, 'support.constant.metric.rnn'));
  for (const i of Object.keys(INITS)) lines.push(`  init = ${i}`, caret(9, i.length, 'support.constant.init.rnn'), `  init = ${i}(0.1)`, caret(9, i.length, 'support.function.init.rnn'));
  for (const d of DEVICES) lines.push(`  device = ${d}`, caret(11, d.length, 'support.constant.device.rnn'));
  lines.push('}', '');
  const dir = mkdtempSync(join(tmpdir(), 'unroll-grammar-'));
  try {
    writeFileSync(join(dir, 'names.rnn'), lines.join('\n'));
    const r = runGrammarTests(join(dir, '*.rnn'));
    assert.equal(r.status, 0, `the grammar misses names the core defines:\n${r.output}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the grammar is valid JSON with scope source.rnn and every include resolves', () => {
  const g = JSON.parse(readFileSync(grammarPath, 'utf8')) as { scopeName: string; repository: Record<string, unknown> };
  assert.equal(g.scopeName, 'source.rnn');
  const includes = [...JSON.stringify(g).matchAll(/"include":"#([\w-]+)"/g)].map((m) => m[1]);
  assert.ok(includes.length > 10);
  for (const name of includes) assert.ok(name in g.repository, `#${name} is included but not defined in the repository`);
});

test('the language configuration declares # comments, bracket pairs and indentation rules that match blocks', () => {
  const c = JSON.parse(readFileSync(configPath, 'utf8')) as {
    comments: { lineComment: string };
    brackets: string[][];
    autoClosingPairs: { open: string; close: string }[];
    indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string };
    wordPattern: string;
  };
  assert.equal(c.comments.lineComment, '#');
  assert.deepEqual(c.brackets, [['{', '}'], ['[', ']'], ['(', ')']]);
  assert.ok(c.autoClosingPairs.some((p) => p.open === '"' && p.close === '"'));
  const inc = new RegExp(c.indentationRules.increaseIndentPattern);
  const dec = new RegExp(c.indentationRules.decreaseIndentPattern);
  assert.ok(inc.test('model {'));
  assert.ok(inc.test('data text "a.txt" {   # comment'));
  assert.ok(!inc.test('sample { prime = "a", length = 4 }'), 'a one-line block does not indent the next line');
  assert.ok(!inc.test('# model {'), 'a brace in a comment does not indent');
  assert.ok(dec.test('  }'));
  const word = new RegExp(`^(?:${c.wordPattern})$`);
  for (const w of ['lstm_out', 'state', '1e-3', '0.5', '256']) assert.ok(word.test(w), `${w} is one word`);
  assert.ok(!word.test('state.h'), 'member access is two words (hover on h shows the field)');
});

test('package.json contributes the rnn language with this grammar and configuration', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    contributes: { languages: { id: string; extensions: string[]; configuration?: string }[]; grammars?: { language: string; scopeName: string; path: string }[] };
  };
  const lang = pkg.contributes.languages.find((l) => l.id === 'rnn');
  assert.ok(lang, 'language rnn is contributed');
  assert.deepEqual(lang.extensions, ['.rnn']);
  assert.equal(resolve(root, lang.configuration ?? ''), configPath);
  const grammar = pkg.contributes.grammars?.find((g) => g.language === 'rnn');
  assert.ok(grammar, 'a grammar is contributed for rnn');
  assert.equal(grammar.scopeName, 'source.rnn');
  assert.equal(resolve(root, grammar.path), grammarPath);
});
