// Fuzz: a few hundred random edits (characters and whole tokens, inserted and deleted) through the real
// bundled server, once per client profile (VS Code's capabilities, a client with none of the optional forms,
// Neovim 0.7's); every feature is asked along the way. The server must stay up, never fail internally (no
// error logged, no message shown), publish diagnostics for the final version, answer in the forms the client
// supports only, and still answer hover.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LspClient, VSCODE_CAPABILITIES } from './lsp';
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
const EDITS = Number(process.env.UNROLL_FUZZ_EDITS ?? 300);

interface Profile { name: string; caps: unknown; snippets: boolean; markdown: boolean; versions: boolean }
const PROFILES: Profile[] = [
  { name: 'VS Code', caps: VSCODE_CAPABILITIES, snippets: true, markdown: true, versions: true },
  { name: 'no optional forms (eglot without yasnippet)', caps: {}, snippets: false, markdown: false, versions: false },
  {
    name: 'Neovim 0.7', snippets: false, markdown: true, versions: false,
    caps: { textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, completion: { completionItem: { snippetSupport: false, documentationFormat: ['markdown', 'plaintext'] } }, publishDiagnostics: { relatedInformation: true }, codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } } }, workspace: { configuration: true, workspaceFolders: true } },
  },
];

PROFILES.forEach((profile, n) => describe(`fuzzing the server with ${EDITS} random edits as ${profile.name} (seed ${SEED + n})`, () => {
  let c: LspClient;
  before(async () => { c = await LspClient.start({ unroll: { diagnostics: { debounceMs: 5 } } }, null, profile.caps); });
  after(async () => { await c?.stop(); });

  /** The diagnostics of the document's latest version: by version when the client takes versions, else the
   *  last publication once the server has caught up (a request answered after every edit, then its wait). */
  const finalDiagnostics = async (uri: string, version: number) => {
    if (profile.versions) return c.diagnosticsFor(uri, version, 15000);
    await c.request('textDocument/documentSymbol', { textDocument: { uri } });
    await new Promise((r) => setTimeout(r, 400));
    return c.until(() => c.diagnostics.get(uri), `diagnostics for ${uri}`);
  };

  test('the server survives, never fails internally, answers in the client\'s forms, and answers hover afterwards', async (t) => {
    const SEED_N = SEED + n;
    const rand = rng(SEED_N);
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
          c.request<{ contents: { kind: string } } | null>('textDocument/hover', { ...td, position: pos }).then((h) => {
            if (h && !profile.markdown) assert.equal(h.contents.kind, 'plaintext');
          }),
          c.request<{ insertText?: string; insertTextFormat?: number }[]>('textDocument/completion', { ...td, position: pos }).then((items) => {
            if (!profile.snippets) for (const it of items ?? []) assert.ok(it.insertTextFormat !== 2 && !/\$\{|\$\d/.test(it.insertText ?? ''), JSON.stringify(it));
          }),
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
    const final = await finalDiagnostics(uri, version);
    if (!profile.versions) assert.ok(c.published.every((p) => p.version === undefined), 'no version for a client without versionSupport');
    assert.ok(Array.isArray(final.diagnostics));
    assert.ok(c.alive, 'server process still running');
    const failures = c.logs.filter((l) => l.type === 1).map((l) => l.message);
    assert.deepEqual(failures, [], `internal errors (seed ${SEED_N}):\n${failures.join('\n')}\nfinal text:\n${text}`);
    assert.deepEqual(c.shown, []);
    // The same text opened fresh gets the same diagnostics: incremental sync kept the text right.
    await c.open('file:///ws/fresh.rnn', text, 1);
    const fresh = await finalDiagnostics('file:///ws/fresh.rnn', 1);
    assert.deepEqual(fresh.diagnostics.map((d) => d.message), final.diagnostics.map((d) => d.message));
    // And the fuzzed document, set back to a valid experiment, answers hover with the right shape.
    await c.change(uri, ++version, [{ text: ARITHMETIC }]);
    const h = await c.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line: 18, character: 3 } });
    assert.match(h?.contents.value ?? '', /logits: float\[batch 32, tgt 4, vocab 13\]/);
    const m = c.memory();
    if (m) t.diagnostic(`server after ${EDITS} edits: RSS ${m.rssMb.toFixed(0)} MB, peak ${m.peakMb.toFixed(0)} MB`);
  });
}));
