// Nothing lost on the way out or back, for every example: an engine run exported as PyTorch, trained on by
// train.py, is a run Unroll reads (predict answers), and the engine with that run's weights computes what the
// PyTorch model with them computes, tensor for tensor.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadDataset, type Batch } from '../../engine/data/index';
import { encodeCheckpoint, readLatestCheckpoint } from '../../engine/runs/checkpoint';
import { loadRun } from '../../engine/runtime/run-loader';
import { buildFeeds } from '../../engine/runtime/trainer';
import { PYTHON, SKIP } from './python';
import { cliWorkspace, EXAMPLES } from './workspace';

const ws = cliWorkspace('unroll-roundtrip-', { examples: true });
const unroll = (args: string[]) => ws.unroll(args);

/** An input for the examples without a predict block. */
const INPUTS: Record<string, string> = { adding: '0.5,0 0.2,1 0.7,1 0.1,0', char_lm: 'The ', ptb_lm: 'the' };

const PY = `import json, sys, torch
sys.path.insert(0, sys.argv[1])
import model, run_format
meta = json.load(open(sys.argv[1] + '/train.json'))
m = getattr(model, meta['className'])()
_, tensors = run_format.read_checkpoint(sys.argv[2])
run_format.load_weights(m, tensors, model.RENAMED)
m.eval()
_, data = run_format.read_checkpoint(sys.argv[3])
ints = set(json.load(open(sys.argv[3] + '.json')))
batch = {k[6:]: (torch.from_numpy(v).long() if k[6:] in ints else torch.from_numpy(v)) for k, v in data.items() if k.startswith('batch/')}
mask = torch.from_numpy(data['mask']) if 'mask' in data else None
with torch.no_grad():
    out = m(batch, mask)
print(json.dumps({k: (out[k].double() - torch.from_numpy(data['out/' + k]).double()).abs().max().item() for k in out if 'out/' + k in data}))
`;

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
      const fwd = run.model.forward(batch.dims);
      const session = await ort.InferenceSession.create(fwd.bytes, { intraOpNumThreads: 1 });
      const weights = (n: string) => { const w = run.weights[n.replace(/^param\//, '')]; return w ? new ort.Tensor('float32', w.data, w.dims) : undefined; };
      const res = await session.run(buildFeeds({ session, io: fwd.io, key: '', createMs: 0 }, batch, weights, {}));
      const tensors: Record<string, { dims: number[]; data: Float32Array }> = {};
      for (const [k, v] of Object.entries(batch.tensors)) tensors[`batch/${k}`] = { dims: [...v.dims], data: Float32Array.from(v.data as ArrayLike<number>) };
      if (batch.mask) tensors.mask = { dims: [...batch.mask.dims], data: Float32Array.from(batch.mask.data as ArrayLike<number>) };
      for (const [k, v] of Object.entries(res)) if (v.type === 'float32') tensors[`out/${k}`] = { dims: [...v.dims], data: v.data as Float32Array };
      const bin = path.join(ws.work, `${name}-batch.bin`);
      fs.writeFileSync(bin, Buffer.concat(encodeCheckpoint({ epoch: 0, step: 0, stepInEpoch: 0, tensors })));
      fs.writeFileSync(`${bin}.json`, JSON.stringify(Object.entries(batch.tensors).filter(([, v]) => v.dtype === 'int32').map(([k]) => k)));
      const ck = path.join(runDir, readLatestCheckpoint(runDir)!.pointer.file);
      const r = spawnSync(PYTHON!, ['-c', PY, out, ck, bin], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const errs = JSON.parse(r.stdout.trim()) as Record<string, number>;
      assert.ok(Object.keys(errs).length > 0, 'outputs compared');
      for (const [k, d] of Object.entries(errs)) assert.ok(d <= 1e-5, `${file}: ${k} differs by ${d}`);
    });
  }
});
