// Runs inside a desktop VS Code's extension host (test/electron/run.mjs). A small self-contained runner
// (no mocha): each check throws on failure, run() rejects, and test-electron exits non-zero.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const TIMEOUT = 30_000;
const tests: [string, () => Promise<void>][] = [];
const test = (name: string, fn: () => Promise<void>) => tests.push([name, fn]);

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function file(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return vscode.Uri.joinPath(folder.uri, name);
}

async function hints(doc: vscode.TextDocument): Promise<string[]> {
  const got = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, new vscode.Range(0, 0, doc.lineCount, 0));
  return (got ?? []).map((h) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')));
}

test('opening an .rnn file gives it the rnn language and activates the extension', async () => {
  const doc = await vscode.workspace.openTextDocument(file('smoke.rnn'));
  await vscode.window.showTextDocument(doc);
  assert.equal(doc.languageId, 'rnn');
  const ext = vscode.extensions.getExtension('unroll.unroll');
  assert.ok(ext, 'the extension is installed');
  await until('activation', () => ext.isActive);
});

test('every contributed command is registered', async () => {
  const all = new Set(await vscode.commands.getCommands(true));
  for (const c of ['train', 'stop', 'resume', 'sample', 'predict', 'export', 'showLossPanel', 'showSummary', 'restartServer']) {
    assert.ok(all.has(`unroll.${c}`), `unroll.${c} is registered`);
  }
});

test('inlay hints show each statement\'s shape with names and sizes', async () => {
  const doc = await vscode.workspace.openTextDocument(file('smoke.rnn'));
  const labels = await until('inlay hints', async () => { const h = await hints(doc); return h.length ? h : undefined; });
  assert.ok(labels.some((l) => /\[batch 32, tgt \d+, 64\]|\[batch 32, .*\d/.test(l)), `a shape with sizes: ${labels.join(' | ')}`);
});

test('the shapeStyle setting reaches the server: "names" hints carry no sizes', async () => {
  const doc = await vscode.workspace.openTextDocument(file('smoke.rnn'));
  const config = vscode.workspace.getConfiguration('unroll');
  await config.update('shapeStyle', 'names', vscode.ConfigurationTarget.Global);
  try {
    await until('names-only hints', async () => { const h = await hints(doc); return h.length && h.every((l) => !/[a-z] \d/.test(l)) ? h : undefined; });
  } finally {
    await config.update('shapeStyle', undefined, vscode.ConfigurationTarget.Global);
  }
});

test('hovering a tensor shows its shape', async () => {
  const doc = await vscode.workspace.openTextDocument(file('smoke.rnn'));
  const line = doc.getText().split('\n').findIndex((l) => /^\s*e = embedding/.test(l));
  assert.ok(line >= 0);
  const pos = new vscode.Position(line, doc.lineAt(line).text.indexOf('e'));
  const hover = await until('a hover', async () => {
    const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos);
    return h?.length ? h : undefined;
  });
  const text = hover.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
  assert.match(text, /\[batch 32, src \d+, 32\]|batch 32/);
});

test('a typo gets an unknown-op error from source unroll', async () => {
  const doc = await vscode.workspace.openTextDocument(file('broken.rnn'));
  await vscode.window.showTextDocument(doc);
  const diags = await until('diagnostics', () => { const d = vscode.languages.getDiagnostics(doc.uri); return d.length ? d : undefined; });
  const d = diags.find((x) => (typeof x.code === 'object' ? x.code.value : x.code) === 'unknown-op');
  assert.ok(d, `an unknown-op diagnostic: ${diags.map((x) => x.message).join('; ')}`);
  assert.equal(d.source, 'unroll');
  assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
  assert.equal(doc.getText(d.range), 'lstmx');
});

test('two overlapping restarts leave one working server', async () => {
  await Promise.all([vscode.commands.executeCommand('unroll.restartServer'), vscode.commands.executeCommand('unroll.restartServer')]);
  const doc = await vscode.workspace.openTextDocument(file('smoke.rnn'));
  await until('inlay hints after the restart', async () => { const h = await hints(doc); return h.length ? h : undefined; });
});

test('"Unroll: Show Model Summary" opens a summary with the parameter count', async () => {
  const doc = await vscode.workspace.openTextDocument(file('smoke.rnn'));
  await vscode.window.showTextDocument(doc);
  await vscode.commands.executeCommand('unroll.showSummary');
  const summary = await until('the summary document', () => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'unroll-summary'));
  assert.match(summary.getText(), /Model summary/);
  assert.match(summary.getText(), /Trainable parameters: [\d,]+/);
});

export async function run(): Promise<void> {
  const failures: string[] = [];
  for (const [name, fn] of tests) {
    try {
      await fn();
      console.log(`  ok  ${name}`);
    } catch (e) {
      failures.push(name);
      console.error(`  FAIL ${name}\n       ${e instanceof Error ? e.stack ?? e.message : e}`);
    }
  }
  console.log(`${tests.length - failures.length}/${tests.length} passed`);
  if (failures.length) throw new Error(`${failures.length} electron test(s) failed: ${failures.join('; ')}`);
}
