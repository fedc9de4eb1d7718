// Losses, optimizers and clipping against PyTorch (float64) fixtures from scripts/torch_fixtures.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Graph } from '../../engine/onnx/graph';
import { gradients } from '../../engine/autodiff/index';
import { binaryCrossEntropy, crossEntropy, mse } from '../../engine/losses/index';
import { applyOptimizer, clipGlobalNorm, optimizerSlots, type OptimizerName } from '../../engine/optim/index';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'torch');
const LOSS = ['loss_cross_entropy', 'loss_cross_entropy_masked', 'loss_bce', 'loss_mse'];
const OPTIM = ['optim_sgd', 'optim_adam', 'optim_rmsprop', 'optim_adagrad'];
const CLIP = ['clip_global_norm'];
const missing = [...LOSS, ...OPTIM, ...CLIP].filter((c) => !existsSync(join(DIR, `${c}.json`)));
const skip = missing.length > 0 ? `missing PyTorch fixtures (run scripts/torch_fixtures.py): ${missing.join(', ')}` : false;

interface T { shape: number[]; data: number[]; dtype?: string }
interface Fixture {
  config: Record<string, unknown>;
  inputs: Record<string, T>;
  params: Record<string, T>;
  grads: Record<string, T> | Record<string, T>[];
  outputs: Record<string, T> | Record<string, T>[];
  state?: Record<string, T>[];
  loss?: number;
}
const load = (name: string): Fixture => JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8'));

function close(actual: ArrayLike<number>, expected: number[], what: string, rel = 1e-4, abs = 1e-6): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    assert.ok(Math.abs(a - e) <= abs + rel * Math.abs(e), `${what}[${i}]: engine ${a}, PyTorch ${e}`);
  }
}
const f32 = (t: T) => new ort.Tensor('float32', Float32Array.from(t.data), t.shape);

async function runGraph(g: Graph, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(g.toBytes());
  try {
    return (await s.run(feeds)) as Record<string, ort.Tensor>;
  } finally {
    await s.release();
  }
}

for (const name of LOSS) {
  test(`${name}: loss and its gradient match PyTorch`, { skip }, async () => {
    const fx = load(name);
    const g = new Graph(name);
    const feeds: Record<string, ort.Tensor> = {};
    const inp = (k: string, t: T) => {
      if (t.dtype === 'int') {
        feeds[k] = new ort.Tensor('int32', Int32Array.from(t.data), t.shape);
        return g.input(k, 'int32', t.shape);
      }
      feeds[k] = f32(t);
      return g.input(k, 'float32', t.shape);
    };
    const names = Object.keys(fx.inputs);
    const v = Object.fromEntries(names.map((k) => [k, inp(k, fx.inputs[k])]));
    const cfg = fx.config as { loss: string };
    let res;
    let wrt: string;
    if (cfg.loss === 'cross_entropy') {
      res = crossEntropy(g, v.logits, v.targets, v.mask);
      wrt = v.logits;
    } else if (cfg.loss === 'binary_cross_entropy') {
      res = binaryCrossEntropy(g, v.p, v.y);
      wrt = v.p;
    } else {
      res = mse(g, v.pred, v.y);
      wrt = v.pred;
    }
    const grad = gradients(g, res.loss, [wrt])[wrt];
    g.output(res.loss);
    g.output(grad);
    const out = await runGraph(g, feeds);
    const grads = fx.grads as Record<string, T>;
    close(out[res.loss].data as Float32Array, [fx.loss!], `${name} loss`);
    close(out[grad].data as Float32Array, grads[Object.keys(grads)[0]].data, `${name} gradient`, 1e-4, 1e-6);
  });
}

for (const name of OPTIM) {
  test(`${name}: three optimizer steps match PyTorch (parameters and state)`, { skip }, async () => {
    const fx = load(name);
    const cfg = fx.config as Record<string, unknown>;
    const opt = cfg.optimizer as OptimizerName;
    const params: Record<string, number> = {};
    for (const k of ['momentum', 'dampening', 'weight_decay', 'alpha', 'eps', 'lr_decay', 'initial_accumulator_value']) {
      if (typeof cfg[k] === 'number') params[k] = cfg[k] as number;
    }
    for (const k of ['nesterov', 'amsgrad', 'centered']) if (typeof cfg[k] === 'boolean') params[k] = cfg[k] ? 1 : 0;
    if (Array.isArray(cfg.betas)) [params.beta1, params.beta2] = cfg.betas as number[];
    const spec = { name: opt, params };
    const slots = optimizerSlots(spec);
    const pnames = Object.keys(fx.params);
    const g = new Graph(name);
    const lr = g.input('lr', 'float32', []);
    const step = g.input('step', 'float32', []);
    const items = pnames.map((p) => ({
      param: g.input(`param/${p}`, 'float32', fx.params[p].shape),
      grad: g.input(`grad/${p}`, 'float32', fx.params[p].shape),
      state: slots.map((s) => g.input(`opt/${p}/${s}`, 'float32', fx.params[p].shape)),
    }));
    const { next, nextState } = applyOptimizer(g, spec, items, lr, step);
    next.forEach((n, i) => g.output(g.alias(n, `param/${pnames[i]}:next`)));
    nextState.forEach((st, i) => st.forEach((s, k) => g.output(g.alias(s, `opt/${pnames[i]}/${slots[k]}:next`))));
    const session = await ort.InferenceSession.create(g.toBytes());
    const init = opt === 'adagrad' ? ((cfg.initial_accumulator_value as number) ?? 0) : 0;
    let cur: Record<string, ort.Tensor> = {};
    for (const p of pnames) {
      cur[`param/${p}`] = f32(fx.params[p]);
      for (const s of slots) cur[`opt/${p}/${s}`] = new ort.Tensor('float32', new Float32Array(fx.params[p].data.length).fill(init), fx.params[p].shape);
    }
    const grads = fx.grads as Record<string, T>[];
    const outs = fx.outputs as Record<string, T>[];
    for (let k = 0; k < grads.length; k++) {
      const feeds: Record<string, ort.Tensor> = {
        ...cur,
        lr: new ort.Tensor('float32', Float32Array.from([cfg.lr as number]), []),
        step: new ort.Tensor('float32', Float32Array.from([k + 1]), []),
      };
      for (const p of pnames) feeds[`grad/${p}`] = f32(grads[k][p]);
      const out = await session.run(feeds);
      const nextCur: Record<string, ort.Tensor> = {};
      for (const p of pnames) {
        close(out[`param/${p}:next`].data as Float32Array, outs[k][p].data, `${name} step ${k + 1} ${p}`);
        nextCur[`param/${p}`] = out[`param/${p}:next`] as ort.Tensor;
        for (const s of slots) {
          const want = fx.state![k][`${p}.${s}`];
          assert.ok(want, `fixture has state ${p}.${s}`);
          close(out[`opt/${p}/${s}:next`].data as Float32Array, want.data, `${name} step ${k + 1} ${p}.${s}`);
          nextCur[`opt/${p}/${s}`] = out[`opt/${p}/${s}:next`] as ort.Tensor;
        }
      }
      cur = nextCur;
    }
    await session.release();
  });
}

test('clip_global_norm: clipped gradients and the total norm match torch.nn.utils.clip_grad_norm_', { skip }, async () => {
  const fx = load('clip_global_norm');
  const pnames = Object.keys(fx.params);
  const g = new Graph('clip');
  const gs = pnames.map((p) => g.input(`grad/${p}`, 'float32', fx.params[p].shape));
  const { grads, norm } = clipGlobalNorm(g, gs, fx.config.max_norm as number);
  grads.forEach((x) => g.output(x));
  g.output(norm);
  const session = await ort.InferenceSession.create(g.toBytes());
  const steps = fx.grads as Record<string, T>[];
  const outs = fx.outputs as Record<string, T>[];
  let clippedSomewhere = false;
  for (let k = 0; k < steps.length; k++) {
    const out = await session.run(Object.fromEntries(pnames.map((p) => [`grad/${p}`, f32(steps[k][p])])));
    close(out[norm].data as Float32Array, outs[k].total_norm.data, `step ${k + 1} total_norm`);
    pnames.forEach((p, i) => close(out[grads[i]].data as Float32Array, outs[k][p].data, `step ${k + 1} ${p}`));
    if (outs[k].total_norm.data[0] > (fx.config.max_norm as number)) clippedSomewhere = true;
  }
  assert.ok(clippedSomewhere, 'the fixture exercises actual clipping');
  await session.release();
});
