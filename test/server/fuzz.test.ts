// Fuzz: a few hundred random edits (characters and whole tokens, inserted and deleted) through the real
// bundled server; every feature is asked along the way. The server must stay up, never fail internally
// (no error logged, no message shown), publish diagnostics for the final version, and still answer hover.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LspClient } from './lsp';
import { ARITHMETIC } from './helpers';

/** Deterministic PRNG (mulberry32) so a failure reproduces with the printed seed. */
function rng(seed: number) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = ['lstm(', ')', '(', '[', ']', '{', '}', '=', ',', ' ', '\n', '#', '"', 'x', 'hidden', 'model {', 'train', 'data text "a.txt"',
  '_, s = gru(x, 3, init = s)', 'enc.h', '.', '*', '<', ':', '1e-3', '-1', 'input z: int[batch, time] < vocab', 'é', '\t', '\r\n', 'over = time', '@'];

function positionAt(text: string, offset: number) {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

const SEED = Number(process.env.UNROLL_FUZZ_SEED ?? 20261122);
const EDITS = 300;

describe(`fuzzing the server with ${EDITS} random edits (seed ${SEED})`, () => {
  let c: LspClient;
  before(async () => { c = await LspClient.start({ unroll: { diagnostics: { debounceMs: 5 } } }); });
  after(async () => { await c?.stop(); });

  test('the server survives, never fails internally, and answers hover afterwards', async () => {
    const rand = rng(SEED);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const uri = 'file:///ws/fuzz.rnn';
    let text = ARITHMETIC;
    let version = 1;
    await c.open(uri, text, version);
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < EDITS; i++) {
      const at = Math.floor(rand() * (text.length + 1));
      const r = rand();
      let start = at, end = at, insert = '';
      if (r < 0.35) insert = pick(TOKENS);
      else if (r < 0.55) insert = String.fromCharCode(32 + Math.floor(rand() * 95));
      else if (r < 0.85) end = Math.min(text.length, at + 1 + Math.floor(rand() * 6));
      else { end = Math.min(text.length, at + Math.floor(rand() * 4)); insert = pick(TOKENS); }
      // Never split a \r\n pair: LSP clients do not produce such edits either.
      if (text[start - 1] === '\r' && text[start] === '\n') start--;
      if (text[end - 1] === '\r' && text[end] === '\n') end++;
      const range = { start: positionAt(text, start), end: positionAt(text, end) };
      text = text.slice(0, start) + insert + text.slice(end);
      version++;
      await c.change(uri, version, [{ range, text: insert }]);
      // Ask every feature at a random position every few edits (not awaited: requests race with edits).
      if (i % 5 === 0) {
        const pos = positionAt(text, Math.floor(rand() * (text.length + 1)));
        const td = { textDocument: { uri } };
        const full = { start: { line: 0, character: 0 }, end: positionAt(text, text.length) };
        pending.push(
          c.request('textDocument/hover', { ...td, position: pos }),
          c.request('textDocument/completion', { ...td, position: pos }),
          c.request('textDocument/signatureHelp', { ...td, position: pos }),
          c.request('textDocument/definition', { ...td, position: pos }),
          c.request('textDocument/references', { ...td, position: pos, context: { includeDeclaration: true } }),
          c.request('textDocument/inlayHint', { ...td, range: full }),
          c.request('textDocument/documentSymbol', td),
          c.request('textDocument/foldingRange', td),
          c.request('textDocument/semanticTokens/full', td),
          c.request('textDocument/formatting', { ...td, options: { tabSize: 2, insertSpaces: true } }),
          c.request('textDocument/codeLens', td),
          c.request('textDocument/codeAction', { ...td, range: { start: pos, end: pos }, context: { diagnostics: c.diagnostics.get(uri)?.diagnostics ?? [] } }),
          c.request('textDocument/prepareRename', { ...td, position: pos }).catch((e: Error) => {
            // Refusing to rename is a normal answer; anything else is a failure.
            if (!/cannot be renamed|can be renamed|not a tensor/.test(e.message)) throw e;
          }),
        );
      }
    }
    await Promise.all(pending);
    const final = await c.diagnosticsFor(uri, version, 15000);
    assert.ok(Array.isArray(final.diagnostics));
    assert.ok(c.alive, 'server process still running');
    const failures = c.logs.filter((l) => l.type === 1).map((l) => l.message);
    assert.deepEqual(failures, [], `internal errors (seed ${SEED}):\n${failures.join('\n')}\nfinal text:\n${text}`);
    assert.deepEqual(c.shown, []);
    // The same text opened fresh gets the same diagnostics: incremental sync kept the text right.
    await c.open('file:///ws/fresh.rnn', text, 1);
    const fresh = await c.diagnosticsFor('file:///ws/fresh.rnn', 1);
    assert.deepEqual(fresh.diagnostics.map((d) => d.message), final.diagnostics.map((d) => d.message));
    // And the fuzzed document, set back to a valid experiment, answers hover with the right shape.
    await c.change(uri, ++version, [{ text: ARITHMETIC }]);
    const h = await c.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line: 18, character: 3 } });
    assert.match(h?.contents.value ?? '', /logits: float\[batch 32, tgt 4, vocab 13\]/);
  });
});
