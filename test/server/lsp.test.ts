// LSP-level tests: the real bundled server (dist/server.js --stdio) over JSON-RPC.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient } from './lsp';
import { ARITHMETIC, positionOf } from './helpers';

const URI = 'file:///ws/arith.rnn';

describe('language server over stdio', () => {
  let c: LspClient;
  before(async () => { c = await LspClient.start({ unroll: { diagnostics: { debounceMs: 30 } } }); });
  after(async () => { await c?.stop(); });

  test('publishes diagnostics on open, with codes, source and version', async () => {
    const bad = ARITHMETIC.replace('logits = dense(dec, vocab)', 'logits = dense(dek, vocab)');
    await c.open('file:///ws/bad.rnn', bad, 1);
    const p = await c.diagnosticsFor('file:///ws/bad.rnn', 1);
    const d = p.diagnostics.find((x) => x.code === 'unknown-name');
    assert.ok(d, `expected an unknown-name diagnostic, got ${JSON.stringify(p.diagnostics)}`);
    assert.equal(d.source, 'unroll');
    assert.equal(d.range.start.line, 18);
  });

  test('re-checks after a change and never publishes an older version after a newer one', async () => {
    await c.open(URI, ARITHMETIC, 1);
    const first = await c.diagnosticsFor(URI, 1);
    assert.deepEqual(first.diagnostics.filter((d) => d.severity === 1), []);
    // Three quick edits: only the last version's result may be the final one.
    const line = 18; // `  logits = dense(dec, vocab)`: `dec` is at 17..20
    for (const [v, name] of [[2, 'dex'], [3, 'dey'], [4, 'dez']] as const) {
      await c.change(URI, v, [{ range: { start: { line, character: 17 }, end: { line, character: 20 } }, text: name }]);
    }
    const last = await c.diagnosticsFor(URI, 4);
    assert.match(last.diagnostics.map((d) => d.message).join('\n'), /dez/);
    const versions = c.published.filter((p) => p.uri === URI).map((p) => p.version ?? 0);
    assert.deepEqual(versions, [...versions].sort((a, b) => a - b), `published out of order: ${versions}`);
    await c.change(URI, 5, [{ range: { start: { line, character: 17 }, end: { line, character: 20 } }, text: 'dec' }]);
    await c.diagnosticsFor(URI, 5);
  });

  test('hover on a tensor shows its shape and parameter count', async () => {
    const h = await c.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri: URI }, position: positionOf(ARITHMETIC, 'logits =') });
    assert.match(h.contents.value, /logits: float\[batch 32, tgt 4, vocab 13\]/);
    assert.match(h.contents.value, /429 parameters/);
  });

  test('inlay hints show output shapes and follow unroll.shapeStyle changes', async () => {
    const range = { start: { line: 0, character: 0 }, end: { line: 30, character: 0 } };
    const hints = await c.request<{ label: string; position: { line: number } }[]>('textDocument/inlayHint', { textDocument: { uri: URI }, range });
    assert.equal(hints.find((h) => h.position.line === 18)?.label, ': [batch 32, tgt 4, vocab 13]');
    await c.notify('workspace/didChangeConfiguration', { settings: { unroll: { shapeStyle: 'names' } } });
    const named = await c.request<{ label: string; position: { line: number } }[]>('textDocument/inlayHint', { textDocument: { uri: URI }, range });
    assert.equal(named.find((h) => h.position.line === 18)?.label, ': [batch, tgt, vocab]');
    await c.notify('workspace/didChangeConfiguration', { settings: { unroll: { inlayHints: { enabled: false } } } });
    assert.deepEqual(await c.request('textDocument/inlayHint', { textDocument: { uri: URI }, range }), []);
    await c.notify('workspace/didChangeConfiguration', { settings: { unroll: { inlayHints: { enabled: true }, shapeStyle: 'names-and-sizes' } } });
  });

  test('runtime shapes appear as ran: hints and a runtime-shape diagnostic where they disagree', async () => {
    await c.notify('unroll/runtimeShapes', {
      uri: URI, runId: 'r1',
      shapes: { logits: [['batch', 32], ['tgt', 4], ['vocab', 13]], dec: [['batch', 32], ['tgt', 5], ['hidden', 32]] },
    });
    const p = await c.until(() => c.diagnostics.get(URI)?.diagnostics.some((d) => d.code === 'runtime-shape') && c.diagnostics.get(URI), 'runtime-shape diagnostic');
    const rt = p.diagnostics.filter((d) => d.code === 'runtime-shape');
    assert.equal(rt.length, 1);
    assert.equal(rt[0].range.start.line, 17);
    assert.match(rt[0].message, /tgt` was 5, the checker inferred 4/);
    const range = { start: { line: 0, character: 0 }, end: { line: 30, character: 0 } };
    const hints = await c.request<{ label: string; position: { line: number } }[]>('textDocument/inlayHint', { textDocument: { uri: URI }, range });
    assert.deepEqual(hints.filter((h) => h.position.line === 18).map((h) => h.label), [': [batch 32, tgt 4, vocab 13]', 'ran: [batch 32, tgt 4, vocab 13]']);
    await c.notify('unroll/clearRuntimeShapes', { uri: URI });
    await c.until(() => !c.diagnostics.get(URI)?.diagnostics.some((d) => d.code === 'runtime-shape'), 'runtime-shape cleared');
  });

  test('a width that varied (batches grouped by length) shows as a range, agrees within the static size and is a diagnostic past it', async () => {
    await c.notify('unroll/runtimeShapes', {
      uri: URI, runId: 'r2',
      shapes: { logits: [['batch', 32], ['tgt', 4, 2], ['vocab', 13]], dec: [['batch', 32], ['tgt', 6, 3], ['hidden', 32]] },
    });
    const p = await c.until(() => c.diagnostics.get(URI)?.diagnostics.some((d) => d.code === 'runtime-shape') && c.diagnostics.get(URI), 'runtime-shape diagnostic');
    const rt = p.diagnostics.filter((d) => d.code === 'runtime-shape');
    assert.deepEqual(rt.map((d) => d.range.start.line), [17]);
    assert.match(rt[0].message, /tgt` reached 6, the checker allows at most 4/);
    const range = { start: { line: 0, character: 0 }, end: { line: 30, character: 0 } };
    const hints = await c.request<{ label: string; position: { line: number } }[]>('textDocument/inlayHint', { textDocument: { uri: URI }, range });
    assert.deepEqual(hints.filter((h) => h.position.line === 18).map((h) => h.label), [': [batch 32, tgt 4, vocab 13]', 'ran: [batch 32, tgt 2..4, vocab 13]']);
    await c.notify('unroll/clearRuntimeShapes', { uri: URI });
    await c.until(() => !c.diagnostics.get(URI)?.diagnostics.some((d) => d.code === 'runtime-shape'), 'runtime-shape cleared');
  });

  test('completion after `name =` in the model offers ops as snippets', async () => {
    const text = ARITHMETIC.replace('  logits = dense(dec, vocab)\n', '  logits = dense(dec, vocab)\n  z = \n');
    await c.open('file:///ws/complete.rnn', text, 1);
    const pos = positionOf(text, '  z = ', 6);
    const items = await c.request<{ label: string; insertText?: string; insertTextFormat?: number }[]>('textDocument/completion', { textDocument: { uri: 'file:///ws/complete.rnn' }, position: pos });
    const lstm = items.find((i) => i.label === 'lstm');
    assert.ok(lstm, `ops missing: ${items.map((i) => i.label)}`);
    assert.equal(lstm.insertTextFormat, 2);
    assert.equal(lstm.insertText, 'lstm(${1:x}, ${2:size})');
  });

  test('rename changes the definition and every use; prepareRename refuses ops', async () => {
    const edit = await c.request<{ changes: Record<string, { range: { start: { line: number } }; newText: string }[]> }>('textDocument/rename', {
      textDocument: { uri: URI }, position: positionOf(ARITHMETIC, 'dec, _'), newName: 'decoded',
    });
    const edits = edit.changes[URI];
    assert.deepEqual(edits.map((e) => e.range.start.line).sort(), [17, 18]);
    assert.ok(edits.every((e) => e.newText === 'decoded'));
    await assert.rejects(
      c.request('textDocument/prepareRename', { textDocument: { uri: URI }, position: positionOf(ARITHMETIC, 'lstm(oh', 1) }),
      /built-in op/,
    );
  });

  test('code actions turn the checker\'s quick fixes into edits', async () => {
    const text = ARITHMETIC.replace('dec, _ = lstm(rep, hidden)', 'dec, st = lstm(rep, hidden)');
    const uri = 'file:///ws/fix.rnn';
    await c.open(uri, text, 1);
    const p = await c.diagnosticsFor(uri, 1);
    const unused = p.diagnostics.find((d) => d.code === 'unused');
    assert.ok(unused, JSON.stringify(p.diagnostics));
    const actions = await c.request<{ title: string; kind: string; edit: { changes: Record<string, { newText: string }[]> } }[]>('textDocument/codeAction', {
      textDocument: { uri }, range: unused.range, context: { diagnostics: [unused] },
    });
    const fix = actions.find((a) => a.kind === 'quickfix');
    assert.ok(fix, JSON.stringify(actions));
    assert.equal(fix.edit.changes[uri][0].newText, '_');
  });

  test('formatting aligns = in a block and is idempotent over the wire', async () => {
    const uri = 'file:///ws/fmt.rnn';
    const text = 'dims {\n      hidden = 32\n  embed=8\n}\n';
    await c.open(uri, text, 1);
    const edits = await c.request<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]>('textDocument/formatting', {
      textDocument: { uri }, options: { tabSize: 2, insertSpaces: true },
    });
    const lines = text.split('\n');
    for (const e of edits) lines[e.range.start.line] = e.newText;
    const formatted = lines.join('\n');
    assert.equal(formatted, 'dims {\n  hidden = 32\n  embed  = 8\n}\n');
    await c.change(uri, 2, [{ text: formatted }]);
    assert.deepEqual(await c.request('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } }), []);
  });

  test('code lens above model offers the parameter count (the server runs it); Train only for a client that runs it', async () => {
    const lenses = await c.request<{ command: { title: string; command: string; arguments: unknown[] } }[]>('textDocument/codeLens', { textDocument: { uri: URI } });
    // This client did not declare the editor's commands (VS Code's extension does): no Train lens, and the
    // summary lens runs the server's own command, which answers the summary table.
    assert.deepEqual(lenses.map((l) => l.command.command), ['unroll.summary']);
    assert.match(lenses[0].command.title, /^Summary: [\d,]+ parameters$/);
    assert.deepEqual(lenses[0].command.arguments, [URI]);
    const table = await c.request<string>('workspace/executeCommand', { command: 'unroll.summary', arguments: [URI] });
    assert.match(table, /logits[\s\S]*429/);
    await c.until(() => c.shown.some((m) => /logits/.test(m.message)), 'the summary shown as a message');
  });
  test('a client that declares the commands gets Train and its own summary command', async () => {
    const vs = await LspClient.start({ commands: ['unroll.train', 'unroll.showSummary'] });
    try {
      await vs.open(URI, ARITHMETIC, 1);
      const lenses = await vs.request<{ command: { command: string; arguments: unknown[] } }[]>('textDocument/codeLens', { textDocument: { uri: URI } });
      assert.deepEqual(lenses.map((l) => l.command.command), ['unroll.train', 'unroll.showSummary']);
      assert.deepEqual(lenses[0].command.arguments, [URI]);
    } finally { await vs.stop(); }
  });
});

describe('language server with data files', () => {
  let c: LspClient;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'unroll-lsp-'));
    writeFileSync(join(dir, 'tiny.txt'), 'hello world\nthe quick brown fox\n');
    c = await LspClient.start({}, pathToFileURL(dir).href);
  });
  after(async () => { await c?.stop(); rmSync(dir, { recursive: true, force: true }); });

  test('sizes counted from a data file reach hover, and a missing file is a missing-file diagnostic', async () => {
    const text = 'data text "tiny.txt" {\n  seq_len = 10\n}\nmodel {\n  input x: int[batch, time] < vocab\n  input y: int[batch, time] < vocab\n  e = one_hot(x, vocab)\n}\ntrain {\n  loss = cross_entropy(e, y)\n}\n';
    const uri = pathToFileURL(join(dir, 'lm.rnn')).href;
    await c.open(uri, text, 1);
    await c.diagnosticsFor(uri, 1);
    const h = await c.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, 'vocab)', 1) });
    assert.match(h.contents.value, /dim vocab = 19/);
    const missing = pathToFileURL(join(dir, 'other.rnn')).href;
    await c.open(missing, text.replace('tiny.txt', 'nope.txt'), 1);
    const p = await c.diagnosticsFor(missing, 1);
    assert.ok(p.diagnostics.some((d) => d.code === 'missing-file'), JSON.stringify(p.diagnostics));
  });
  test('a large data file is read in the background, then the document is re-checked with its sizes', async () => {
    // Over the host's 1 MiB synchronous limit, so the first check is pending and only onSettled can update it.
    const words = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'and', 'runs', 'away'];
    const lines: string[] = [];
    for (let i = 0, size = 0; size < 1_300_000; i++) {
      const line = words.slice(i % 5, (i % 5) + 6).join(' ');
      lines.push(line);
      size += line.length + 1;
    }
    writeFileSync(join(dir, 'big.txt'), lines.join('\n') + '\n');
    const text = 'data text "big.txt" {\n  tokens = words\n  seq_len = 10\n}\nmodel {\n  input x: int[batch, time] < vocab\n  input y: int[batch, time] < vocab\n  e = one_hot(x, vocab)\n}\ntrain {\n  loss = cross_entropy(e, y)\n}\n';
    const uri = pathToFileURL(join(dir, 'big.rnn')).href;
    await c.open(uri, text, 1);
    await c.diagnosticsFor(uri, 1);
    const pos = positionOf(text, 'vocab)', 1);
    let last = '';
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      const h = await c.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: pos });
      last = h?.contents.value ?? '';
      if (/dim vocab = \d+/.test(last)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(last, /dim vocab = 12\b/, 'vocab counted from big.txt (11 words and the end-of-line token)');
    assert.ok(c.published.filter((p) => p.uri === uri).length >= 2, 'diagnostics re-published after the data was read');
  });
});

describe('multi-root workspaces: a file\'s data root is the folder that holds it', () => {
  const LM = (data: string) => `data text "${data}" {\n  seq_len = 10\n}\nmodel {\n  input x: int[batch, time] < vocab\n  input y: int[batch, time] < vocab\n  e = one_hot(x, vocab)\n}\ntrain {\n  loss = cross_entropy(e, y)\n}\n`;
  let c: LspClient;
  let base: string;
  const folder = (name: string, text: string) => {
    mkdirSync(join(base, name, 'data'), { recursive: true });
    writeFileSync(join(base, name, 'data', 'd.txt'), text);
    return pathToFileURL(join(base, name)).href;
  };
  const vocabOf = async (uri: string, text: string) => {
    const h = await c.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, 'vocab)', 1) });
    return /dim vocab = (\d+)/.exec(h?.contents.value ?? '')?.[1];
  };
  before(async () => {
    base = mkdtempSync(join(tmpdir(), 'unroll-roots-'));
    const a = folder('a', 'ab\n');
    const b = folder('b', 'abcdefg\n');
    folder('c', 'abc\n');
    mkdirSync(join(base, 'd', 'exp'), { recursive: true });
    writeFileSync(join(base, 'd', 'shared.txt'), 'abcd\n');
    c = await LspClient.start({}, null, undefined, [{ uri: a, name: 'a' }, { uri: b, name: 'b' }]);
  });
  after(async () => { await c?.stop(); rmSync(base, { recursive: true, force: true }); });

  test('a file in the second folder reads its own folder\'s data (no "leaves the workspace", vocab known)', async () => {
    const text = LM('data/d.txt');
    const uri = pathToFileURL(join(base, 'b', 'lm.rnn')).href;
    await c.open(uri, text, 1);
    const p = await c.diagnosticsFor(uri, 1);
    assert.deepEqual(p.diagnostics.filter((d) => d.severity === 1), [], JSON.stringify(p.diagnostics));
    assert.equal(await vocabOf(uri, text), '8'); // a..g and the end-of-line token
  });
  test('a file in no folder uses its own folder (the command line\'s rule)', async () => {
    const text = LM('data/d.txt');
    const uri = pathToFileURL(join(base, 'c', 'lm.rnn')).href;
    await c.open(uri, text, 1);
    const p = await c.diagnosticsFor(uri, 1);
    assert.deepEqual(p.diagnostics.filter((d) => d.severity === 1), [], JSON.stringify(p.diagnostics));
    assert.equal(await vocabOf(uri, text), '4');
  });
  test('a folder added later (didChangeWorkspaceFolders) becomes the root of the files inside it', async () => {
    const text = LM('../shared.txt');
    const uri = pathToFileURL(join(base, 'd', 'exp', 'lm.rnn')).href;
    await c.open(uri, text, 1);
    const before = await c.diagnosticsFor(uri, 1);
    assert.ok(before.diagnostics.some((d) => /leaves the workspace/.test(d.message)), JSON.stringify(before.diagnostics));
    const count = c.published.length;
    await c.notify('workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: pathToFileURL(join(base, 'd')).href, name: 'd' }], removed: [] } });
    await c.until(() => c.published.slice(count).find((p) => p.uri === uri), 'diagnostics after the folder change');
    const after = c.diagnostics.get(uri)!;
    assert.deepEqual(after.diagnostics.filter((d) => d.severity === 1), [], JSON.stringify(after.diagnostics));
  });
});
