// One analysed version per keystroke: the server reuses the core's tokens instead of lexing again, and
// the token-level structure and colouring built from those lazily-ranged tokens are exactly what plain
// tokens with eager ranges give.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze, LineMap, tokenize, type Token } from '../../language/index';
import { AnalysisCache } from '../../server/document';
import { semanticTokens } from '../../server/features/semanticTokens';
import { buildSyntax } from '../../server/syntax';
import { ARITHMETIC, ctxOf } from './helpers';

/**
 * Plain objects with every position computed up front by the LineMap's search, independently of the
 * lexer's own tracking: what tokens looked like before ranges were lazy.
 */
const eager = (text: string): Token[] => {
  const map = new LineMap(text);
  return tokenize(text).map((t) => {
    const { line, character } = map.position(t.start);
    return { kind: t.kind, text: t.text, start: t.start, end: t.end, line, character, range: map.range(t.start, t.end) };
  });
};

const TRICKY = 'experiment t\r\nmodel {\r\n  input x: float[batch, time, 3]\r\n  s = "a\\\r\n  b"  # a string over two lines\n  h = tanh(x)\r}\n';

describe('document context', () => {
  test('a context answers from the tokens the analysis parsed: no second lex', () => {
    const ctx = ctxOf(ARITHMETIC);
    assert.ok(ctx.analysis.tokens, 'the core hands its tokens over');
    assert.equal(ctx.tokens, ctx.analysis.tokens);
    assert.equal(ctx.syntax.tokens, ctx.analysis.tokens);
  });

  for (const [name, text] of [['the arithmetic example', ARITHMETIC], ['CRLF, lone CR and a string over two lines', TRICKY]] as const) {
    test(`line structure and blocks from the core's tokens equal those from eager tokens (${name})`, () => {
      const ctx = ctxOf(text);
      const fresh = buildSyntax(eager(text), ctx.doc.lineCount);
      const view = (s: ReturnType<typeof buildSyntax>) => ({
        lines: s.lines.map((l) => [l.from, l.to, l.braceDepth, l.parenDepth, l.insideToken, l.block?.kind]),
        blocks: s.blocks.map((b) => [b.kind, b.first, b.open, b.close, b.last, b.startLine, b.endLine, b.range]),
      });
      assert.deepEqual(view(ctx.syntax), view(fresh));
    });

    test(`semantic tokens from the core's tokens equal those from eager tokens (${name})`, () => {
      const ctx = ctxOf(text);
      const plain = eager(text);
      const eagerCtx = { ...ctx, uri: ctx.uri, doc: ctx.doc, text: ctx.text, analysis: ctx.analysis, tokens: plain, syntax: buildSyntax(plain, ctx.doc.lineCount) };
      assert.deepEqual(semanticTokens(ctx), semanticTokens(eagerCtx));
    });
  }
});

describe('analysis cache', () => {
  test('a new version is analysed once, after the stale version is let go, and cached until the next edit', () => {
    const uri = 'file:///work/cache.rnn';
    const seenDuring: unknown[] = [];
    let calls = 0;
    const cache: AnalysisCache = new AnalysisCache(() => undefined, (text, opts) => { calls++; seenDuring.push(cache.peek(uri)); return analyze(text, opts); });
    const v1 = cache.get(TextDocument.create(uri, 'rnn', 1, ARITHMETIC));
    assert.equal(cache.get(TextDocument.create(uri, 'rnn', 1, ARITHMETIC)), v1, 'the same version is served from the cache');
    const v2 = cache.get(TextDocument.create(uri, 'rnn', 2, `${ARITHMETIC}\n`));
    assert.equal(v2.version, 2);
    assert.equal(calls, 2);
    assert.deepEqual(seenDuring, [undefined, undefined], 'version 1 was no longer cached while version 2 was analysed');
    assert.equal(cache.peek(uri), v2);
  });
});
