// Every layer's forward values and gradients against PyTorch (float64 reference, float32 engine), on the
// fixtures scripts/torch_fixtures.py writes. Gradients are of L = sum(output * upstream).
import { uniformValues } from '../../engine/runtime/random-feeds';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { gradients } from '../../engine/autodiff/gradients';
import { makeCtx, paramInput, type BuildCtx } from '../../engine/compile/ctx';
import { dense } from '../../engine/layers/dense';
import { dropout } from '../../engine/layers/elementwise';
import { embedding } from '../../engine/layers/embedding';
import { recurrent, type Cell } from '../../engine/layers/recurrent';
import type { StateVal, TVal } from '../../engine/layers/types';
import { Graph } from '../../engine/onnx/graph';
import { assertClose, f32, fixture, i32, run, type Fixture } from './layers-harness';

/** Appends L = sum(out_k * upstream_k), its gradients for `wrt` (plus the layer hooks), and returns the graph bytes. */
function withGradients(g: Graph, ctx: BuildCtx, outs: Record<string, string>, wrt: Record<string, string>): Uint8Array {
  let loss: string | undefined;
  for (const [k, v] of Object.entries(outs)) {
    g.output(g.alias(v, `out/${k}`));
    const up = g.input(`up/${k}`, 'float32', g.shapeOf(v)!);
    const term = g.op1('ReduceSum', [g.op1('Mul', [v, up])], { keepdims: 0 });
    loss = loss ? g.op1('Add', [loss, term]) : term;
  }
  const direct = Object.entries(wrt).filter(([, v]) => !ctx.hookedParams.has(v));
  const hookWrt = ctx.hooks.flatMap((h) => h.wrt);
  const grads = gradients(g, loss!, [...direct.map(([, v]) => v), ...hookWrt]);
  const byValue: Record<string, string> = {};
  for (const [, v] of direct) if (grads[v]) byValue[v] = grads[v];
  for (const h of ctx.hooks) Object.assign(byValue, h.finish(g, h.wrt.map((w) => grads[w])));
  for (const [k, v] of Object.entries(wrt)) {
    assert.ok(byValue[v], `no gradient for ${k}`);
    g.output(g.alias(byValue[v], `grad/${k}`));
  }
  return g.toBytes();
}

function feedsOf(f: Fixture): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [k, t] of Object.entries(f.inputs)) feeds[k] = t.dtype === 'int' ? i32(t) : f32(t);
  for (const [k, t] of Object.entries(f.params)) feeds[`param/${k}`] = f32(t);
  for (const [k, t] of Object.entries(f.upstream)) feeds[`up/${k}`] = f32(t);
  return feeds;
}

async function check(f: Fixture, bytes: Uint8Array) {
  const out = await run(bytes, feedsOf(f));
  for (const [k, t] of Object.entries(f.outputs)) {
    assert.deepEqual(out[`out/${k}`].dims, t.shape, `${f.case} ${k} shape`);
    assertClose(out[`out/${k}`].data as Float32Array, t.data, `${f.case} output ${k}`);
  }
  for (const [k, t] of Object.entries(f.grads)) {
    assert.deepEqual(out[`grad/${k}`].dims, t.shape, `${f.case} grad ${k} shape`);
    assertClose(out[`grad/${k}`].data as Float32Array, t.data, `${f.case} gradient of ${k}`);
  }
}

function xInput(g: Graph, f: Fixture): TVal {
  const t = f.inputs.x;
  const v = g.input('x', t.dtype === 'int' ? 'int32' : 'float32', t.shape);
  return { v, shape: t.shape, names: ['batch', 'time', undefined].slice(0, t.shape.length), elem: t.dtype === 'int' ? 'int' : 'float' };
}

describe('layers match PyTorch', () => {
  it('embedding: rows of the table, repeated ids sum their gradients', async (t) => {
    const f = fixture('embedding');
    if (typeof f === 'string') return t.skip(f);
    const g = new Graph();
    const ctx = makeCtx(g, { training: true, weightInit: { kind: 'xavier' } });
    const c = f.config as { vocab: number; size: number };
    const y = embedding(ctx, 'emb', xInput(g, f), c.vocab, c.size);
    f.params = { 'emb.weight': f.params.weight };
    f.grads = { weight: f.grads.weight };
    await check(f, withGradients(g, ctx, { out: y.v }, { weight: paramInput('emb.weight') }));
  });

  for (const act of ['', '_relu', '_tanh', '_sigmoid']) {
    it(`dense${act || ' (no activation)'}: x W^T + b with PyTorch's [out, in] weight`, async (t) => {
      const f = fixture(`linear${act}`);
      if (typeof f === 'string') return t.skip(f);
      const g = new Graph();
      const ctx = makeCtx(g, { training: true, weightInit: { kind: 'xavier' } });
      const c = f.config as { out_features: number; activation: string };
      const x = xInput(g, f);
      const y = dense(ctx, 'fc', x, c.out_features, c.activation);
      f.params = { 'fc.weight': f.params.weight, 'fc.bias': f.params.bias };
      await check(f, withGradients(g, ctx, { out: y.v }, { x: x.v, weight: paramInput('fc.weight'), bias: paramInput('fc.bias') }));
    });
  }

  for (const cell of ['lstm', 'gru', 'rnn'] as Cell[]) {
    for (const variant of ['l1', 'l2', 'l1_bi', 'l2_bi', 'l1_init', 'l2_init', 'l1_bi_init', 'l2_bi_init']) {
      const name = `${cell}_${variant}`;
      it(`${name}: outputs, final state and every gradient (input, initial state, weights)`, async (t) => {
        const f = fixture(name);
        if (typeof f === 'string') return t.skip(f);
        await check(f, recurrentGraph(f, cell));
      });
    }
  }
});

/** The layer on x (and h0/c0 as [layers*directions, batch, hidden] inputs), with h_n/c_n in PyTorch's layout. */
function recurrentGraph(f: Fixture, cell: Cell): Uint8Array {
  const c = f.config as { hidden_size: number; num_layers: number; bidirectional: boolean };
  const g = new Graph();
  const ctx = makeCtx(g, { training: true, weightInit: { kind: 'xavier' } });
  const x = xInput(g, f);
  const [B] = x.shape;
  const H = c.hidden_size;
  const LD = c.num_layers * (c.bidirectional ? 2 : 1);
  const wrt: Record<string, string> = { x: x.v };
  const splitState = (k: string): string[] => {
    const v = g.input(k, 'float32', [LD, B, H]);
    wrt[k] = v;
    const parts = LD === 1 ? [v] : g.op('Split', [v], { axis: 0 }, { outputs: LD });
    return parts.map((p) => g.op1('Reshape', [p, g.constInt64([B, 1, H])]));
  };
  let init: StateVal | undefined;
  if (f.inputs.h0) {
    init = { kind: 'state', cell, layers: c.num_layers, directions: c.bidirectional ? 2 : 1, hidden: H, batch: B, h: splitState('h0'), c: f.inputs.c0 ? splitState('c0') : undefined };
  }
  const r = recurrent(ctx, 'm', x, { cell, hidden: H, layers: c.num_layers, bidirectional: c.bidirectional, dropout: 0, init });
  const stack = (vs: string[]) => g.op1('Transpose', [vs.length === 1 ? vs[0] : g.op1('Concat', vs, { axis: 1 })], { perm: [1, 0, 2] });
  const outs: Record<string, string> = { out: r.out.v, h_n: stack(r.state.h) };
  if (r.state.c) outs.c_n = stack(r.state.c);
  const renamed: Fixture['params'] = {};
  for (const [k, v] of Object.entries(f.params)) {
    renamed[`m.${k}`] = v;
    wrt[k] = paramInput(`m.${k}`);
  }
  f.params = renamed;
  return withGradients(g, ctx, outs, wrt);
}

describe('dropout', () => {
  it('in training drops about p of the values, scales the rest by 1/(1-p), and draws a new mask every step, the same for the same step', async () => {
    const g = new Graph();
    const ctx = makeCtx(g, { training: true, weightInit: 'default' });
    const x = g.input('x', 'float32', [50, 40]);
    const y = dropout(ctx, { v: x, shape: [50, 40], names: [], elem: 'float' }, 0.25);
    g.output(g.alias(y.v, 'y'));
    const s = await ort.InferenceSession.create(g.toBytes(), { intraOpNumThreads: 1 });
    const x3 = new ort.Tensor('float32', new Float32Array(2000).fill(3), [50, 40]);
    assert.deepEqual(g.inputs.map((i) => i.name), ['x', 'rng/0'], 'the mask\'s uniform numbers are an input the trainer draws');
    const at = (step: number) => ({ x: x3, 'rng/0': new ort.Tensor('float32', uniformValues(42, step, 0, 2000), [50, 40]) });
    const a = (await s.run(at(1))).y.data as Float32Array;
    const b = (await s.run(at(2))).y.data as Float32Array;
    assert.deepEqual(Array.from((await s.run(at(1))).y.data as Float32Array), Array.from(a), 'the same step draws the same mask (a resumed run too)');
    const zeros = a.filter((v) => v === 0).length;
    assert.ok(zeros > 400 && zeros < 600, `${zeros} of 2000 dropped at p = 0.25`);
    assert.ok(a.every((v) => v === 0 || Math.abs(v - 4) < 1e-6), 'kept values are x / (1 - p)');
    assert.notDeepEqual(Array.from(a), Array.from(b), 'the second step draws another mask');
  });

  it('is the identity in inference graphs', () => {
    const g = new Graph();
    const ctx = makeCtx(g, { training: false, weightInit: 'default' });
    const x = g.input('x', 'float32', [2, 3]);
    assert.equal(dropout(ctx, { v: x, shape: [2, 3], names: [], elem: 'float' }, 0.5).v, x);
  });
});

describe('sequence and shape ops', () => {
  // x[b, t, f] = 100b + 10t + f; row 0 has 3 real steps, row 1 has 1.
  const B = 2, T = 3, F = 4;
  const xs = Float32Array.from({ length: B * T * F }, (_, i) => 100 * Math.floor(i / (T * F)) + 10 * (Math.floor(i / F) % T) + (i % F));
  const lens = [3, 1];
  const mask = Float32Array.from({ length: B * T }, (_, i) => (i % T < lens[Math.floor(i / T)] ? 1 : 0));
  const at = (b: number, t: number, f: number) => xs[(b * T + t) * F + f];

  it('last / first / mean / max / sum over a padded time axis use only real steps; the gradient of mean skips padding', async () => {
    const { last, first, reduce } = await import('../../engine/layers/reduce');
    const g = new Graph();
    const m = g.input('mask', 'float32', [B, T]);
    const ctx = makeCtx(g, { training: true, weightInit: 'default', mask: m });
    const xv = g.input('x', 'float32', [B, T, F]);
    const x: TVal = { v: xv, shape: [B, T, F], names: ['batch', 'time', 'f'], masked: true, elem: 'float' };
    const outs = { last: last(ctx, x), first: first(ctx, x), mean: reduce(ctx, 'mean', x, 'time'), max: reduce(ctx, 'max', x, 'time'), sum: reduce(ctx, 'sum', x, 'time') };
    for (const [k, v] of Object.entries(outs)) g.output(g.alias(v.v, k));
    const dx = gradients(g, g.op1('ReduceSum', [outs.mean.v], { keepdims: 0 }), [xv])[xv];
    g.output(g.alias(dx, 'dmean'));
    const r = await run(g.toBytes(), { x: new ort.Tensor('float32', xs, [B, T, F]), mask: new ort.Tensor('float32', mask, [B, T]) });
    const want = (fn: (b: number, f: number) => number) => Array.from({ length: B * F }, (_, i) => fn(Math.floor(i / F), i % F));
    const real = (b: number) => Array.from({ length: lens[b] }, (_, t) => t);
    assertClose(r.last.data as Float32Array, want((b, f) => at(b, lens[b] - 1, f)), 'last');
    assertClose(r.first.data as Float32Array, want((b, f) => at(b, 0, f)), 'first');
    assertClose(r.mean.data as Float32Array, want((b, f) => real(b).reduce((s, t) => s + at(b, t, f), 0) / lens[b]), 'mean');
    assertClose(r.max.data as Float32Array, want((b, f) => Math.max(...real(b).map((t) => at(b, t, f)))), 'max');
    assertClose(r.sum.data as Float32Array, want((b, f) => real(b).reduce((s, t) => s + at(b, t, f), 0)), 'sum');
    assertClose(r.dmean.data as Float32Array, Array.from({ length: B * T * F }, (_, i) => { const b = Math.floor(i / (T * F)), t = Math.floor(i / F) % T; return t < lens[b] ? 1 / lens[b] : 0; }), 'd mean / dx');
  });

  it('rows padded at the front (classify, pairs): first and last pick each row\'s first and last real step', async () => {
    const { last, first } = await import('../../engine/layers/reduce');
    const front = Float32Array.from({ length: B * T }, (_, i) => (i % T >= T - lens[Math.floor(i / T)] ? 1 : 0));
    for (const training of [true, false]) {
      const g = new Graph();
      const ctx = makeCtx(g, { training, weightInit: 'default', mask: g.input('mask', 'float32', [B, T]) });
      const x: TVal = { v: g.input('x', 'float32', [B, T, F]), shape: [B, T, F], names: ['batch', 'time', 'f'], masked: true, elem: 'float' };
      g.output(g.alias(first(ctx, x).v, 'first'));
      g.output(g.alias(last(ctx, x).v, 'last'));
      const r = await run(g.toBytes(), { x: new ort.Tensor('float32', xs, [B, T, F]), mask: new ort.Tensor('float32', front, [B, T]) });
      const want = (fn: (b: number, f: number) => number) => Array.from({ length: B * F }, (_, i) => fn(Math.floor(i / F), i % F));
      assertClose(r.first.data as Float32Array, want((b, f) => at(b, T - lens[b], f)), `first (training ${training})`);
      assertClose(r.last.data as Float32Array, want((b, f) => at(b, T - 1, f)), `last (training ${training})`);
    }
  });

  it('repeat, concat, transpose by name and reshape move values as the language says', async () => {
    const { repeat, concat, transpose, reshape } = await import('../../engine/layers/shape');
    const g = new Graph();
    const ctx = makeCtx(g, { training: false, weightInit: 'default' });
    const x: TVal = { v: g.input('x', 'float32', [B, T, F]), shape: [B, T, F], names: ['batch', 'time', 'f'], elem: 'float' };
    const v: TVal = { v: g.input('v', 'float32', [B, F]), shape: [B, F], names: ['batch', 'f'], elem: 'float' };
    const rep = repeat(ctx, v, 5, 'tgt');
    assert.deepEqual([rep.shape, rep.names], [[B, 5, F], ['batch', 'tgt', 'f']]);
    const cat = concat(ctx, [x, x], 'time');
    assert.deepEqual(cat.shape, [B, 2 * T, F]);
    const tr = transpose(ctx, x, [{ name: 'time' }, { name: 'batch' }, { name: 'f' }]);
    assert.deepEqual([tr.shape, tr.names], [[T, B, F], ['time', 'batch', 'f']]);
    const rs = reshape(ctx, x, [B * T, F], ['batch*time', 'f']);
    for (const [k, t] of Object.entries({ rep, cat, tr, rs })) g.output(g.alias(t.v, k));
    const vs = Float32Array.from({ length: B * F }, (_, i) => i);
    const r = await run(g.toBytes(), { x: new ort.Tensor('float32', xs, [B, T, F]), v: new ort.Tensor('float32', vs, [B, F]) });
    assertClose(r.rep.data as Float32Array, Array.from({ length: B * 5 * F }, (_, i) => vs[Math.floor(i / (5 * F)) * F + (i % F)]), 'repeat');
    assertClose(r.tr.data as Float32Array, Array.from({ length: T * B * F }, (_, i) => at(Math.floor(i / F) % B, Math.floor(i / (B * F)), i % F)), 'transpose');
    assertClose(r.rs.data as Float32Array, xs, 'reshape');
    assertClose((r.cat.data as Float32Array).slice(T * F, 2 * T * F), xs.slice(0, T * F), 'concat');
    assert.throws(() => reshape(ctx, x, [B, F], ['batch', 'f']), /holds/);
  });
});
