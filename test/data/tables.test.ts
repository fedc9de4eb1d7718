import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RowReader } from '../../language/data';

function readAll(file: string, content: string, columns?: string[]) {
  const r = new RowReader(file, columns);
  const rows = content.split('\n').flatMap((l, i) => {
    const row = r.line(l, i + 1);
    return row ? [row] : [];
  });
  return { rows, header: r.header };
}

const csvField = (s: string) => (/[",\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s);

test('CSV: any table written as RFC 4180 reads back cell for cell, with the line each row starts on', () => {
  const cell = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', '"', '\n', 'é', '😀'), maxLength: 8 });
  fc.assert(fc.property(fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 6 }), (table) => {
    // A row whose every cell is blank is a blank line, skipped like any blank line.
    const rows = table.filter(([a, b]) => (csvField(a) + ',' + csvField(b)).trim() !== ',');
    const lines = ['left,right', ...rows.map(([a, b]) => `${csvField(a)},${csvField(b)}`)];
    const got = readAll('t.csv', lines.join('\n') + '\n');
    assert.deepEqual(got.rows.map((r) => [r.cells.left, r.cells.right]), rows.map(([a, b]) => [csvField(a) === a ? a.trim() : a, csvField(b) === b ? b.trim() : b]));
    let line = 2;
    got.rows.forEach((r, i) => {
      assert.equal(r.line, line);
      line += lines[i + 1].split('\n').length;
    });
  }), { numRuns: 300 });
});

test('CSV: a quoted field may span lines; the next row keeps its own line number', () => {
  const { rows } = readAll('m.csv', 'text,label\n"first line\nsecond line",pos\nplain,neg\n');
  assert.deepEqual(rows.map((r) => [r.cells.text, r.cells.label, r.line]), [['first line\nsecond line', 'pos', 2], ['plain', 'neg', 4]]);
});

test('TSV splits on tabs without quoting; JSONL reads numbers and booleans as text', () => {
  assert.deepEqual(readAll('a.tsv', 'text\tlabel\nsay "hi", ok\t1\n').rows[0].cells, { text: 'say "hi", ok', label: '1' });
  assert.deepEqual(readAll('a.jsonl', '{"text": "x", "label": 3, "extra": null}\n', ['text', 'label']).rows[0].cells, { text: 'x', label: '3' });
});

test('an unknown extension is sniffed from the first line', () => {
  assert.equal(readAll('a.data', '{"text": "x", "label": "y"}\n', ['text', 'label']).rows.length, 1);
  assert.deepEqual(readAll('b.data', 'text\tlabel\nx\ty\n', ['text', 'label']).header, ['text', 'label']);
  assert.deepEqual(readAll('c.data', 'text,label\nx,y\n', ['text', 'label']).header, ['text', 'label']);
});
