// attention (engine/layers/attention.ts) against PyTorch on the same values, for each score with and without
// padded source steps: context, weights and the gradients of query, keys, values and every learned matrix
// (fixtures attention_*.json, scripts/torch_fixtures.py); and by finite differences.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gradients } from '../../engine/autodiff/index';
import { makeCtx } from '../../engine/compile/ctx';
import { attention, type Score } from '../../engine/layers/attention';
import type { LayerCtx, TVal } from '../../engine/layers/types';
import { Graph } from '../../engine/onnx/graph';
import { fdCheck } from './helpers/fd';
import { assertClose, f32, fixture, run } from './layers-harness';

const seq = (v: string, shape: number[], step: string, masked = false): TVal => ({ v, shape, names: ['batch', step, undefined], elem: 'float', masked });

/** A build context with the keys' mask and the score's matrices given as graph values. */
function ctxWith(g: Graph, params: Record<string, string>, mask?: string): LayerCtx {
  const base = makeCtx(g, { training: true, weightInit: 'default', mask, maskDim: mask ? 'src' : undefined });
  return { ...base, param: (name: string) => params[name.slice(name.lastIndexOf('.') + 1)] };
}

describe('attention matches PyTorch', () => {
  for (const score of ['dot', 'general', 'additive'] as Score[]) {
    for (const masked of [false, true]) {
      const name = `attention_${score}${masked ? '_masked' : ''}`;
      test(`${score}${masked ? ', padded source steps' : ''}: context, weights and every gradient`, async (t) => {
        const f = fixture(name);
        if (typeof f === 'string') return t.skip(f);
        const g = new Graph();
        const inp = (k: string, shape: number[]) => g.input(k, 'float32', shape);
        const q = inp('query', f.inputs.query.shape), k = inp('keys', f.inputs.keys.shape), v = inp('values', f.inputs.values.shape);
        const mask = masked ? inp('mask', f.inputs.mask.shape) : undefined;
        const params = Object.fromEntries(Object.entries(f.params).map(([n, p]) => [n, inp(`p_${n}`, p.shape)]));
        const a = attention(ctxWith(g, params, mask), 'att', seq(q, f.inputs.query.shape, 'tgt'), seq(k, f.inputs.keys.shape, 'src', masked), seq(v, f.inputs.values.shape, 'src', masked), score);
        const uc = inp('up_context', f.upstream.context.shape), uw = inp('up_weights', f.upstream.weights.shape);
        const loss = g.op1('Add', [g.op1('ReduceSum', [g.op1('Mul', [a.context.v, uc])], { keepdims: 0 }), g.op1('ReduceSum', [g.op1('Mul', [a.weights.v, uw])], { keepdims: 0 })]);
        const wrt: Record<string, string> = { query: q, keys: k, values: v, ...params };
        const grads = gradients(g, loss, Object.values(wrt));
        g.output(g.alias(a.context.v, 'context'));
        g.output(g.alias(a.weights.v, 'weights'));
        for (const [n, x] of Object.entries(wrt)) g.output(g.alias(grads[x], `grad_${n}`));
        const feeds: Record<string, ReturnType<typeof f32>> = { query: f32(f.inputs.query), keys: f32(f.inputs.keys), values: f32(f.inputs.values), up_context: f32(f.upstream.context), up_weights: f32(f.upstream.weights) };
        if (masked) feeds.mask = f32(f.inputs.mask);
        for (const [n, p] of Object.entries(f.params)) feeds[`p_${n}`] = f32(p);
        const out = await run(g.toBytes(), feeds);
        assertClose(out.context.data as Float32Array, f.outputs.context.data, 'context');
        assertClose(out.weights.data as Float32Array, f.outputs.weights.data, 'weights');
        for (const n of Object.keys(wrt)) assertClose(out[`grad_${n}`].data as Float32Array, f.grads[n].data, `grad ${n}`);
        if (masked) {
          // Padded source steps get exactly no weight.
          const w = out.weights.data as Float32Array, [B, Tq, S] = f.outputs.weights.shape;
          const lengths = (f.config as { lengths: number[] }).lengths;
          for (let b = 0; b < B; b++) for (let i = 0; i < Tq; i++) for (let s = lengths[b]; s < S; s++) assert.equal(w[(b * Tq + i) * S + s], 0);
        }
      });
    }
  }

  test('a single query step [batch, f] gives [batch, f_v] and [batch, src]; gradients match finite differences', async () => {
    for (const score of ['dot', 'general', 'additive'] as Score[]) {
      const report = await fdCheck({
        name: `attention ${score} one step`,
        inputs: score === 'dot' ? [{ dims: [2, 4] }, { dims: [2, 3, 4] }, { dims: [2, 3, 2] }]
          : [{ dims: [2, 5] }, { dims: [2, 3, 4] }, { dims: [2, 3, 2] }, ...(score === 'general' ? [{ dims: [5, 4] }] : [{ dims: [4, 5] }, { dims: [4, 4] }, { dims: [4] }])],
        build: (g, xs) => {
          const params: Record<string, string> = score === 'general' ? { W: xs[3] } : score === 'additive' ? { W_q: xs[3], W_k: xs[4], v: xs[5] } : {};
          const a = attention(ctxWith(g, params), 'att', { v: xs[0], shape: g.shapeOf(xs[0])!, names: ['batch', undefined], elem: 'float' }, seq(xs[1], [2, 3, 4], 'src'), seq(xs[2], [2, 3, 2], 'src'), score);
          assert.deepEqual(a.context.shape, [2, 2]);
          assert.deepEqual(a.weights.shape, [2, 3]);
          return [a.context.v, a.weights.v];
        },
      });
      assert.ok(report.checks > 0);
    }
  });
});
