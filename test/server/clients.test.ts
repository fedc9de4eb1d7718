// What each client supports, honoured over a real connection: a client that does not advertise snippets,
// markdown, diagnostic versions, related information, code action literals or inlay hint resolve gets the
// plain form of the same answer. And the protocol's own rules: lifecycle errors, malformed requests, refusals.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { plainText, snippetToPlain } from '../../server/clientSupport';
import { ARITHMETIC, positionOf } from './helpers';
import { LspClient, SERVER_JS, VSCODE_CAPABILITIES, buildServer } from './lsp';

const URI = 'file:///ws/arith.rnn';
const TYPO = ARITHMETIC.replace('logits = dense(dec, vocab)', 'logits = dense(dek, vocab)');
const SWAPPED = 'dims { batch = 4, time = 10, vocab = 50, embed = 8, hidden = 16 }\nmodel {\n  input x: int[time, batch] < vocab\n  e = embedding(x, vocab, embed)\n  h, _ = lstm(e, hidden)\n}\n';
const lineEnd = (text: string, needle: string) => { const p = positionOf(text, needle); return { line: p.line, character: text.split('\n')[p.line].length }; };

/** Eglot without yasnippet and markdown-mode, roughly: none of the optional forms. */
const PLAIN_CLIENT = { textDocument: { inlayHint: {} }, workspace: {} };

describe('a client that supports none of the optional forms', () => {
  let c: LspClient;
  before(async () => { c = await LspClient.start({ unroll: { diagnostics: { debounceMs: 0 } } }, null, PLAIN_CLIENT); });
  after(async () => { await c?.stop(); });

  test('completion sends plain text: an op is its name, a key its default, no ${…} anywhere', async () => {
    const text = ARITHMETIC.replace('logits = dense(dec, vocab)', 'logits = ');
    await c.open('file:///ws/c.rnn', text);
    const items = await c.request<{ label: string; insertText?: string; insertTextFormat?: number; documentation?: { kind: string; value: string } }[]>(
      'textDocument/completion', { textDocument: { uri: 'file:///ws/c.rnn' }, position: lineEnd(text, 'logits = ') });
    const dense = items.find((i) => i.label === 'dense')!;
    assert.equal(dense.insertText, 'dense');
    assert.notEqual(dense.insertTextFormat, 2);
    assert.equal(dense.documentation?.kind, 'plaintext');
    assert.doesNotMatch(dense.documentation!.value, /`/);
    for (const i of items) assert.doesNotMatch(i.insertText ?? '', /\$\{|\$\d/, i.label);
  });

  test('hover is plain text', async () => {
    await c.open(URI, ARITHMETIC);
    const h = await c.request<{ contents: { kind: string; value: string } }>('textDocument/hover', { textDocument: { uri: URI }, position: positionOf(ARITHMETIC, 'logits =') });
    assert.equal(h.contents.kind, 'plaintext');
    assert.match(h.contents.value, /logits: float\[batch 32, tgt 4, vocab 13\]/);
    assert.doesNotMatch(h.contents.value, /```|`/);
  });

  test('diagnostics carry no version, and related notes are part of the message', async () => {
    await c.open('file:///ws/swap.rnn', SWAPPED, 3);
    const p = await c.diagnosticsFor('file:///ws/swap.rnn');
    assert.equal(p.version, undefined);
    const d = p.diagnostics.find((x) => x.code === 'shape-mismatch')!;
    assert.equal(d.relatedInformation, undefined);
    assert.match(d.message, /note: line 4: e gets its shape \[time 10, batch 4, embed 8\] here/);
    assert.match(d.message, /note: line 3: input x is declared with this dimension order/);
  });

  test('quick fixes are commands the server runs with workspace/applyEdit', async () => {
    await c.open('file:///ws/typo.rnn', TYPO);
    const p = await c.diagnosticsFor('file:///ws/typo.rnn');
    const d = p.diagnostics.find((x) => x.code === 'unknown-name')!;
    const actions = await c.request<{ title: string; command: string; arguments: unknown[]; edit?: unknown }[]>('textDocument/codeAction', {
      textDocument: { uri: 'file:///ws/typo.rnn' }, range: d.range, context: { diagnostics: [d] },
    });
    const fix = actions.find((a) => /dec/.test(a.title))!;
    assert.equal(fix.command, 'unroll.applyEdits');
    assert.equal(fix.edit, undefined);
    const applied = await c.request<boolean>('workspace/executeCommand', { command: fix.command, arguments: fix.arguments });
    assert.equal(applied, true);
    const edit = c.applied[c.applied.length - 1] as { edit: { changes: Record<string, { newText: string }[]> } };
    assert.deepEqual(edit.edit.changes['file:///ws/typo.rnn'].map((e) => e.newText), ['dec']);
  });
});

describe('a client that resolves inlay hint tooltips', () => {
  let c: LspClient;
  before(async () => {
    const caps = { ...VSCODE_CAPABILITIES, textDocument: { ...VSCODE_CAPABILITIES.textDocument, inlayHint: { resolveSupport: { properties: ['tooltip'] } } } };
    c = await LspClient.start({}, null, caps);
  });
  after(async () => { await c?.stop(); });
  test('gets hints without tooltips, then each tooltip from inlayHint/resolve', async () => {
    await c.open(URI, ARITHMETIC);
    const range = { start: { line: 0, character: 0 }, end: { line: 40, character: 0 } };
    const hints = await c.request<{ label: string; tooltip?: string; data?: unknown }[]>('textDocument/inlayHint', { textDocument: { uri: URI }, range });
    assert.ok(hints.length >= 5);
    assert.ok(hints.every((h) => h.tooltip === undefined && h.data !== undefined));
    const logits = hints.find((h) => /vocab 13/.test(h.label) && /tgt/.test(h.label))!;
    const full = await c.request<{ tooltip?: string }>('inlayHint/resolve', logits);
    assert.match(full.tooltip ?? '', /dense · 429 parameters/);
  });
});

describe('settings', () => {
  test('are read from workspace/configuration at start, over initializationOptions', async () => {
    const c = await LspClient.start({ unroll: { shapeStyle: 'names' } }, null, VSCODE_CAPABILITIES, undefined, { shapeStyle: 'sizes' });
    try {
      await c.open(URI, ARITHMETIC);
      const range = { start: { line: 0, character: 0 }, end: { line: 40, character: 0 } };
      const labels = async () => (await c.request<{ label: string }[]>('textDocument/inlayHint', { textDocument: { uri: URI }, range })).map((h) => h.label);
      // The answer to the server's workspace/configuration request arrives shortly after initialized.
      let last: string[] = [];
      for (let i = 0; i < 50 && !last.some((l) => l === ': [32, 4, 13]'); i++) { last = await labels(); await new Promise((r) => setTimeout(r, 20)); }
      assert.ok(last.includes(': [32, 4, 13]'), JSON.stringify(last));
    } finally { await c.stop(); }
  });
});

describe('protocol rules', () => {
  test('before initialize a request gets ServerNotInitialized (-32002); after shutdown InvalidRequest (-32600)', async () => {
    const c = await LspClient.launch();
    try {
      await assert.rejects(c.request('textDocument/hover', { textDocument: { uri: URI }, position: { line: 0, character: 0 } }), (e: { code: number }) => e.code === -32002);
      await assert.rejects(c.request('shutdown', null), (e: { code: number }) => e.code === -32002);
      // A document opened before initialize is not checked then (the spec drops such notifications), but it
      // is checked once the server runs.
      await c.open(URI, ARITHMETIC.replace('dense(dec', 'dense(dek'));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(c.published.length, 0, 'nothing published before initialize');
      await c.request('initialize', { processId: null, rootUri: null, capabilities: {} });
      await c.notify('initialized', {});
      await c.until(() => c.diagnostics.get(URI)?.diagnostics.some((d) => /dek/.test(d.message)), 'the early document checked after initialized');
      await c.change(URI, 2, [{ text: ARITHMETIC }]);
      assert.ok(await c.request('textDocument/hover', { textDocument: { uri: URI }, position: positionOf(ARITHMETIC, 'logits =') }));
      await c.request('shutdown', null);
      await assert.rejects(c.request('textDocument/hover', { textDocument: { uri: URI }, position: positionOf(ARITHMETIC, 'logits =') }), (e: { code: number }) => e.code === -32600);
    } finally { await c.stop(); }
  });

  describe('on a running server', () => {
    let c: LspClient;
    before(async () => { c = await LspClient.start({}); await c.open(URI, ARITHMETIC); });
    after(async () => { await c?.stop(); });

    test('a refusal is RequestFailed (-32803) with the reason', async () => {
      await assert.rejects(c.request('textDocument/prepareRename', { textDocument: { uri: URI }, position: positionOf(ARITHMETIC, 'dense(') }),
        (e: { code: number; message: string }) => e.code === -32803 && /built-in op/.test(e.message));
    });

    test('malformed parameters get InvalidParams (-32602), logged, with no message box for the user', async () => {
      const shownBefore = c.shown.length;
      const bad: [string, unknown][] = [
        ['textDocument/rename', { textDocument: { uri: URI }, position: positionOf(ARITHMETIC, 'logits =') }],
        ['textDocument/hover', { textDocument: { uri: URI }, position: 'x' }],
        ['textDocument/codeAction', { textDocument: { uri: URI }, range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } } }],
        ['textDocument/completion', { textDocument: {} }],
        ['textDocument/inlayHint', { textDocument: { uri: URI }, range: null }],
      ];
      for (const [method, params] of bad) {
        await assert.rejects(c.request(method, params), (e: { code: number }) => e.code === -32602, method);
      }
      await c.until(() => c.logs.filter((l) => /malformed request/.test(l.message)).length >= bad.length, 'the malformed requests logged');
      assert.equal(c.shown.length, shownBefore, JSON.stringify(c.shown.slice(shownBefore)));
      assert.ok(await c.request('textDocument/hover', { textDocument: { uri: URI }, position: positionOf(ARITHMETIC, 'logits =') }), 'still serving');
    });
  });

  test('stdin ending, after a message that is not a request or mid-message, ends the server without a stack trace', async () => {
    await buildServer();
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1 });
    for (const input of [`Content-Length: 2\r\n\r\n42`, `Content-Length: ${body.length}\r\n\r\n${body}`, 'Content-Length: 500\r\n\r\n{"a":1}']) {
      const p = spawn(process.execPath, [SERVER_JS, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d) => { err += String(d); });
      p.stdin.end(input);
      const code = await new Promise<number | null>((resolve) => {
        const t = setTimeout(() => { p.kill(); resolve(null); }, 5000);
        p.on('exit', (c) => { clearTimeout(t); resolve(c); });
      });
      assert.equal(code, 1, `exits (1: no shutdown) for ${JSON.stringify(input)}`);
      assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
    }
  });

  test('a frame without Content-Length: the server says why on stderr and exits', async () => {
    await buildServer();
    const p = spawn(process.execPath, [SERVER_JS, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += String(d); });
    p.stdin.write('Content-Type: application/json\r\n\r\n{}');
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => { p.kill(); resolve(null); }, 5000);
      p.on('exit', (c) => { clearTimeout(t); resolve(c); });
    });
    assert.equal(code, 1, 'exits instead of staying alive and deaf');
    assert.match(err, /needs a "Content-Length: N" header/);
  });
});

describe('plain text for clients without snippets or markdown', () => {
  test('snippets become what they stand for', () => {
    assert.equal(snippetToPlain('dense(${1:x}, ${2:size})'), 'dense');
    assert.equal(snippetToPlain('lr = ${1:1e-3}'), 'lr = 1e-3');
    assert.equal(snippetToPlain('input ${1:x}: ${2|int,float|}[${3:batch, time}]'), 'input x: int[batch, time]');
    assert.equal(snippetToPlain('model {\n\t$0\n}'), 'model {\n\t\n}');
    assert.equal(snippetToPlain('data ${1:text} "${2:data/input.txt}" {\n\t$0\n}'), 'data text "data/input.txt" {\n\t\n}');
    assert.equal(snippetToPlain('prime = ${1:\\$x}'), 'prime = $x');
  });
  test('markdown becomes readable text', () => {
    assert.equal(plainText('```rnn\nlogits: float[batch]\n```\n\nThe **op** `dense` of *x*.'), 'logits: float[batch]\n\nThe op dense of x.');
  });
});
