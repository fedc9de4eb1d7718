// The server's feature functions against the real language core, in plain Node: marker fixtures
// (`[|range|]`, `@@` cursor) give the positions.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Range } from '../../language/types';
import { codeActions, codeLenses } from '../../server/features/actions';
import { completion } from '../../server/features/completion';
import { coreDiagnostics, diagnosticsFor } from '../../server/features/diagnostics';
import { format } from '../../server/features/formatting';
import { hover } from '../../server/features/hover';
import { inlayHints } from '../../server/features/inlayHints';
import { definition, prepareRename, references, rename } from '../../server/features/navigation';
import { documentSymbols, foldingRanges } from '../../server/features/outline';
import { LEGEND, semanticTokens } from '../../server/features/semanticTokens';
import { signatureHelp } from '../../server/features/signatureHelp';
import { refactorActions } from '../../server/features/refactor';
import { DEFAULT_SETTINGS, type ServerSettings } from '../../server/protocol';
import { RuntimeShapes } from '../../server/runtime';
import { parseSettings } from '../../server/settings';
import { ARITHMETIC, ctxOf, fixture, positionOf } from './helpers';

const ALL: Range = { start: { line: 0, character: 0 }, end: { line: 1000, character: 0 } };
const hoverText = (text: string, needle: string, delta = 0, nth = 0) => {
  const h = hover(ctxOf(text), positionOf(text, needle, delta, nth));
  return h ? (h.contents as { value: string }).value : undefined;
};
const labels = (items: { label: string }[]) => items.map((i) => i.label);

function applyEdits(text: string, edits: { range: Range; newText: string }[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  for (const e of sorted) text = text.slice(0, offset(e.range.start)) + e.newText + text.slice(offset(e.range.end));
  return text;
}

describe('hover', () => {
  test('an arithmetic operator shows the shape of the innermost expression it makes', () => {
    const text = ARITHMETIC.replace('dec, _ = lstm(rep, hidden)\n  logits = dense(dec, vocab)', 'dec, _ = lstm(rep, hidden)\n  r = dec + relu(dec * 0.5)\n  logits = dense(r, vocab)');
    assert.deepEqual(ctxOf(text).analysis.diagnostics.filter((d) => d.severity === 1), []);
    const outer = hoverText(text, ' + ', 1)!;
    assert.match(outer, /r: float\[batch 32, tgt 4, hidden 32\]/);
    assert.match(outer, /\*\*add\*\*/);
    const inner = hoverText(text, ' * 0.5', 1)!;
    assert.match(inner, /dec \* 0\.5: float\[batch 32, tgt 4, hidden 32\]/);
    assert.match(inner, /\*\*mul\*\*/);
  });
  test('an inner call of a nested expression shows its own shape, parameters and rule; its line keeps one hint', () => {
    const text = ARITHMETIC.replace('dec, _ = lstm(rep, hidden)\n  logits = dense(dec, vocab)', 'logits = dense(tanh(gru(rep, hidden)), vocab)');
    assert.deepEqual(ctxOf(text).analysis.diagnostics.filter((d) => d.severity === 1), []);
    const gru = hoverText(text, 'gru(')!;
    assert.match(gru, /gru\(rep, hidden\): float\[batch 32, tgt 4, hidden 32\]/);
    assert.match(gru, /\*\*gru\*\* · 6,336 parameters/);
    assert.match(gru, /Shape rule:/);
    const tanh = hoverText(text, 'tanh(')!;
    assert.match(tanh, /tanh\(gru\(rep, hidden\)\): float\[batch 32, tgt 4, hidden 32\]/);
    const line = text.split('\n').findIndex((l) => l.includes('logits = dense(tanh'));
    const hints = inlayHints(ctxOf(text), { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, DEFAULT_SETTINGS);
    assert.deepEqual(hints.map((h) => h.label), [': [batch 32, tgt 4, vocab 13]']);
  });
  test('a tensor shows its shape with names and sizes, parameter count, the op\'s rule and doc', () => {
    const v = hoverText(ARITHMETIC, 'logits =')!;
    assert.match(v, /logits: float\[batch 32, tgt 4, vocab 13\]/);
    assert.match(v, /\*\*dense\*\* · 429 parameters \(`in\*out \+ out`\)/);
    assert.match(v, /Shape rule: `\[\.\., f\] -> \[\.\., size\]`/);
    assert.match(v, /fully connected/);
  });
  test('a use of a tensor hovers like its definition', () => {
    assert.equal(hoverText(ARITHMETIC, 'dense(dec', 6), hoverText(ARITHMETIC, 'dec, _'));
  });
  test('an input says which data source provides it', () => {
    assert.match(hoverText(ARITHMETIC, 'input x', 6)!, /x: int\[batch 32, src 8\] < vocab 13[\s\S]*provided by data source `arithmetic`/);
  });
  test('a state shows h and c with the layer and direction count', () => {
    const v = hoverText(ARITHMETIC, '_, enc', 3)!;
    assert.match(v, /enc: lstm state\n  h: float\[batch 32, hidden 32\]\n  c: float\[batch 32, hidden 32\]/);
    assert.match(v, /1 layer, 1 direction/);
  });
  test('a state field `enc.h` shows the top layer\'s hidden state', () => {
    assert.match(hoverText(ARITHMETIC, 'enc.h', 4)!, /enc\.h: float\[batch 32, hidden 32\]/);
  });
  test('a dimension shows its size and where it is bound', () => {
    assert.match(hoverText(ARITHMETIC, 'lstm(oh, hidden', 10)!, /dim hidden = 32[\s\S]*Bound in the `dims` block, line 4/);
    assert.match(hoverText(ARITHMETIC, 'tgt)', 0)!, /dim tgt = 4[\s\S]*Bound in the data source, line 7/);
  });
  test('an op name shows its signature, doc and shape rule', () => {
    const v = hoverText(ARITHMETIC, 'repeat(', 1)!;
    assert.match(v, /repeat\(x, D\)/);
    assert.match(v, /Shape rule: `\[batch, f\] -> \[batch, D, f\]`/);
  });
  test('the data source name shows what it provides, with the sizes it knows', () => {
    const v = hoverText(ARITHMETIC, 'data arithmetic', 6)!;
    assert.match(v, /- `x: int\[batch 32, src 8\] < vocab 13`/);
    assert.match(v, /- `samples` = `10000` \(int\)/);
  });
  test('argument names, block keys and optimizers show their docs', () => {
    const t = ARITHMETIC.replace('lstm(rep, hidden)', 'lstm(rep, hidden, layers = 2)');
    assert.match(hoverText(t, 'layers =')!, /lstm: layers = 1 {2}\(int\)\n\n```\n\nstacked layers|lstm: layers = 1/);
    assert.match(hoverText(ARITHMETIC, 'epochs')!, /train: epochs = 10/);
    assert.match(hoverText(ARITHMETIC, 'adam')!, /optimizer adam\(lr, beta1/);
  });
  test('punctuation, numbers and comments have no hover', () => {
    const t = '# a comment\n' + ARITHMETIC;
    assert.equal(hoverText(t, 'a comment'), undefined);
    assert.equal(hoverText(t, '= 32'), undefined);
    assert.equal(hoverText(t, '32', 1), undefined);
  });
});

describe('inlay hints', () => {
  const ctx = ctxOf(ARITHMETIC);
  test('each model statement gets its output shape at the end of its line', () => {
    const hints = inlayHints(ctx, ALL, DEFAULT_SETTINGS);
    const byLine = new Map(hints.map((h) => [h.position.line, h]));
    assert.equal(byLine.get(14)?.label, ': [batch 32, src 8, vocab 13]');
    assert.equal(byLine.get(15)?.label, ': enc.h [batch 32, hidden 32]'); // `_, enc = lstm(...)`: the kept state
    assert.deepEqual(byLine.get(18)?.position, { line: 18, character: ARITHMETIC.split('\n')[18].length });
    assert.equal(hints.length, 7);
  });
  test('shapeStyle names and sizes are respected, and disabled hints return nothing', () => {
    const style = (s: ServerSettings['shapeStyle']) => inlayHints(ctx, ALL, { ...DEFAULT_SETTINGS, shapeStyle: s }).find((h) => h.position.line === 18)?.label;
    assert.equal(style('names'), ': [batch, tgt, vocab]');
    assert.equal(style('sizes'), ': [32, 4, 13]');
    assert.deepEqual(inlayHints(ctx, ALL, { ...DEFAULT_SETTINGS, inlayHints: { enabled: false, runtime: true } }), []);
  });
  test('only statements inside the requested range get hints', () => {
    const hints = inlayHints(ctx, { start: { line: 16, character: 0 }, end: { line: 17, character: 100 } }, DEFAULT_SETTINGS);
    assert.deepEqual(hints.map((h) => h.position.line), [16, 17]);
  });
  test('runtime shapes add a `ran:` hint, and varying static dims accept any of their sizes', () => {
    const rt = new RuntimeShapes();
    rt.update({ uri: ctx.uri, runId: 'r7', shapes: { logits: [['batch', 32], ['tgt', 4], ['vocab', 13]], 'dec, _': [['batch', 32], ['tgt', 4], ['hidden', 32]] } });
    const ran = inlayHints(ctx, ALL, DEFAULT_SETTINGS, rt).filter((h) => String(h.label).startsWith('ran:'));
    assert.deepEqual(ran.map((h) => [h.position.line, h.label]), [[17, 'ran: [batch 32, tgt 4, hidden 32]'], [18, 'ran: [batch 32, tgt 4, vocab 13]']]);
    assert.deepEqual(diagnosticsFor(ctx, rt).filter((d) => d.code === 'runtime-shape'), []);

    const bucketed = ctxOf('data text "c.txt" {\n  tokens = words\n  buckets = [10, 20]\n}\nmodel {\n  input x: int[batch, time] < vocab\n}\n');
    const v = bucketed.analysis.values.get('x') as { dims: { name?: string; sizes?: readonly number[] }[] };
    assert.deepEqual(v.dims[1].sizes, [10, 20]);
    const rt2 = new RuntimeShapes();
    rt2.update({ uri: bucketed.uri, runId: 'r1', shapes: { x: [['batch', 32], ['time', 20]] } });
    assert.deepEqual(diagnosticsFor(bucketed, rt2).filter((d) => d.code === 'runtime-shape'), []);
    rt2.update({ uri: bucketed.uri, runId: 'r2', shapes: { x: [['batch', 32], ['time', 37]] } });
    const d = diagnosticsFor(bucketed, rt2).filter((x) => x.code === 'runtime-shape');
    assert.equal(d.length, 1);
    assert.match(String(d[0].message), /`time` was 37, the checker allows 10, 20/);
  });
  test('a state\'s runtime shape is keyed by its name and compared with its h', () => {
    const rt = new RuntimeShapes();
    rt.update({ uri: ctx.uri, runId: 'r2', shapes: { enc: [['batch', 32], ['hidden', 31]] } });
    const ran = inlayHints(ctx, ALL, DEFAULT_SETTINGS, rt).filter((h) => String(h.label).startsWith('ran:'));
    assert.deepEqual(ran.map((h) => [h.position.line, h.label]), [[15, 'ran: enc.h [batch 32, hidden 31]']]);
    const d = diagnosticsFor(ctx, rt).filter((x) => x.code === 'runtime-shape');
    assert.equal(d.length, 1);
    assert.match(String(d[0].message), /^`enc\.h` ran as \[batch 32, hidden 31\] in run r2, but the checker inferred \[batch 32, hidden 32\]: `hidden` was 31, the checker inferred 32\./);
    assert.equal(d[0].severity, 2);
  });
  test('a new run id replaces the previous run\'s shapes', () => {
    const rt = new RuntimeShapes();
    rt.update({ uri: ctx.uri, runId: 'a', shapes: { logits: [['batch', 32], ['tgt', 4], ['vocab', 13]] } });
    rt.update({ uri: ctx.uri, runId: 'b', shapes: { rep: [['batch', 32], ['tgt', 4], ['hidden', 32]] } });
    assert.deepEqual(inlayHints(ctx, ALL, DEFAULT_SETTINGS, rt).filter((h) => String(h.label).startsWith('ran:')).map((h) => h.position.line), [16]);
    assert.equal(rt.update({ uri: ctx.uri } as never), false);
  });
});

describe('completion', () => {
  const at = (marked: string) => { const f = fixture(marked); return completion(ctxOf(f.text), f.cursor); };
  test('at top level: the block keywords', () => {
    assert.deepEqual(labels(at('@@\n')), ['experiment', 'dims', 'data', 'model', 'train', 'sample', 'predict']);
  });
  test('after `data`: the data sources with snippets', () => {
    const items = at('data @@\n');
    assert.ok(['text', 'classify', 'pairs', 'series', 'arithmetic', 'sine', 'adding'].every((s) => labels(items).includes(s)));
    assert.match(items.find((i) => i.label === 'text')!.insertText!, /^text "\$\{1:data\/file\}" \{/);
  });
  test('after `name =` in the model: every op, as a snippet with its required arguments', () => {
    const items = at(ARITHMETIC.replace('  logits = dense(dec, vocab)', '  logits = dense(dec, vocab)\n  z = @@'));
    assert.equal(items.length, 22);
    assert.equal(items.find((i) => i.label === 'embedding')!.insertText, 'embedding(${1:x}, ${2:vocab}, ${3:size})');
    assert.equal(items.find((i) => i.label === 'mean')!.insertText, 'mean(${1:x}, over = ${2:time})');
    assert.equal(items.find((i) => i.label === 'concat')!.insertText, 'concat(${1:a}, ${2:b})');
  });
  test('an op\'s tensor argument offers only the tensors defined above the line', () => {
    const items = at(ARITHMETIC.replace('rep = repeat(enc.h, tgt)', 'rep = repeat(@@, tgt)'));
    const l = labels(items);
    assert.ok(l.includes('oh') && l.includes('enc') && l.includes('enc.h') && l.includes('x'), String(l));
    assert.ok(!l.includes('dec') && !l.includes('logits'), String(l));
  });
  test('never the name being defined: `z = dense(`, `dec, _ = lstm(` and a call continued on the next line', () => {
    const z = labels(at(ARITHMETIC.replace('logits = dense(dec, vocab)', 'logits = dense(@@')));
    assert.ok(z.includes('dec') && !z.includes('logits'), String(z));
    const multi = labels(at(ARITHMETIC.replace('dec, _ = lstm(rep, hidden)', 'dec, _ = lstm(\n    @@')));
    assert.ok(multi.includes('rep') && !multi.includes('dec'), String(multi));
    const pair = labels(at(ARITHMETIC.replace('_, enc = lstm(oh, hidden)', 'enc2, enc = lstm(@@, hidden)')));
    assert.ok(pair.includes('oh') && !pair.includes('enc') && !pair.includes('enc2') && !pair.includes('enc.h'), String(pair));
  });
  test('an op\'s size argument offers dims, then its keyword arguments', () => {
    const l = labels(at(ARITHMETIC.replace('lstm(oh, hidden)', 'lstm(oh, @@)')));
    assert.ok(l.includes('hidden') && l.includes('vocab') && l.includes('tgt'), String(l));
    assert.ok(l.includes('layers =') && l.includes('bidirectional =') && !l.includes('x ='), String(l));
  });
  test('keyword argument values: booleans, and the choices of a name parameter', () => {
    assert.deepEqual(labels(at(ARITHMETIC.replace('lstm(oh, hidden)', 'lstm(oh, hidden, bidirectional = @@)'))), ['true', 'false']);
    assert.deepEqual(labels(at(ARITHMETIC.replace('dense(dec, vocab)', 'dense(dec, vocab, activation = @@)'))).sort(), ['none', 'relu', 'sigmoid', 'softmax', 'tanh']);
  });
  test('train block: the keys not written yet, then losses, optimizers, metrics, inits and devices', () => {
    const keys = labels(at(ARITHMETIC.replace('  epochs = 100\n', '  epochs = 100\n  @@\n')));
    assert.ok(keys.includes('clip') && keys.includes('seed') && !keys.includes('epochs') && !keys.includes('loss'), String(keys));
    assert.deepEqual(labels(at(ARITHMETIC.replace('loss = cross_entropy(logits, y)', 'loss = @@'))), ['cross_entropy', 'binary_cross_entropy', 'mse']);
    assert.ok(labels(at(ARITHMETIC.replace('optimizer = adam(lr = 1e-3)', 'optimizer = @@'))).includes('rmsprop'));
    assert.deepEqual(labels(at(ARITHMETIC.replace('metrics = [exact_match]', 'metrics = [exact_match, @@]'))), ['accuracy', 'perplexity', 'exact_match']);
    assert.deepEqual(labels(at(ARITHMETIC.replace('  epochs = 100\n', '  epochs = 100\n  device = @@\n'))), ['auto', 'cpu', 'webgpu', 'cuda']);
    assert.ok(labels(at(ARITHMETIC.replace('  epochs = 100\n', '  epochs = 100\n  init = @@\n'))).includes('xavier'));
    assert.ok(labels(at(ARITHMETIC.replace('cross_entropy(logits, y)', 'cross_entropy(logits, @@)'))).includes('y'));
    assert.ok(labels(at(ARITHMETIC.replace('adam(lr = 1e-3)', 'adam(lr = 1e-3, @@)'))).includes('beta1 ='));
  });
  test('data block: the source\'s arguments', () => {
    const l = labels(at(ARITHMETIC.replace('  batch = 32\n}', '  batch = 32\n  @@\n}')));
    assert.ok(l.includes('numbers') && l.includes('largest') && !l.includes('batch'), String(l));
    assert.deepEqual(labels(at('data text "a.txt" {\n  tokens = @@\n}\n')), ['chars', 'words']);
  });
  test('input declarations: element types after `:`, dims inside the brackets', () => {
    assert.deepEqual(labels(at(ARITHMETIC.replace('input y: int[batch, tgt] < vocab', 'input y: @@'))), ['int', 'float']);
    assert.ok(labels(at(ARITHMETIC.replace('input y: int[batch, tgt] < vocab', 'input y: int[batch, @@'))).includes('tgt'));
  });
  test('after a state and a dot: its fields (h, and c for an lstm)', () => {
    assert.deepEqual(labels(at(ARITHMETIC.replace('repeat(enc.h, tgt)', 'repeat(enc.@@, tgt)'))), ['h', 'c']);
  });
  test('nothing inside comments and strings', () => {
    assert.deepEqual(at('# model @@\n'), []);
    assert.deepEqual(at('data text "da@@ta.txt" {\n}\n'), []);
  });
});

describe('signature help', () => {
  const sig = (marked: string) => { const f = fixture(marked); return signatureHelp(ctxOf(f.text), f.cursor); };
  test('the active parameter follows commas and `name =` arguments', () => {
    const s = sig(ARITHMETIC.replace('lstm(oh, hidden)', 'lstm(oh, @@)'))!;
    assert.equal(s.signatures[0].label, 'lstm(x, size, layers=1, dropout=0, bidirectional=false, init)');
    assert.equal(s.activeParameter, 1);
    const [a, b] = s.signatures[0].parameters![1].label as [number, number];
    assert.equal(s.signatures[0].label.slice(a, b), 'size');
    assert.equal(sig(ARITHMETIC.replace('lstm(oh, hidden)', 'lstm(oh, hidden, bidirectional = @@)'))!.activeParameter, 4);
    assert.equal(sig(ARITHMETIC.replace('cross_entropy(logits, y)', 'cross_entropy(logits, @@y)'))!.activeParameter, 1);
  });
  test('nested brackets and calls outside any op give the right answer', () => {
    assert.equal(sig(ARITHMETIC.replace('lstm(oh, hidden)', 'lstm(oh, [a, b], @@)'))!.activeParameter, 2);
    assert.equal(sig(ARITHMETIC.replace('lstm(oh, hidden)', 'lstm(oh, hidden)@@')), null);
  });
});

describe('definition, references, rename', () => {
  const ctx = ctxOf(ARITHMETIC);
  test('go to definition jumps from a use to the statement that defines it', () => {
    const d = definition(ctx, positionOf(ARITHMETIC, 'repeat(enc', 7))!;
    assert.deepEqual(d.range.start, positionOf(ARITHMETIC, 'enc ='));
  });
  test('references list the definition (when asked) and every use', () => {
    const refs = references(ctx, positionOf(ARITHMETIC, 'hidden = 32'), true).map((r) => r.range.start.line);
    assert.deepEqual(refs, [3, 15, 17]);
    assert.deepEqual(references(ctx, positionOf(ARITHMETIC, 'hidden = 32'), false).map((r) => r.range.start.line), [15, 17]);
  });
  test('renaming a dim changes the dims entry and every use, and the result checks clean', () => {
    const edit = rename(ctx, positionOf(ARITHMETIC, 'hidden)', 0), 'width');
    const after = applyEdits(ARITHMETIC, edit.changes![ctx.uri]);
    assert.equal((after.match(/\bwidth\b/g) ?? []).length, 3);
    assert.ok(!/\bhidden\b/.test(after));
    assert.deepEqual(ctxOf(after).analysis.diagnostics, []);
  });
  test('prepareRename refuses keywords, ops and names the data source binds', () => {
    assert.throws(() => prepareRename(ctx, positionOf(ARITHMETIC, 'model')), /keyword/);
    assert.throws(() => prepareRename(ctx, positionOf(ARITHMETIC, 'lstm(oh')), /built-in op/);
    assert.throws(() => prepareRename(ctx, positionOf(ARITHMETIC, 'vocab)')), /named by the data source/);
    assert.throws(() => prepareRename(ctx, positionOf(ARITHMETIC, 'input x', 6)), /provided by the data source/);
    assert.deepEqual(prepareRename(ctx, positionOf(ARITHMETIC, 'rep =')).placeholder, 'rep');
  });
  test('rename refuses invalid names and names already in use', () => {
    assert.throws(() => rename(ctx, positionOf(ARITHMETIC, 'rep ='), '2x'), /not a valid name/);
    assert.throws(() => rename(ctx, positionOf(ARITHMETIC, 'rep ='), 'lstm'), /name of an op/);
    assert.throws(() => rename(ctx, positionOf(ARITHMETIC, 'rep ='), 'dec'), /already defined \(line 18\)/);
  });
});

describe('outline, folding, semantic tokens', () => {
  test('document symbols: one per block, with statements and keys as children', () => {
    const syms = documentSymbols(ctxOf(ARITHMETIC));
    assert.deepEqual(syms.map((s) => s.name), ['experiment arithmetic', 'dims', 'data', 'model', 'train']);
    const model = syms.find((s) => s.name === 'model')!;
    assert.deepEqual(model.children!.map((c) => c.name), ['x', 'y', 'oh', '_, enc', 'rep', 'dec, _', 'logits']);
    assert.match(model.children!.find((c) => c.name === 'logits')!.detail!, /dense \[batch 32, tgt 4, vocab 13\]/);
    assert.deepEqual(syms.find((s) => s.name === 'train')!.children!.map((c) => c.name), ['loss', 'optimizer', 'epochs', 'metrics']);
    const one = documentSymbols(ctxOf('sample { prime = "The ", length = 400 }\n'));
    assert.deepEqual(one[0].children!.map((c) => c.name), ['prime', 'length']);
  });
  test('folding ranges cover multi-line blocks (keeping the closing brace visible) and comment runs', () => {
    const text = '# one\n# two\n# three\n' + ARITHMETIC;
    const f = foldingRanges(ctxOf(text));
    assert.ok(f.some((r) => r.startLine === 0 && r.endLine === 2 && r.kind === 'comment'));
    assert.ok(f.some((r) => r.startLine === 14 && r.endLine === 21 && r.kind === undefined), JSON.stringify(f)); // model
    assert.ok(!f.some((r) => r.startLine === 3), 'a one-line experiment header does not fold');
  });
  test('semantic tokens classify ops, dims (declared in dims), tensors and keywords', () => {
    const text = ARITHMETIC;
    const ctx = ctxOf(text);
    const data = semanticTokens(ctx).data;
    const decoded: { line: number; char: number; text: string; type: string; mods: number }[] = [];
    let line = 0, char = 0;
    for (let i = 0; i < data.length; i += 5) {
      line += data[i];
      char = data[i] === 0 ? char + data[i + 1] : data[i + 1];
      decoded.push({ line, char, text: text.split('\n')[line].slice(char, char + data[i + 2]), type: LEGEND.tokenTypes[data[i + 3]], mods: data[i + 4] });
    }
    const find = (t: string, l: number) => decoded.find((d) => d.text === t && d.line === l)!;
    assert.equal(find('lstm', 15).type, 'function');
    assert.equal(find('hidden', 3).type, 'type');
    assert.equal(find('hidden', 3).mods & 1, 1, 'the dims entry is a declaration');
    assert.equal(find('hidden', 15).mods & 1, 0);
    assert.equal(find('oh', 14).type, 'variable');
    assert.equal(find('model', 11).type, 'keyword');
    assert.equal(find('arithmetic', 6).type, 'namespace');
    assert.equal(find('epochs', 24).type, 'property');
    assert.equal(find('lr', 23).type, 'parameter');
    assert.equal(find('exact_match', 25).type, 'enumMember');
    assert.ok(!decoded.some((d) => d.text === '_'), 'a discard is not a name');
  });
});

describe('formatting', () => {
  const messy = `experiment   arithmetic
dims {
hidden = 32
    embed=8
}
data arithmetic {
      samples = 1000
  batch    =   32
}
model {
 input x: int[batch, src] < vocab
  input y: int[batch, tgt] < vocab   # targets
        oh = one_hot(x, vocab)
  _, enc = lstm(oh,
      hidden)
  rep = repeat(enc.h, tgt)
  dec, _ = lstm(rep, hidden)
  logits = dense(dec, vocab)
  }
train { loss = cross_entropy(logits, y) }
`;
  test('indents blocks by two spaces and aligns = within each block', () => {
    const out = applyEdits(messy, format(ctxOf(messy)));
    assert.equal(out, `experiment   arithmetic
dims {
  hidden = 32
  embed  = 8
}
data arithmetic {
  samples = 1000
  batch   = 32
}
model {
  input x: int[batch, src] < vocab
  input y: int[batch, tgt] < vocab   # targets
  oh     = one_hot(x, vocab)
  _, enc = lstm(oh,
    hidden)
  rep    = repeat(enc.h, tgt)
  dec, _ = lstm(rep, hidden)
  logits = dense(dec, vocab)
}
train { loss = cross_entropy(logits, y) }
`);
  });
  test('is idempotent and never changes what the file means', () => {
    const once = applyEdits(messy, format(ctxOf(messy)));
    assert.deepEqual(format(ctxOf(once)), []);
    const strip = (t: string) => ctxOf(t).tokens.filter((k) => k.kind !== 'newline').map((k) => k.text);
    assert.deepEqual(strip(once), strip(messy));
    assert.deepEqual(ctxOf(once).analysis.diagnostics.map((d) => d.code), ctxOf(messy).analysis.diagnostics.map((d) => d.code));
  });
  test('spacing inside calls and lists is made regular; the space before a comment is kept', () => {
    const text = 'model {\n  input x: float[batch, time, f]\n  logits=dense( x ,  hidden,activation = relu )      # aligned by hand\n  r = reshape(x, [ batch * time , f ])\n}\n';
    const out = applyEdits(text, format(ctxOf(text)));
    assert.equal(out, 'model {\n  input x: float[batch, time, f]\n  logits = dense(x, hidden, activation = relu)      # aligned by hand\n  r      = reshape(x, [batch * time, f])\n}\n');
    assert.deepEqual(format(ctxOf(out)), []);
  });
  test('every example is unchanged by formatting, or changed only in whitespace and then stable', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = `${__dirname}/../../examples`;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.rnn'))) {
      const text = readFileSync(`${dir}/${f}`, 'utf8');
      const out = applyEdits(text, format(ctxOf(text)));
      assert.equal(out.replace(/\s+/g, ''), text.replace(/\s+/g, ''), f);
      assert.deepEqual(format(ctxOf(out)), [], `${f}: formatting is idempotent`);
    }
  });
  test('a file with syntax errors is still only re-indented', () => {
    const broken = 'model {\n      x = lstm(\n   y = = 3\n';
    const out = applyEdits(broken, format(ctxOf(broken)));
    assert.equal(out.replace(/\s+/g, ''), broken.replace(/\s+/g, ''));
    assert.deepEqual(format(ctxOf(out)), []);
  });
});

describe('diagnostics, code actions, code lens', () => {
  test('LSP diagnostics carry the code, source, the fix text and related information', () => {
    const t = ARITHMETIC.replace('rep = repeat(enc.h, tgt)', 'rep = repeat(enc.h, src)');
    const d = diagnosticsFor(ctxOf(t)).find((x) => x.code === 'loss-shape')!;
    assert.equal(d.source, 'unroll');
    assert.match(String(d.message), /\nFix: /);
    assert.equal(d.relatedInformation![0].location.uri, 'file:///work/exp.rnn');
  });
  test('code actions apply the checker\'s quick fix for an unknown op', () => {
    const t = ARITHMETIC.replace('dense(dec', 'dnse(dec');
    const ctx = ctxOf(t);
    const diags = diagnosticsFor(ctx);
    const d = diags.find((x) => x.code === 'unknown-op')!;
    const actions = codeActions(ctx, d.range, [d]);
    assert.equal(actions.length, 1);
    assert.equal(actions[0].isPreferred, true);
    const out = applyEdits(t, actions[0].edit!.changes![ctx.uri]);
    assert.equal(out, ARITHMETIC);
  });
  test('did-you-mean fixes are added where the core offers none', () => {
    const t = ARITHMETIC.replace('dense(dec', 'dense(deck');
    const ctx = ctxOf(t);
    for (const d of ctx.analysis.diagnostics) delete d.quickFixes;
    const fixed = coreDiagnostics(ctx).find((d) => d.code === 'unknown-name')!;
    assert.equal(fixed.quickFixes![0].edits[0].newText, 'dec');
    assert.equal(fixed.quickFixes![0].preferred, true);
  });
  test('code lenses above model: Train and the total parameter count', () => {
    const ctx = ctxOf(ARITHMETIC);
    const lenses = codeLenses(ctx);
    assert.equal(lenses[0].range.start.line, 11);
    assert.deepEqual(lenses.map((l) => l.command!.title), ['Train', `Summary: ${ctx.analysis.totalParams!.toLocaleString('en-US')} parameters`]);
    assert.ok(ctx.analysis.totalParams! > 0);
  });
});

describe('settings', () => {
  test('nested, section-only and flat dotted settings are all read; bad values keep the previous ones', () => {
    assert.equal(parseSettings({ unroll: { shapeStyle: 'sizes' } }).shapeStyle, 'sizes');
    assert.equal(parseSettings({ inlayHints: { enabled: false } }).inlayHints.enabled, false);
    assert.equal(parseSettings({ 'unroll.shapeStyle': 'names' }).shapeStyle, 'names');
    assert.equal(parseSettings({ unroll: { diagnostics: { debounceMs: 40 } } }).diagnostics.debounceMs, 40);
    const base = parseSettings({ shapeStyle: 'names' });
    assert.equal(parseSettings({ shapeStyle: 'fancy', debounceMs: -3 }, base).shapeStyle, 'names');
    assert.equal(parseSettings(null).diagnostics.debounceMs, DEFAULT_SETTINGS.diagnostics.debounceMs);
  });
});

describe('refactoring: extract a nested call, inline a tensor read once', () => {
  const NESTED = ARITHMETIC.replace('dec, _ = lstm(rep, hidden)\n  logits = dense(dec, vocab)', 'logits = dense(tanh(gru(rep, hidden)), vocab)');
  const act = (text: string, needle: string, kind: string) => {
    const pos = positionOf(text, needle);
    return refactorActions(ctxOf(text), { start: pos, end: pos }).find((a) => a.kind === kind);
  };
  const apply = (text: string, a: { edit?: { changes?: Record<string, { range: Range; newText: string }[]> } }) => applyEdits(text, Object.values(a.edit!.changes!)[0]);

  test('extract puts the innermost call under the cursor on the line above, named after its op', () => {
    const a = act(NESTED, 'gru(', 'refactor.extract')!;
    assert.equal(a.title, 'Extract gru(rep, hidden) to a named statement');
    const out = apply(NESTED, a);
    assert.match(out, /\n {2}gru_out = gru\(rep, hidden\)\n {2}logits = dense\(tanh\(gru_out\), vocab\)\n/);
    assert.deepEqual(ctxOf(out).analysis.diagnostics.filter((d) => d.severity === 1), []);
  });

  test('inline puts a tensor read once back into its reader and removes its statement; the round trip is exact', () => {
    const extracted = apply(NESTED, act(NESTED, 'gru(', 'refactor.extract')!);
    const a = act(extracted, 'gru_out =', 'refactor.inline')!;
    assert.equal(a.title, 'Inline gru_out into the call that reads it');
    assert.equal(apply(extracted, a), NESTED);
  });

  test('no inline for a tensor read twice, an input, a recurrent pair, or one the loss reads', () => {
    assert.equal(act(ARITHMETIC, 'oh =', 'refactor.inline')?.title, 'Inline oh into the call that reads it');
    assert.equal(act(ARITHMETIC, 'logits =', 'refactor.inline'), undefined, 'read by the loss in train');
    assert.equal(act(ARITHMETIC, 'x: int', 'refactor.inline'), undefined);
    assert.equal(act(ARITHMETIC, 'dec, _', 'refactor.inline'), undefined);
    const twice = ARITHMETIC.replace('logits = dense(dec, vocab)', 'logits = dense(concat(dec, dec), vocab)');
    assert.equal(act(twice, 'dec, _', 'refactor.inline'), undefined);
  });

  test('no extract outside a nested call', () => {
    assert.equal(act(ARITHMETIC, 'lstm(oh', 'refactor.extract'), undefined);
  });
});
