// Nothing lost on the way out or back, for every example: an engine run exported as PyTorch, trained on by
// train.py, is a run Unroll reads (predict answers), and the engine with that run's weights computes what the
// PyTorch model with them computes, tensor for tensor.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDataset, type Batch } from '../../engine/data/index';
import { readLatestCheckpoint } from '../../engine/runs/checkpoint';
import { loadRun } from '../../engine/runtime/run-loader';
import { forwardDifferences } from './forward';
import { PYTHON, SKIP } from './python';
import { cliWorkspace, EXAMPLES } from './workspace';

const ws = cliWorkspace('unroll-roundtrip-', { examples: true });
const unroll = (args: string[]) => ws.unroll(args);

/** An input for the examples without a predict block. */
const INPUTS: Record<string, string> = { adding: '0.5,0 0.2,1 0.7,1 0.1,0', char_lm: 'The ', ptb_lm: 'the' };


describe('engine -> PyTorch -> Unroll, on every example', { skip: SKIP }, () => {
  for (const file of fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.rnn'))) {
    it(`${file}: train.py's run is read back by Unroll, whose forward on its weights is PyTorch's`, async () => {
      const name = file.replace(/\.rnn$/, '');
      const trained = unroll(['train', file, '--steps', '2', '--device', 'cpu', '--threads', '1']);
      assert.equal(trained.status, 0, trained.stderr);
      const out = path.join(ws.work, `${name}-pt`);
      const e = unroll(['export', trained.stdout.trim(), out, '--format', 'pytorch']);
      assert.equal(e.status, 0, e.stderr);
      assert.ok(fs.existsSync(path.join(out, 'train.py')), 'train.py written');
      const py = spawnSync(PYTHON!, [path.join(out, 'train.py'), '--steps', '4'], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' }, timeout: 300_000 });
      assert.equal(py.status, 0, py.stderr.slice(-2000));
      const runDir = py.stdout.trim().split('\n').pop()!;
      assert.equal(readLatestCheckpoint(runDir)!.state.step, 4, 'train.py went on from step 2 to step 4');
      const p = unroll(['predict', runDir, ...(INPUTS[name] ? [INPUTS[name]] : [])]);
      assert.equal(p.status, 0, `unroll predict on the PyTorch run: ${p.stderr}`);

      const run = await loadRun(runDir, ws.work);
      // The data read again (a run keeps no rows of a file source): its first validation batch.
      const ds = await loadDataset(run.analysis.data!, { seed: run.settings.seed, baseDir: ws.work });
      const batch: Batch = ds.validBatches()[Symbol.iterator]().next().value!;
      const ck = path.join(runDir, readLatestCheckpoint(runDir)!.pointer.file);
      const errs = await forwardDifferences(run, batch, out, ck, path.join(ws.work, `${name}-batch.bin`));
      assert.ok(Object.keys(errs).length > 0, 'outputs compared');
      for (const [k, d] of Object.entries(errs)) assert.ok(d <= 1e-5, `${file}: ${k} differs by ${d}`);
    });
  }
});
