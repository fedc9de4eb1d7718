// The engine's forward pass on a batch with a run's weights, against the exported PyTorch model's on the
// same batch with a checkpoint's weights (compare_forward.py): the largest difference per output tensor.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Batch } from '../../engine/data/index';
import { encodeCheckpoint } from '../../engine/runs/checkpoint';
import type { LoadedRun } from '../../engine/runtime/run-loader';
import { buildFeeds } from '../../engine/runtime/trainer';
import { PYTHON } from './python';

export async function forwardDifferences(run: LoadedRun, batch: Batch, exportDir: string, checkpoint: string, scratch: string): Promise<Record<string, number>> {
  const fwd = run.model.forward(batch.dims);
  const session = await ort.InferenceSession.create(fwd.bytes, { intraOpNumThreads: 1 });
  const weights = (n: string) => { const w = run.weights[n.replace(/^param\//, '')]; return w ? new ort.Tensor('float32', w.data, w.dims) : undefined; };
  const res = await session.run(buildFeeds({ session, io: fwd.io, key: '', createMs: 0 }, batch, weights, {}));
  const tensors: Record<string, { dims: number[]; data: Float32Array }> = {};
  for (const [k, v] of Object.entries(batch.tensors)) tensors[`batch/${k}`] = { dims: [...v.dims], data: Float32Array.from(v.data as ArrayLike<number>) };
  if (batch.mask) tensors.mask = { dims: [...batch.mask.dims], data: Float32Array.from(batch.mask.data as ArrayLike<number>) };
  for (const [k, v] of Object.entries(res)) if (v.type === 'float32') tensors[`out/${k}`] = { dims: [...v.dims], data: v.data as Float32Array };
  fs.writeFileSync(scratch, Buffer.concat(encodeCheckpoint({ epoch: 0, step: 0, stepInEpoch: 0, tensors })));
  fs.writeFileSync(`${scratch}.json`, JSON.stringify(Object.entries(batch.tensors).filter(([, v]) => v.dtype === 'int32').map(([k]) => k)));
  const r = spawnSync(PYTHON!, [path.join(__dirname, 'compare_forward.py'), exportDir, checkpoint, scratch], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`compare_forward.py failed:\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim()) as Record<string, number>;
}
