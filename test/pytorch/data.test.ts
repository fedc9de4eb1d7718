// data.py gives the engine's batches: for every example (generated data, tables, a text stream, buckets),
// epochs 0 and 1 (shuffled with the engine's generator) and every validation batch are the engine's, value
// for value, masks and token counts included.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { analyze } from '../../language/index';
import { createFsDataHost } from '../../language/data/index';
import { loadDataset, type Batch, type Dataset } from '../../engine/data/index';
import { dataSource } from '../data/helpers';
import { dataFiles } from '../../engine/pytorch/data';
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
      await sameBatches(ds, seed, file);
    });
  }
  it('series data (no example has it): windows shuffled per epoch, validation windows last', async () => {
    const csv = ['a,b', ...Array.from({ length: 90 }, (_, i) => `${Math.sin(i / 5).toFixed(4)},${(i % 7) / 7}`)].join('\n') + '\n';
    const p = join(work, 'series.csv');
    writeFileSync(p, csv);
    await sameBatches(await loadDataset(dataSource('series', p, { window: 6, horizon: 1, batch: 8, valid: 0.2 }), { seed: 5, baseDir: work }), 5, 'series.csv');
  });
});

/** data.py's batches of the exported rows against the engine's own. */
async function sameBatches(ds: Dataset, seed: number, file: string): Promise<void> {
  const rows = ds.exportRows?.();
  assert.ok(rows, `${file}: the data gives its rows for data.py`);
  const dir = join(work, file.replace(/\.\w+$/, '') + '-export');
  cpSync(join(__dirname, '..', '..', 'engine', 'pytorch', 'py'), dir, { recursive: true });
  for (const [k, v] of Object.entries(dataFiles(rows, seed))) writeFileSync(join(dir, k), v);
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
