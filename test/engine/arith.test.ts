// Arithmetic layers (engine/layers/arith.ts): broadcasting by name computed by hand, and every gradient by
// central finite differences through the layer as the compiler builds it (Transpose/Unsqueeze/Add/...).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { makeCtx } from '../../engine/compile/ctx';
import { elementwise, scalar, type ArithOp } from '../../engine/layers/arith';
import type { TVal } from '../../engine/layers/types';
import { Graph } from '../../engine/onnx/graph';
import { fdCheck } from './helpers/fd';
import { run } from './layers-harness';

const B = 2, T = 3, H = 4;
const tval = (v: string, shape: number[], names: string[]): TVal => ({ v, shape, names, elem: 'float' });
const ramp = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => 0.25 + k * 0.1 * (i + 1));
const apply = (op: ArithOp, x: number, y: number) => (op === 'add' ? x + y : op === 'sub' ? x - y : op === 'mul' ? x * y : x / y);

describe('arithmetic broadcasts by name', () => {
  for (const op of ['add', 'sub', 'mul', 'div'] as ArithOp[]) {
    test(`${op}: [batch, time, hidden] with [batch, hidden] (either side) and with [time, batch, hidden]`, async () => {
      const g = new Graph();
      const ctx = makeCtx(g, { training: false, weightInit: 'default' });
      const a = tval(g.input('a', 'float32', [B, T, H]), [B, T, H], ['batch', 'time', 'hidden']);
      const v = tval(g.input('v', 'float32', [B, H]), [B, H], ['batch', 'hidden']);
      const t = tval(g.input('t', 'float32', [T, B, H]), [T, B, H], ['time', 'batch', 'hidden']);
      g.output(g.alias(elementwise(ctx, op, a, v).v, 'av'));
      g.output(g.alias(elementwise(ctx, op, v, a).v, 'va'));
      g.output(g.alias(elementwise(ctx, op, a, t).v, 'at'));
      const A = ramp(B * T * H, 1), V = ramp(B * H, 2), Tt = ramp(T * B * H, 3);
      const out = await run(g.toBytes(), {
        a: new ort.Tensor('float32', A, [B, T, H]), v: new ort.Tensor('float32', V, [B, H]), t: new ort.Tensor('float32', Tt, [T, B, H]),
      });
      assert.deepEqual(out.va.dims, [B, T, H], 'the larger side sets the order');
      for (let b = 0; b < B; b++) for (let s = 0; s < T; s++) for (let h = 0; h < H; h++) {
        const i = (b * T + s) * H + h;
        const close = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${what}[${b},${s},${h}] ${got} vs ${want}`);
        close((out.av.data as Float32Array)[i], apply(op, A[i], V[b * H + h]), 'a op v');
        close((out.va.data as Float32Array)[i], apply(op, V[b * H + h], A[i]), 'v op a');
        close((out.at.data as Float32Array)[i], apply(op, A[i], Tt[(s * B + b) * H + h]), 'a op t (t matched by name)');
      }
    });
  }

  for (const op of ['add', 'sub', 'mul', 'div'] as ArithOp[]) {
    test(`${op}: gradients of both sides match finite differences (broadcast and transposed operands)`, async () => {
      for (const [name, dimsB, namesB] of [['row', [B, H], ['batch', 'hidden']], ['transposed', [T, B, H], ['time', 'batch', 'hidden']]] as const) {
        const report = await fdCheck({
          name: `${op} ${name}`,
          inputs: [{ dims: [B, T, H] }, { dims: [...dimsB], gen: op === 'div' ? 'pos' : 'normal' }],
          build: (g, xs) => {
            const ctx = makeCtx(g, { training: false, weightInit: 'default' });
            return elementwise(ctx, op, tval(xs[0], [B, T, H], ['batch', 'time', 'hidden']), tval(xs[1], [...dimsB], [...namesB])).v;
          },
        });
        assert.ok(report.checks > 0);
      }
    });
  }

  test('a number on either side: k - x, x / k, and their gradients', async () => {
    for (const [op, tensorFirst] of [['sub', false], ['div', true], ['mul', true]] as const) {
      const report = await fdCheck({
        name: `scalar ${op}`,
        inputs: [{ dims: [B, H] }],
        build: (g, xs) => scalar(makeCtx(g, { training: false, weightInit: 'default' }), op, tval(xs[0], [B, H], ['batch', 'hidden']), 2.5, tensorFirst).v,
      });
      assert.ok(report.checks > 0);
    }
  });
});
