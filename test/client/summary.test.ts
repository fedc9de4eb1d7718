import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCount, formatSummary, hintText, parseParamCount, statementNameColumn, statusText, summaryRows } from '../../client/summary';

test('parameter counts are read from code lens titles in plain, grouped and scaled forms', () => {
  assert.equal(parseParamCount('Summary: 1,234,567 parameters'), 1234567);
  assert.equal(parseParamCount('Summary: 803 parameters'), 803);
  assert.equal(parseParamCount('12.5k params'), 12500);
  assert.equal(parseParamCount('Summary: 1.2M parameters'), 1200000);
  assert.equal(parseParamCount('Train'), undefined);
  assert.equal(parseParamCount('Summary: ? parameters'), undefined);
});

test('counts format compactly for the status bar', () => {
  assert.equal(formatCount(999), '999');
  assert.equal(formatCount(12345), '12.3k');
  assert.equal(formatCount(1234567), '1.23M');
});

test('hint labels lose their leading separator; label parts are joined', () => {
  assert.equal(hintText({ position: { line: 0, character: 0 }, label: ': [batch 32, time 100]' }), '[batch 32, time 100]');
  assert.equal(hintText({ position: { line: 0, character: 0 }, label: [{ value: ' → ' }, { value: '[batch 32]' }] }), '[batch 32]');
});

test('summary rows pair each hinted line with its statement, keeping runtime shapes apart', () => {
  const lines = ['model {', '  e = embedding(x, vocab, 64)   # table', '  out, st = lstm(e, 256)', '}'];
  const rows = summaryRows(lines, [
    { position: { line: 2, character: 30 }, label: '[batch 32, time 100, 256]' },
    { position: { line: 1, character: 40 }, label: '[batch 32, time 100, embed 64]' },
    { position: { line: 2, character: 30 }, label: 'ran: [batch 32, time 37, 256]' },
  ]);
  assert.deepEqual(rows, [
    { line: 1, statement: 'e = embedding(x, vocab, 64)', shape: '[batch 32, time 100, embed 64]' },
    { line: 2, statement: 'out, st = lstm(e, 256)', shape: '[batch 32, time 100, 256]', ran: '[batch 32, time 37, 256]' },
  ]);
  const md = formatSummary('char_lm.rnn', rows, { shapes: 2, params: 1234, errors: 0, warnings: 1 });
  const table = md.split('\n').slice(2, 5);
  assert.deepEqual(table, [
    'line  statement                    shape                           ran',
    '   2  e = embedding(x, vocab, 64)  [batch 32, time 100, embed 64]',
    '   3  out, st = lstm(e, 256)       [batch 32, time 100, 256]       [batch 32, time 37, 256]',
  ]);
  assert.match(md, /Trainable parameters: 1,234/);
});

test('an experiment without shapes gets a summary that says why, and an unknown parameter count says so', () => {
  const md = formatSummary('bad.rnn', [], { shapes: 0, errors: 2, warnings: 0 });
  assert.match(md, /No model statement has a known shape yet/);
  assert.match(md, /unknown until every size is known/);
  assert.match(md, /2 error\(s\)/);
});

test('the status text gives shapes, parameters and problems', () => {
  assert.deepEqual(statusText({ shapes: 6, params: 803_000, errors: 0, warnings: 0 }), { text: '6 shapes, 803k params', detail: 'checks clean' });
  assert.deepEqual(statusText({ shapes: 1, errors: 1, warnings: 3 }), { text: '1 shape', detail: '1 error' });
  assert.deepEqual(statusText({ params: 5, errors: 0, warnings: 2 }), { text: '5 params', detail: '2 warnings' }, 'inlay hints off: no shape count');
});

test('the summary adds a right-aligned params column when statements have counts', () => {
  const md = formatSummary('a.rnn', [
    { line: 0, statement: 'input x: int[batch]', shape: '[batch 32]' },
    { line: 1, statement: 'h = dense(x, 256)', shape: '[batch 32, 256]', params: 821248 },
  ], { shapes: 2, params: 821248, errors: 0, warnings: 0 });
  assert.deepEqual(md.split('\n').slice(2, 5), [
    'line  statement            shape             params',
    '   1  input x: int[batch]  [batch 32]',
    '   2  h = dense(x, 256)    [batch 32, 256]  821,248',
  ]);
});

test('the hover position of a statement is its first output name other than _, or the name after input', () => {
  assert.equal(statementNameColumn('  out, st = lstm(e, 64)'), 2);
  assert.equal(statementNameColumn('  input x: int[batch]'), 8);
  assert.equal(statementNameColumn('  _, st = lstm(e, 64)'), 5);
  assert.equal(statementNameColumn('  _ = dense(e, 4)'), undefined);
  assert.equal(statementNameColumn('}'), undefined);
});

test('with inlay hints off the summary says where shapes went instead of blaming the experiment', () => {
  assert.match(formatSummary('a.rnn', [], { errors: 0, warnings: 0 }), /unroll\.inlayHints\.enabled/);
});
