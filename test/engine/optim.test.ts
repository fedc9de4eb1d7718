import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { Graph } from '../../engine/onnx/graph';
import { applyOptimizer, clipGlobalNorm, globalNorm, optimizerSettings, optimizerSlotInit, optimizerSlots, type OptimizerSpec } from '../../engine/optim/index';
import { rng } from './helpers/fd';

// Element-wise reference transcribed from the update rules in PyTorch's torch.optim documentation (float64).
function reference(spec: OptimizerSpec, p: number[], grads: number[][], lr: number): { p: number[]; state: Record<string, number[]> } {
  const s = optimizerSettings(spec);
  const n = p.length;
  const st: Record<string, number[]> = Object.fromEntries(optimizerSlots(spec).map((k) => [k, new Array(n).fill(optimizerSlotInit(spec)[k])]));
  p = p.slice();
  grads.forEach((g0, k) => {
    const t = k + 1;
    for (let i = 0; i < n; i++) {
      let g = g0[i] + s.weight_decay * p[i];
      if (spec.name === 'sgd') {
        if (s.momentum !== 0) {
          const b = t === 1 ? g : s.momentum * st.momentum_buffer[i] + (1 - s.dampening) * g;
          st.momentum_buffer[i] = b;
          g = s.nesterov ? g + s.momentum * b : b;
        }
        p[i] -= lr * g;
      } else if (spec.name === 'adam') {
        st.exp_avg[i] = s.beta1 * st.exp_avg[i] + (1 - s.beta1) * g;
        st.exp_avg_sq[i] = s.beta2 * st.exp_avg_sq[i] + (1 - s.beta2) * g * g;
        let v = st.exp_avg_sq[i];
        if (s.amsgrad) v = st.max_exp_avg_sq[i] = Math.max(st.max_exp_avg_sq[i], v);
        const denom = Math.sqrt(v) / Math.sqrt(1 - s.beta2 ** t) + s.eps;
        p[i] -= (lr / (1 - s.beta1 ** t)) * (st.exp_avg[i] / denom);
      } else if (spec.name === 'rmsprop') {
        st.square_avg[i] = s.alpha * st.square_avg[i] + (1 - s.alpha) * g * g;
        let avg = st.square_avg[i];
        if (s.centered) {
          st.grad_avg[i] = s.alpha * st.grad_avg[i] + (1 - s.alpha) * g;
          avg -= st.grad_avg[i] ** 2;
        }
        avg = Math.sqrt(avg) + s.eps;
        if (s.momentum > 0) {
          st.momentum_buffer[i] = s.momentum * st.momentum_buffer[i] + g / avg;
          p[i] -= lr * st.momentum_buffer[i];
        } else p[i] -= (lr * g) / avg;
      } else {
        const clr = lr / (1 + (t - 1) * s.lr_decay);
        st.sum[i] += g * g;
        p[i] -= (clr * g) / (Math.sqrt(st.sum[i]) + s.eps);
      }
    }
  });
  return { p, state: st };
}

async function engineSteps(spec: OptimizerSpec, p0: number[], grads: number[][], lr: number) {
  const slots = optimizerSlots(spec);
  const n = p0.length;
  const g = new Graph();
  const item = { param: g.input('p', 'float32', [n]), grad: g.input('g', 'float32', [n]), state: slots.map((s) => g.input(s, 'float32', [n])) };
  const lrIn = g.input('lr', 'float32', []);
  const stepIn = g.input('step', 'float32', []);
  const { next, nextState } = applyOptimizer(g, spec, [item], lrIn, stepIn);
  g.output(next[0]);
  nextState[0].forEach((s) => g.output(s));
  const session = await ort.InferenceSession.create(g.toBytes());
  let p: Float32Array = Float32Array.from(p0);
  let state: Float32Array[] = slots.map((s) => new Float32Array(n).fill(optimizerSlotInit(spec)[s]));
  for (let k = 0; k < grads.length; k++) {
    const feeds: Record<string, ort.Tensor> = {
      p: new ort.Tensor('float32', p, [n]),
      g: new ort.Tensor('float32', Float32Array.from(grads[k]), [n]),
      lr: new ort.Tensor('float32', Float32Array.from([lr]), []),
      step: new ort.Tensor('float32', Float32Array.from([k + 1]), []),
    };
    slots.forEach((s, i) => (feeds[s] = new ort.Tensor('float32', state[i], [n])));
    const out = await session.run(feeds);
    p = out[next[0]].data as Float32Array;
    state = nextState[0].map((s) => out[s].data as Float32Array);
  }
  await session.release();
  return { p, state: Object.fromEntries(slots.map((s, i) => [s, state[i]])), nodes: g.liveNodeCount() };
}

const VARIANTS: OptimizerSpec[] = [
  { name: 'sgd', params: {} },
  { name: 'sgd', params: { momentum: 0.9, dampening: 0.3, weight_decay: 0.01 } },
  { name: 'sgd', params: { momentum: 0.8, nesterov: 1 } },
  { name: 'adam', params: { amsgrad: 1, weight_decay: 0.05 } },
  { name: 'adam', params: { beta1: 0.5, beta2: 0.9, eps: 1e-3 } },
  { name: 'rmsprop', params: { centered: 1, momentum: 0.5 } },
  { name: 'rmsprop', params: { weight_decay: 0.1 } },
  { name: 'adagrad', params: { lr_decay: 0.1, initial_accumulator_value: 0.2, weight_decay: 0.01 } },
];

for (const spec of VARIANTS) {
  test(`${spec.name} ${JSON.stringify(spec.params)} follows PyTorch's update rule over 4 steps`, async () => {
    const r = rng(11);
    const p0 = Array.from({ length: 6 }, () => 2 * r() - 1);
    const grads = Array.from({ length: 4 }, () => Array.from({ length: 6 }, () => 2 * r() - 1));
    const ref = reference(spec, p0, grads, 0.05);
    const eng = await engineSteps(spec, p0, grads, 0.05);
    ref.p.forEach((v, i) => assert.ok(Math.abs(eng.p[i] - v) < 1e-5 + 1e-4 * Math.abs(v), `param ${i}: ${eng.p[i]} vs ${v}`));
    for (const [k, vals] of Object.entries(ref.state)) {
      vals.forEach((v, i) => assert.ok(Math.abs(eng.state[k][i] - v) < 1e-5 + 1e-4 * Math.abs(v), `${k}[${i}]: ${eng.state[k][i]} vs ${v}`));
    }
    assert.ok(ref.p.some((v, i) => Math.abs(v - p0[i]) > 1e-3), 'the parameters moved');
  });
}

test('optimizer slots and defaults are PyTorch names and values', () => {
  assert.deepEqual(optimizerSlots({ name: 'adam', params: {} }), ['exp_avg', 'exp_avg_sq']);
  assert.deepEqual(optimizerSlots({ name: 'sgd', params: {} }), []);
  assert.deepEqual(optimizerSlots({ name: 'sgd', params: { momentum: 0.9 } }), ['momentum_buffer']);
  assert.deepEqual(optimizerSlots({ name: 'rmsprop', params: {} }), ['square_avg']);
  assert.deepEqual(optimizerSlots({ name: 'adagrad', params: {} }), ['sum']);
  assert.deepEqual(optimizerSettings({ name: 'adam', params: { lr: 0.01 } }), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0, amsgrad: 0 });
  assert.equal(optimizerSettings({ name: 'rmsprop', params: {} }).alpha, 0.99);
  assert.equal(optimizerSettings({ name: 'adagrad', params: {} }).eps, 1e-10);
});

test('an unknown optimizer setting or a wrong state count is an error that names the valid settings', () => {
  assert.throws(() => optimizerSettings({ name: 'adam', params: { beta: 0.9 } }), /adam has no setting 'beta'; its settings are beta1, beta2, eps, weight_decay, amsgrad/);
  assert.throws(() => optimizerSettings({ name: 'sgd', params: { nesterov: 1 } }), /nesterov needs a momentum/);
  const g = new Graph();
  const p = g.input('p', 'float32', [2]);
  assert.throws(() => applyOptimizer(g, { name: 'adam', params: {} }, [{ param: p, grad: p, state: [] }], g.constFloat(0.1), g.constFloat(1)), /needs 2 \(exp_avg, exp_avg_sq\)/);
});

test('clipGlobalNorm scales all gradients by min(1, max / (norm + 1e-6)) and leaves small gradients alone', async () => {
  const g = new Graph();
  const a = g.input('a', 'float32', [2]);
  const b = g.input('b', 'float32', [1]);
  const maxNorm = g.input('max', 'float32', []);
  const { grads, norm } = clipGlobalNorm(g, [a, b], maxNorm);
  grads.forEach((x) => g.output(x));
  g.output(norm);
  const s = await ort.InferenceSession.create(g.toBytes());
  const feeds = (m: number) => ({
    a: new ort.Tensor('float32', Float32Array.from([3, 0]), [2]),
    b: new ort.Tensor('float32', Float32Array.from([4]), [1]),
    max: new ort.Tensor('float32', Float32Array.from([m]), []),
  });
  const big = await s.run(feeds(1));
  assert.ok(Math.abs((big[norm].data as Float32Array)[0] - 5) < 1e-6);
  assert.ok(Math.abs((big[grads[0]].data as Float32Array)[0] - 3 / (5 + 1e-6)) < 1e-6);
  assert.ok(Math.abs((big[grads[1]].data as Float32Array)[0] - 4 / (5 + 1e-6)) < 1e-6);
  const small = await s.run(feeds(10));
  assert.deepEqual(Array.from(small[grads[0]].data as Float32Array), [3, 0]);
  assert.throws(() => clipGlobalNorm(new Graph(), [], 0), /above 0/);
  assert.throws(() => globalNorm(new Graph(), []), /no gradients/);
});

test('optimizer steps and clipping use no op that lacks a WebGPU kernel (Sum, Max, Min)', () => {
  for (const spec of VARIANTS) {
    const g = new Graph();
    const items = [0, 1, 2].map((i) => ({
      param: g.input(`p${i}`, 'float32', [3]),
      grad: g.input(`g${i}`, 'float32', [3]),
      state: optimizerSlots(spec).map((s) => g.input(`${s}${i}`, 'float32', [3])),
    }));
    const clipped = clipGlobalNorm(g, items.map((i) => i.grad), 1);
    applyOptimizer(g, spec, items.map((it, i) => ({ ...it, grad: clipped.grads[i] })), g.input('lr', 'float32', []), g.input('step', 'float32', []));
    const bad = g.nodes.filter((n) => ['Sum', 'Max', 'Min'].includes(n.type)).map((n) => n.type);
    assert.deepEqual(bad, [], `${spec.name}: ${bad.join(' ')}`);
  }
});

test('an Adam step costs a fixed, small number of nodes per parameter', async () => {
  const costs: number[] = [];
  for (const count of [1, 2, 4]) {
    const g = new Graph();
    const items = Array.from({ length: count }, (_, i) => ({
      param: g.input(`p${i}`, 'float32', [3]),
      grad: g.input(`g${i}`, 'float32', [3]),
      state: [g.input(`m${i}`, 'float32', [3]), g.input(`v${i}`, 'float32', [3])],
    }));
    const { next, nextState } = applyOptimizer(g, { name: 'adam', params: {} }, items, g.input('lr', 'float32', []), g.input('step', 'float32', []));
    next.forEach((x) => g.output(x));
    nextState.flat().forEach((x) => g.output(x));
    costs.push(g.liveNodeCount());
  }
  const perParam = costs[1] - costs[0];
  assert.equal(costs[2] - costs[1], 2 * perParam, 'linear in the number of parameters');
  assert.ok(perParam <= 14, `nodes per parameter: ${perParam}`);
  assert.ok(costs[0] - perParam <= 6, `shared scalar nodes: ${costs[0] - perParam}`);
});
