// The server survives a failing core: the failure is logged, reported once per document, the request gets
// an empty answer, and other documents keep working. Runs the server in-process over a pair of streams
// with an analyzer that fails on purpose.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createConnection } from 'vscode-languageserver/node';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { analyze, type Analysis } from '../../language/index';
import type { Analyzer } from '../../server/document';
import { startServer } from '../../server/server';
import { ARITHMETIC, positionOf } from './helpers';
import { VSCODE_CAPABILITIES } from './lsp';

const analyzer: Analyzer = (text, opts) => {
  if (text.includes('#explode')) throw new Error('boom in the core');
  const a = analyze(text, opts);
  // A malformed analysis: feature code that walks these lists throws.
  if (text.includes('#corrupt')) return { ...a, summaries: null, symbols: null } as unknown as Analysis;
  return a;
};

describe('reliability', () => {
  let client: MessageConnection;
  const shown: string[] = [];
  const logs: string[] = [];
  const diags = new Map<string, { version?: number; diagnostics: { message: string; severity?: number }[] }>();
  const waitFor = async <T>(f: () => T | undefined, what: string): Promise<T> => {
    const end = Date.now() + 5000;
    for (;;) {
      const v = f();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  before(async () => {
    const up = new PassThrough(), down = new PassThrough();
    startServer(createConnection(up, down), { analyzer });
    client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
    client.onNotification('window/showMessage', (p: { message: string }) => { shown.push(p.message); });
    client.onNotification('window/logMessage', (p: { message: string }) => { logs.push(p.message); });
    client.onNotification('textDocument/publishDiagnostics', (p: { uri: string; version?: number; diagnostics: { message: string }[] }) => { diags.set(p.uri, p); });
    client.listen();
    await client.sendRequest('initialize', { processId: null, rootUri: null, capabilities: VSCODE_CAPABILITIES, initializationOptions: { commands: ['unroll.train', 'unroll.showSummary'] } });
    await client.sendNotification('initialized', {});
  });
  after(() => client.dispose());

  const open = (uri: string, text: string) => client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'rnn', version: 1, text } });

  test('a core that throws yields one error diagnostic, a logged trace and a single message', async () => {
    const uri = 'file:///ws/explode.rnn';
    const text = ARITHMETIC + '#explode\n';
    await open(uri, text);
    const d = await waitFor(() => diags.get(uri), 'diagnostics');
    assert.equal(d.diagnostics.length, 1);
    assert.match(d.diagnostics[0].message, /could not check this file \(internal error: boom in the core\)/);
    await waitFor(() => (logs.some((l) => l.includes('boom in the core')) ? true : undefined), 'logged trace');
    // Token-based features still answer on the broken document.
    const h = await client.sendRequest('textDocument/hover', { textDocument: { uri }, position: positionOf(text, 'lstm(oh') }) as { contents: { value: string } };
    assert.match(h.contents.value, /lstm\(x, size/);
    await client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: text + '# more\n' }] });
    await waitFor(() => (diags.get(uri)?.version === 2 ? true : undefined), 'v2 diagnostics');
    assert.equal(shown.filter((m) => m.includes('explode.rnn')).length, 1, 'reported once per document');
  });

  test('a handler that throws answers empty, and the server keeps serving other documents', async () => {
    const bad = 'file:///ws/corrupt.rnn';
    const text = ARITHMETIC + '#corrupt\n';
    await open(bad, text);
    const range = { start: { line: 0, character: 0 }, end: { line: 40, character: 0 } };
    assert.deepEqual(await client.sendRequest('textDocument/inlayHint', { textDocument: { uri: bad }, range }), []);
    assert.equal(await client.sendRequest('textDocument/hover', { textDocument: { uri: bad }, position: positionOf(text, 'logits =') }), null);
    assert.deepEqual(await client.sendRequest('textDocument/codeLens', { textDocument: { uri: bad } }), [{ range: { start: { line: 11, character: 0 }, end: { line: 11, character: 5 } }, command: { title: 'Train', command: 'unroll.train', arguments: [bad] } }, { range: { start: { line: 11, character: 0 }, end: { line: 11, character: 5 } }, command: { title: `Summary: ${analyze(ARITHMETIC, { uri: bad }).totalParams!.toLocaleString('en-US')} parameters`, command: 'unroll.showSummary', arguments: [bad] } }]);
    assert.ok(logs.some((l) => /inlay hints failed on file:\/\/\/ws\/corrupt\.rnn/.test(l)), logs.join('\n'));
    assert.equal(shown.filter((m) => m.includes('corrupt.rnn')).length, 1);

    const good = 'file:///ws/good.rnn';
    await open(good, ARITHMETIC);
    const h = await client.sendRequest('textDocument/hover', { textDocument: { uri: good }, position: positionOf(ARITHMETIC, 'logits =') }) as { contents: { value: string } };
    assert.match(h.contents.value, /logits: float\[batch 32, tgt 4, vocab 13\]/);
  });

  test('malformed runtime-shape notifications are ignored with a warning', async () => {
    await client.sendNotification('unroll/runtimeShapes', { uri: 'file:///ws/good.rnn', shapes: 'nope' });
    await waitFor(() => (logs.some((l) => l.includes('ignored a malformed unroll/runtimeShapes')) ? true : undefined), 'warning');
    const h = await client.sendRequest('textDocument/hover', { textDocument: { uri: 'file:///ws/good.rnn' }, position: positionOf(ARITHMETIC, 'logits =') });
    assert.ok(h);
  });
});
