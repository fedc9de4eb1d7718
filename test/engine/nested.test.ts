// A model written with nested calls trains exactly as the same model written one statement per op: the
// checker flattens nested calls into statements of their own (generated names), so the engine compiles the
// same graph. Same weights (matched by position: names differ), same batch: the same loss and update.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { analyze } from '../../language/index';
import { compileExperiment } from '../../engine/compile/index';
import { initParams } from '../../engine/runtime/init';

const HEAD = 'dims { hidden = 16 }\ndata arithmetic { samples = 64, numbers = 2, largest = 9, ops = ["+"], batch = 4 }\nmodel {\n  input x: int[batch, src] < vocab\n  input y: int[batch, tgt] < vocab\n';
const TAIL = '}\ntrain { loss = cross_entropy(logits, y), optimizer = adam(lr = 1e-2), seed = 3 }\n';
const FLAT = `${HEAD}  c = one_hot(x, vocab)\n  _, enc = lstm(c, hidden)\n  r = repeat(enc.h, tgt)\n  dec, _ = gru(r, hidden)\n  d = tanh(dec)\n  logits = dense(d, vocab)\n${TAIL}`;
const NESTED = `${HEAD}  _, enc = lstm(one_hot(x, vocab), hidden)\n  logits = dense(tanh(gru(repeat(enc.h, tgt), hidden)), vocab)\n${TAIL}`;

async function step(text: string, weights: Float32Array[]) {
  const a = analyze(text, { uri: 'file:///t.rnn' });
  assert.deepEqual(a.diagnostics.filter((d) => d.severity === 1), []);
  const dims = { vocab: 12, src: 3, tgt: 2, batch: 4 };
  const m = compileExperiment(a, dims);
  const { bytes, io } = m.trainStep(dims);
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const feeds: Record<string, ort.Tensor> = {
    x: new ort.Tensor('int32', Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0]), [4, 3]),
    y: new ort.Tensor('int32', Int32Array.from([3, 4, 5, 6, 7, 8, 9, 10]), [4, 2]),
    lr: new ort.Tensor('float32', Float32Array.of(0.01), []), step: new ort.Tensor('float32', Float32Array.of(1), []),
  };
  m.params.forEach((p, i) => {
    feeds[`param/${p.name}`] = new ort.Tensor('float32', weights[i], p.shape);
    for (const slot of m.optimizerSlots) feeds[`opt/${p.name}/${slot}`] = new ort.Tensor('float32', new Float32Array(weights[i].length), p.shape);
  });
  for (const i of io.inputs) assert.ok(feeds[i.name], `the step wants ${i.name}`);
  const out = await s.run(feeds);
  return { shapes: m.params.map((p) => p.shape), loss: (out.loss.data as Float32Array)[0], next: m.params.map((p) => out[`param/${p.name}:next`].data as Float32Array), model: a.model };
}

test('nested calls compile to the flat model\'s graph: same loss and update on the same weights', async () => {
  const flatA = analyze(FLAT, { uri: 'file:///t.rnn' });
  const specs = compileExperiment(flatA, { vocab: 12, src: 3, tgt: 2, batch: 4 }).params;
  const init = initParams(specs, 7);
  const weights = specs.map((p) => init[p.name]);
  const flat = await step(FLAT, weights);
  const nested = await step(NESTED, weights);
  assert.deepEqual(nested.shapes, flat.shapes, 'the same parameters in the same order');
  assert.ok(Number.isFinite(flat.loss));
  assert.ok(Math.abs(nested.loss - flat.loss) < 1e-6, `${nested.loss} vs ${flat.loss}`);
  nested.next.forEach((w, i) => w.forEach((v, k) => assert.ok(Math.abs(v - flat.next[i][k]) < 1e-6, `param ${i}[${k}]`)));
  // The engine sees one op a statement: nested calls became statements of their own, in execution order.
  assert.deepEqual(nested.model.filter((s) => s.kind === 'op').map((s) => s.kind === 'op' && s.op), ['one_hot', 'lstm', 'repeat', 'gru', 'tanh', 'dense']);
});
