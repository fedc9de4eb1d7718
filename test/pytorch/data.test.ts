// data.py gives the engine's batches: for every example (generated data, tables, a text stream, buckets),
// epochs 0 and 1 (shuffled with the engine's generator) and every validation batch are the engine's, value
// for value, masks and token counts included. A data file is read by data.py itself (loaders.py), so these
// tests hold the Python loaders, tokenizers and table readers to the engine's.
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
});

/** data.py's batches against the engine's own: of the data file `dataPath`, read by data.py, or of the
 *  stored rows of generated data. */
async function sameBatches(ds: Dataset, seed: number, file: string, dataPath?: string): Promise<void> {
  const dir = join(work, file.replace(/\.\w+$/, '') + '-export');
  cpSync(join(__dirname, '..', '..', 'engine', 'pytorch', 'py'), dir, { recursive: true });
  const saved = ds.save() as SavedDataset;
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(saved));
  const rows = ds.exportRows?.();
  assert.ok(dataPath || rows, `${file}: the data gives its rows for data.py`);
  for (const [k, v] of Object.entries(dataPath ? fileDataConfig(saved, dataPath, seed) : dataFiles(rows!, seed))) writeFileSync(join(dir, k), v);
  const out = join(dir, 'batches.bin');
  const r = spawnSync(PYTHON!, [join(__dirname, 'dump_batches.py'), dir, out, String(FIRST)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const got = decodeCheckpoint(readFileSync(out)).tensors;
  assert.equal(got['#steps'].data[0], ds.trainSize, 'steps per epoch');
  const same = (key: string, b: Batch) => {
    for (const [k, v] of Object.entries(b.tensors)) assert.deepEqual(Array.from(got[`${key}/${k}`]?.data ?? []), Array.from(v.data as ArrayLike<number>, Math.fround), `${file} ${key}/${k}`);
    if (b.mask) assert.deepEqual(Array.from(got[`${key}/#mask`].data), Array.from(b.mask.data as ArrayLike<number>), `${file} ${key} mask`);
    assert.equal(got[`${key}/#tokens`].data[0], b.tokens, `${file} ${key} tokens`);
  };
  for (const epoch of [0, 1]) {
    let i = 0;
    for (const b of ds.trainBatches(epoch)) { if (i >= FIRST) break; same(`train${epoch}/${i}`, b); i++; }
  }
  let v = 0;
  for (const b of ds.validBatches()) same(`valid/${v++}`, b);
  assert.equal(Object.keys(got).filter((k) => /^valid\/\d+\/#tokens$/.test(k)).length, v, 'as many validation batches');
}
