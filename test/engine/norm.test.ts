// layer_norm (engine/layers/norm.ts): gradients of the input, scale and shift by finite differences, and
// forward and gradients against PyTorch's nn.LayerNorm on the same values (fixture layer_norm.json).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeCtx } from '../../engine/compile/ctx';
import { layerNorm } from '../../engine/layers/norm';
import type { LayerCtx, TVal } from '../../engine/layers/types';
import { gradients } from '../../engine/autodiff/index';
import { Graph } from '../../engine/onnx/graph';
import { fdCheck } from './helpers/fd';
import { assertClose, f32, fixture, run } from './layers-harness';

const B = 2, T = 3, F = 5;

/** A build context whose two parameters are given values (FD inputs or fixture tensors). */
function ctxWith(g: Graph, weight: string, bias: string): LayerCtx {
  const base = makeCtx(g, { training: true, weightInit: 'default' });
  return { ...base, param: (name: string) => (name.endsWith('.weight') ? weight : bias) };
}
const tval = (v: string, shape: number[]): TVal => ({ v, shape, names: ['batch', 'time', 'hidden'], elem: 'float' });

describe('layer_norm', () => {
  test('gradients of x, scale and shift match finite differences', async () => {
    const report = await fdCheck({
      name: 'layer_norm',
      inputs: [{ dims: [B, T, F] }, { dims: [F] }, { dims: [F] }],
      build: (g, xs) => layerNorm(ctxWith(g, xs[1], xs[2]), 'ln', tval(xs[0], [B, T, F])).v,
    });
    assert.ok(report.checks > 0);
  });

  test('matches PyTorch nn.LayerNorm: output and every gradient', async (t) => {
    const f = fixture('layer_norm');
    if (typeof f === 'string') return t.skip(f);
    const g = new Graph();
    const x = g.input('x', 'float32', f.inputs.x.shape);
    const w = g.input('weight', 'float32', f.params.weight.shape);
    const b = g.input('bias', 'float32', f.params.bias.shape);
    const y = layerNorm(ctxWith(g, w, b), 'ln', tval(x, f.inputs.x.shape)).v;
    const up = g.input('upstream', 'float32', f.upstream.out.shape);
    const loss = g.op1('ReduceSum', [g.op1('Mul', [y, up])], { keepdims: 0 });
    const grads = gradients(g, loss, [x, w, b]);
    g.output(g.alias(y, 'out'));
    g.output(g.alias(grads[x], 'gx'));
    g.output(g.alias(grads[w], 'gw'));
    g.output(g.alias(grads[b], 'gb'));
    const out = await run(g.toBytes(), { x: f32(f.inputs.x), weight: f32(f.params.weight), bias: f32(f.params.bias), upstream: f32(f.upstream.out) });
    assertClose(out.out.data as Float32Array, f.outputs.out.data, 'out');
    assertClose(out.gx.data as Float32Array, f.grads.x.data, 'grad x');
    assertClose(out.gw.data as Float32Array, f.grads.weight.data, 'grad weight');
    assertClose(out.gb.data as Float32Array, f.grads.bias.data, 'grad bias');
  });
});
