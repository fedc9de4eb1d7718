// exportOnnx writes ONNX's own LSTM / GRU / RNN operators with PyTorch's weights mapped over; run in
// onnxruntime it must give what the engine's unrolled forward graph gives, at any batch size.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { compileModel, type CompileInput } from '../../engine/compile/index';
import { exportOnnx } from '../../engine/export/index';
import { initParams } from '../../engine/runtime/init';
import { assertClose, inputStmt, opStmt, shape, trainSettings } from './layers-harness';

const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };

function ids(n: number, bound: number, seed: number): Int32Array {
  let s = seed >>> 0;
  return Int32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s % bound));
}

async function compare(input: CompileInput, outputs: string[], B: number, T: number, extra: (w: Record<string, Float32Array>) => void = () => {}) {
  const m = compileModel(input);
  const weights = initParams(m.params, 17);
  // Non-zero biases, so a bias mapped to the wrong gate or dropped shows.
  for (const p of m.params) if (p.name.includes('bias')) weights[p.name] = Float32Array.from(weights[p.name], (_, i) => Math.sin(i * 1.7 + p.name.length) * 0.3);
  extra(weights);
  const x = new ort.Tensor('int32', ids(B * T, 11, 3), [B, T]);
  const feeds: Record<string, ort.Tensor> = { x };
  for (const p of m.params) feeds[`param/${p.name}`] = new ort.Tensor('float32', weights[p.name], p.shape);
  const engine = await ort.InferenceSession.create(m.forward({ batch: B, time: T }).bytes, opts);
  const want = await engine.run(feeds);
  const bytes = exportOnnx(input, { ...input.sizes, batch: 32, time: 50 }, weights);
  const exported = await ort.InferenceSession.create(bytes, opts);
  assert.deepEqual(exported.inputNames, ['x'], 'the exported model takes only the data (weights are inside)');
  const got = await exported.run({ x });
  for (const o of outputs) {
    assert.deepEqual(got[o].dims, want[o].dims, `${o} shape`);
    assertClose(got[o].data as Float32Array, want[o].data as Float32Array, `exported ${o}`, 1e-4, 1e-5);
  }
  return bytes;
}

const base = (layer: ReturnType<typeof opStmt>, head: ReturnType<typeof opStmt>[] = []): CompileInput => ({
  model: [
    inputStmt('x', shape('int', ['batch', 'time'], { bound: 'vocab' })),
    opStmt(['e'], 'embedding', ['x'], { vocab: 'vocab', size: 6 }),
    layer,
    ...head,
  ],
  train: trainSettings({ loss: ['cross_entropy', 'logits', 'y'] }),
  sizes: { vocab: 11, hidden: 5 },
});

describe('exportOnnx matches the engine', () => {
  it('lstm x2 -> dense: ONNX LSTM (gates i,o,f,c, both biases) gives the same logits and final state, batch left free', async () => {
    const bytes = await compare(base(opStmt(['h', 'st'], 'lstm', ['e'], { size: 'hidden', layers: 2 }), [opStmt(['logits'], 'dense', ['h'], { size: 'vocab' })]), ['h', 'logits', 'st.h', 'st.c'], 3, 7);
    const text = Buffer.from(bytes).toString('latin1');
    assert.ok(text.includes('LSTM'), 'uses the ONNX LSTM operator');
  });

  it('bidirectional gru x2 (linear_before_reset = 1, gates z,r,h) -> last -> dense', async () => {
    await compare(base(opStmt(['h', 'st'], 'gru', ['e'], { size: 'hidden', layers: 2, bidirectional: true }), [
      opStmt(['l'], 'last', ['h']), opStmt(['logits'], 'dense', ['l'], { size: 'vocab', activation: 'softmax' }),
    ]), ['h', 'l', 'logits', 'st.h'], 4, 6);
  });

  it('rnn with relu, bidirectional, at batch 1 (a size the engine graph was not built for in export)', async () => {
    await compare(base(opStmt(['h', 'st'], 'rnn', ['e'], { size: 'hidden', bidirectional: true, activation: 'relu' }), [
      opStmt(['m'], 'mean', ['h'], { over: 'time' }), opStmt(['logits'], 'dense', ['m'], { size: 'vocab', activation: 'tanh' }),
    ]), ['h', 'm', 'logits'], 1, 5);
  });

  it('an encoder state as the decoder init (seq2seq), and repeat over a fixed dim', async () => {
    const input: CompileInput = {
      model: [
        inputStmt('x', shape('int', ['batch', 'time'], { bound: 'vocab' })),
        opStmt(['oh'], 'one_hot', ['x'], { vocab: 'vocab' }),
        opStmt(['_', 'enc'], 'lstm', ['oh'], { size: 'hidden', layers: 2 }),
        opStmt(['r'], 'repeat', ['enc.h'], { D: 'tgt' }),
        opStmt(['dec', '_'], 'lstm', ['r'], { size: 'hidden', layers: 2, init: 'enc' }),
        opStmt(['logits'], 'dense', ['dec'], { size: 'vocab' }),
      ],
      train: trainSettings({ loss: ['cross_entropy', 'logits', 'y'] }),
      sizes: { vocab: 11, hidden: 5, tgt: 4 },
    };
    await compare(input, ['logits', 'enc.h'], 2, 8);
  });

  it('refuses weights that do not fit the model, naming the parameter', () => {
    const input = base(opStmt(['h', 'st'], 'lstm', ['e'], { size: 'hidden' }), [opStmt(['logits'], 'dense', ['h'], { size: 'vocab' })]);
    const m = compileModel(input);
    const w = initParams(m.params, 1);
    delete w['h.weight_hh_l0'];
    assert.throws(() => exportOnnx(input, input.sizes, w), /h\.weight_hh_l0/);
  });
});
