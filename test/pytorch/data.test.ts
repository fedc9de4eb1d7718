// data.py gives the engine's batches: for every example (generated data, tables, a text stream, buckets),
// epochs 0 and 1 (shuffled with the engine's generator) and every validation batch are the engine's, value
// for value and shape for shape (a table's batches grouped by length take the engine's widths), masks and
// token counts included. A data file is read by data.py itself (loaders.py), so these tests hold the Python
// loaders, tokenizers and table readers to the engine's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { analyze } from '../../language/index';
import { createFsDataHost } from '../../language/data/index';
import { loadDataset, type Batch, type Dataset, type SavedDataset } from '../../engine/data/index';
import { dataSource } from '../data/helpers';
import { split } from '../../engine/data/tables';
import { dataFiles, fileDataConfig } from '../../engine/pytorch/data';
import { decodeCheckpoint } from '../../engine/runs/checkpoint';
import { PYTHON, SKIP } from './python';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const work = mkdtempSync(join(tmpdir(), 'unroll-pydata-'));
after(() => rmSync(work, { recursive: true, force: true }));
const FIRST = 3;

describe('data.py gives the engine\'s batches', { skip: SKIP }, () => {
  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.rnn'))) {
    it(`${file}: epochs 0 and 1 and validation, as the engine draws them`, async () => {
      const path = join(EXAMPLES, file);
      const a = analyze(readFileSync(path, 'utf8'), { uri: pathToFileURL(path).href, path, host: createFsDataHost({ workspaceRoot: EXAMPLES, maxSyncBytes: 1e9 }) });
      const seed = a.train?.seed ?? 42;
      const ds = await loadDataset(a.data!, { seed, baseDir: EXAMPLES });
      await sameBatches(ds, seed, file, a.data!.path && join(EXAMPLES, a.data!.path));
    });
  }
  it('series data (no example has it): windows shuffled per epoch, validation windows last', async () => {
    const csv = ['a,b', ...Array.from({ length: 90 }, (_, i) => `${Math.sin(i / 5).toFixed(4)},${(i % 7) / 7}`)].join('\n') + '\n';
    const p = join(work, 'series.csv');
    writeFileSync(p, csv);
    await sameBatches(await loadDataset(dataSource('series', p, { window: 6, horizon: 1, batch: 8, valid: 0.2 }), { seed: 5, baseDir: work }), 5, 'series.csv', p);
  });
  // Each fixture holds what a port gets wrong: quoting, line ends, a byte-order mark, JavaScript's spaces,
  // numbers in JSON, a capped vocabulary, buckets of characters, a last line without a line break, a split
  // with no validation rows.
  const FIXTURES: [string, string, string, Record<string, unknown>][] = [
    ['chars-buckets.txt', '\ufeffthe cat\r\nsat  on\r\n\r\n   \r\na mat of size nine or ten\nend', 'text', { tokens: 'chars', buckets: [4, 8], batch: 2, valid: 0.25 }],
    ['words-stream.txt', 'one\u00a0two three\u2003four\n\u0085five six\x1cseven <unk> eight\n'.repeat(12), 'text', { tokens: 'words', seq_len: 5, batch: 3, valid: 0.2, shuffle: true }],
    ['chars-capped.txt', 'abracadabra, said the wizard; zebras quietly yawned.\n'.repeat(6), 'text', { tokens: 'chars', seq_len: 7, batch: 2, vocab_size: 12, valid: 0.1 }],
    ['quoted.csv', 'label , text\n pos ,"Great, ""really"" great!"\nneg,"line one\nline two, sadly"\n\npos, plain  words \nneg,"  spaced  "\n'.repeat(3), 'classify', { text: 'text', label: 'label', tokens: 'chars', max_len: 12, batch: 4, valid: 0.25 }],
    ['rows.tsv', 'text\tlabel\n hello there \t1\nbye, now!\t2\nDON\'T stop\t10\n'.repeat(4), 'classify', { text: 'text', label: 'label', tokens: 'chars', max_len: 9, batch: 3, valid: 0.3 }],
    ['labels.jsonl', '{"t": "a b c", "l": 1.0}\n{"t": 2.5, "l": 2}\n\n{"t": true, "l": 1e-7}\n'.repeat(4), 'classify', { text: 't', label: 'l', tokens: 'words', max_len: 3, batch: 2, valid: 0.25 }],
    ['pairs.jsonl', '{"src": "cat", "tgt": "K AE T"}\n{"src": "dog", "tgt": "D AO G"}\n{"src": "a", "tgt": "AH"}\n{"src": "zebra", "tgt": "Z IY B R AH"}\n'.repeat(3), 'pairs', { source: 'src', target: 'tgt', tokens: 'chars', target_tokens: 'words', batch: 3, valid: 0.25 }],
    ['pairs-tiny.csv', 'src,tgt\nab,x y\nabc,y\n', 'pairs', { source: 'src', target: 'tgt', tokens: 'chars', target_tokens: 'words', batch: 2, valid: 0.1 }],
    ['series.csv', 'date,a,b\n' + Array.from({ length: 30 }, (_, i) => `2020-01-${i + 1}, ${(i * 0.37).toPrecision(5)} ,${i % 3 ? '0x1f' : '1e-3'}`).join('\r\n'), 'series', { window: 4, horizon: 2, batch: 5, valid: 0.2 }],
  ];
  for (const [name, content, source, args] of FIXTURES) {
    it(`${name} (${source}): read by loaders.py as the engine reads it`, async () => {
      const p = join(work, name);
      writeFileSync(p, content);
      await sameBatches(await loadDataset(dataSource(source, p, args), { seed: 11, baseDir: work }), 11, name, p);
    });
  }

  // Batches grouped by length (engine/data/lengths.ts): long-tailed lengths give several widths, more than
  // 100 batches give several pools (training and validation), and every batch of both epochs is compared.
  const LONG_TAIL: [string, string, Record<string, unknown>] = ['long-tail.csv', longTailClassify(), { text: 'text', label: 'label', tokens: 'words', max_len: 12, batch: 2, valid: 0.5 }];
  // The longest pair is a validation row (the split of seed 7): the widest width comes from all rows, not the training rows only.
  const VARIED_PAIRS: [string, string, Record<string, unknown>] = ['varied-pairs.tsv', variedPairs(split(700, 0.5, 7).valid[0]), { source: 'src', target: 'tgt', tokens: 'chars', target_tokens: 'words', batch: 3, valid: 0.5 }];
  const grouped = async (name: string, content: string, source: string, args: Record<string, unknown>) => {
    const p = join(work, name);
    writeFileSync(p, content);
    return { ds: await loadDataset(dataSource(source, p, args), { seed: 7, baseDir: work }), p };
  };
  it('classify with long-tailed lengths (rows longer than max_len, empty texts): every batch at the engine\'s width, several widths and pools', async () => {
    const { ds, p } = await grouped(LONG_TAIL[0], LONG_TAIL[1], 'classify', LONG_TAIL[2]);
    const g = ds.grouping!;
    assert.ok(g.grouped && g.widths.time.length >= 5 && g.widths.time.at(-1) === 12, `widths ${g.widths.time}`);
    assert.ok(ds.trainSize > 100 && ds.validSize > 100, 'several pools in training and validation');
    await sameBatches(ds, 7, LONG_TAIL[0], p, { first: Infinity, widths: 'time' });
  });
  it('pairs with varied source and target lengths: every batch at the engine\'s widths, both dimensions, several pools', async () => {
    const { ds, p } = await grouped(VARIED_PAIRS[0], VARIED_PAIRS[1], 'pairs', VARIED_PAIRS[2]);
    const g = ds.grouping!;
    assert.ok(g.grouped && g.widths.src.length >= 3 && g.widths.tgt.length >= 3, `widths ${JSON.stringify(g.widths)}`);
    assert.deepEqual([g.widths.src.at(-1), g.widths.tgt.at(-1)], [30, 13], 'the longest row (a validation row) is the widest width');
    assert.ok(ds.trainSize > 100 && ds.validSize > 100, 'several pools in training and validation');
    await sameBatches(ds, 7, VARIED_PAIRS[0], p, { first: Infinity, widths: 'src' });
  });
  it('a model whose weights depend on the width: data.json says grouped false, and every batch is at the caps, in the shuffled order', async () => {
    const { ds, p } = await grouped(LONG_TAIL[0], LONG_TAIL[1], 'classify', LONG_TAIL[2]);
    ds.grouping!.padToCaps();
    await sameBatches(ds, 7, 'caps-' + LONG_TAIL[0], p, { first: Infinity });
    const { ds: pairs, p: pp } = await grouped(VARIED_PAIRS[0], VARIED_PAIRS[1], 'pairs', VARIED_PAIRS[2]);
    pairs.grouping!.padToCaps();
    await sameBatches(pairs, 7, 'caps-' + VARIED_PAIRS[0], pp, { first: Infinity });
  });
  it('rows stored in data.bin carry their lengths: data.py groups them as the engine does', async () => {
    const { ds } = await grouped(VARIED_PAIRS[0], VARIED_PAIRS[1], 'pairs', VARIED_PAIRS[2]);
    assert.ok(ds.exportRows!().lengths, 'the rows say how they are grouped');
    await sameBatches(ds, 7, 'stored-' + VARIED_PAIRS[0], undefined, { first: Infinity, widths: 'src' });
  });
});

/** A generator of the tests' own (the same fixtures every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** 500 rows: most of 1 to 9 words, a tail of up to ~40 (cut to max_len = 12), some empty. */
function longTailClassify(): string {
  const r = lcg(3);
  const rows = Array.from({ length: 500 }, (_, i) => {
    const n = i % 37 === 0 ? 0 : Math.floor(1 + 9 * r() + (r() < 0.15 ? 30 * r() : 0));
    return `${r() < 0.5 ? 'yes' : 'no'},"${Array.from({ length: n }, () => `w${Math.floor(r() * 30)}`).join(' ')}"`;
  });
  return ['label,text', ...rows].join('\n') + '\n';
}

/** 700 pairs: sources of 1 to ~20 characters, targets of 1 to ~9 words, their lengths loosely related; row
 *  `longest` has the longest source (30) and target (12 words). */
function variedPairs(longest: number): string {
  const r = lcg(5);
  const rows = Array.from({ length: 700 }, (_, i) => {
    const n = i === longest ? 30 : Math.floor(1 + 19 * r() ** 2);
    const m = i === longest ? 12 : Math.max(1, Math.min(9, Math.floor(n / 2 + 3 * r() - 1)));
    return `${Array.from({ length: n }, () => 'abcdefgh'[Math.floor(r() * 8)]).join('')}\t${Array.from({ length: m }, () => `T${Math.floor(r() * 6)}`).join(' ')}`;
  });
  return ['src\ttgt', ...rows].join('\n') + '\n';
}

/** data.py's batches against the engine's own: of the data file `dataPath`, read by data.py, or of the
 *  stored rows of generated data. `first`: the training batches compared of each epoch; `widths`: a padded
 *  dimension whose widths must vary among the batches compared (grouping that ends at the caps would pass). */
async function sameBatches(ds: Dataset, seed: number, file: string, dataPath?: string, opts: { first?: number; widths?: string } = {}): Promise<void> {
  const first = opts.first ?? FIRST;
  const dir = join(work, file.replace(/\.\w+$/, '') + '-export');
  cpSync(join(__dirname, '..', '..', 'engine', 'pytorch', 'py'), dir, { recursive: true });
  const saved = ds.save() as SavedDataset;
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(saved));
  const rows = ds.exportRows?.();
  assert.ok(dataPath || rows, `${file}: the data gives its rows for data.py`);
  for (const [k, v] of Object.entries(dataPath ? fileDataConfig(saved, dataPath, seed, ds.grouping?.grouped) : dataFiles(rows!, seed))) writeFileSync(join(dir, k), v);
  const out = join(dir, 'batches.bin');
  const r = spawnSync(PYTHON!, [join(__dirname, 'dump_batches.py'), dir, out, String(Number.isFinite(first) ? first : 1e9)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const got = decodeCheckpoint(readFileSync(out)).tensors;
  assert.equal(got['#steps'].data[0], ds.trainSize, 'steps per epoch');
  const widths = new Set<number>();
  const same = (key: string, b: Batch) => {
    for (const [k, v] of Object.entries(b.tensors)) {
      assert.deepEqual(got[`${key}/${k}`]?.dims, v.dims, `${file} ${key}/${k} shape`);
      assert.deepEqual(Array.from(got[`${key}/${k}`]?.data ?? []), Array.from(v.data as ArrayLike<number>, Math.fround), `${file} ${key}/${k}`);
    }
    if (b.mask) {
      assert.deepEqual(got[`${key}/#mask`]?.dims, b.mask.dims, `${file} ${key} mask shape`);
      assert.deepEqual(Array.from(got[`${key}/#mask`].data), Array.from(b.mask.data as ArrayLike<number>), `${file} ${key} mask`);
    }
    assert.equal(got[`${key}/#tokens`].data[0], b.tokens, `${file} ${key} tokens`);
    if (opts.widths) widths.add(b.dims[opts.widths]);
  };
  for (const epoch of [0, 1]) {
    let i = 0;
    for (const b of ds.trainBatches(epoch)) { if (i >= first) break; same(`train${epoch}/${i}`, b); i++; }
    if (Number.isFinite(first)) continue;
    assert.equal(i, ds.trainSize, `${file}: epoch ${epoch} has trainSize batches`);
    assert.equal(got['#smallest'].data[0], Math.min(...[...ds.trainBatches(epoch)].map((b) => b.dims.batch)), `${file}: the smallest batch`);
    assert.equal(Object.keys(got).filter((k) => new RegExp(`^train${epoch}/\\d+/#tokens$`).test(k)).length, i, `${file}: as many batches in epoch ${epoch}`);
  }
  let v = 0;
  for (const b of ds.validBatches()) same(`valid/${v++}`, b);
  assert.equal(Object.keys(got).filter((k) => /^valid\/\d+\/#tokens$/.test(k)).length, v, 'as many validation batches');
  if (opts.widths) assert.ok(widths.size >= 3, `${file}: batches of several ${opts.widths} widths (${[...widths]})`);
}
