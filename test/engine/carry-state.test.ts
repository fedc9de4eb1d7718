// train { carry_state = true }: each batch starts from the previous batch's final recurrent state. With the
// weights held still (lr = 0), the loss of the second window must equal the loss of that window's half of
// one run over both windows; without carry_state it must not (the test would prove nothing otherwise).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { analyze } from '../../language/index';
import { compileExperiment } from '../../engine/compile/index';
import { loadDataset } from '../../engine/data/index';
import { train } from '../../engine/runtime/trainer';
import { initParams } from '../../engine/runtime/init';

const experiment = (carry: boolean) => `experiment carry
dims { hidden = 6 }
data sine { seq_len = 5, samples = 4, batch = 1, contiguous = true }
model {
  input x: float[batch, time, 1]
  input y: float[batch, time, 1]
  h, _ = rnn(x, hidden, activation = tanh)
  out = dense(h, 1)
}
train {
  loss = mse(out, y)
  optimizer = sgd(lr = 0)
  epochs = 1
  carry_state = ${carry}
}
`;

async function stepLosses(carry: boolean) {
  const file = join(tmpdir(), 'carry.rnn');
  const a = analyze(experiment(carry), { uri: `file://${file}`, path: file });
  assert.deepEqual(a.diagnostics.filter((d) => d.severity === 1).map((d) => d.message), []);
  assert.equal(a.train?.carryState, carry);
  const ds = await loadDataset(a.data!, { seed: 1, baseDir: tmpdir() });
  const model = compileExperiment(a, ds.dims);
  const losses: number[] = [];
  await train({
    runId: 't', runDir: mkdtempSync(join(tmpdir(), 'carry-')), model, dataset: ds, device: 'cpu', threads: 1, seed: 3, epochs: 1,
    optimizer: { name: 'sgd', params: { lr: 0 } }, lossFn: 'mse', metrics: [], shouldStop: () => false,
    events: { metrics: (m) => { if (m.kind === 'step') losses.push(m.loss); }, checkpoint: () => {}, log: () => {} },
  });
  return { model, ds, losses };
}

describe('carry_state', () => {
  it('the second batch continues from the first batch\'s final state: its loss is that of one run over both windows', async () => {
    const { model, ds, losses } = await stepLosses(true);
    assert.deepEqual(model.carried, [{ name: 'state/h/h', shape: [1, 1, 6] }]);
    const [b1, b2] = [...ds.trainBatches(1)].slice(0, 2);
    // One forward run over the two windows joined (the contiguous sine: window 2 follows window 1).
    const x = Float32Array.from([...b1.tensors.x.data, ...b2.tensors.x.data]);
    const y = [...b1.tensors.y.data, ...b2.tensors.y.data];
    const fwd = model.forward({ batch: 1, time: 10 });
    const s = await ort.InferenceSession.create(fwd.bytes, { intraOpNumThreads: 1 });
    const w = initParams(model.params, 3);
    const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor('float32', x, [1, 10, 1]), y: new ort.Tensor('float32', Float32Array.from(y), [1, 10, 1]) };
    for (const p of model.params) feeds[`param/${p.name}`] = new ort.Tensor('float32', w[p.name], p.shape);
    const out = (await s.run(feeds)).out.data as Float32Array;
    await s.release();
    const mse = (from: number) => y.slice(from, from + 5).reduce((acc, v, i) => acc + (out[from + i] - v) ** 2, 0) / 5;
    assert.ok(Math.abs(losses[0] - mse(0)) < 1e-6, `step 1: ${losses[0]} vs ${mse(0)}`);
    assert.ok(Math.abs(losses[1] - mse(5)) < 1e-6, `step 2: ${losses[1]} vs ${mse(5)} (the carried state)`);
    const fresh = await stepLosses(false);
    assert.equal(fresh.model.carried, undefined);
    assert.ok(Math.abs(fresh.losses[1] - mse(5)) > 1e-4, 'without carry_state the second window starts from zeros');
  });
});

describe('the checker knows the new keys', () => {
  it('carry_state, sine contiguous and text shuffle take true or false; other values are bad-argument', () => {
    const bad = experiment(true).replace('carry_state = true', 'carry_state = 3').replace('contiguous = true', 'contiguous = 2');
    const a = analyze(bad, { uri: 'file:///tmp/bad.rnn', path: '/tmp/bad.rnn' });
    const errs = a.diagnostics.filter((d) => d.severity === 1);
    assert.ok(errs.length > 0 && errs.every((d) => d.code === 'bad-argument'), errs.map((d) => d.message).join('; '));
    assert.ok(errs.some((d) => /carry_state must be true or false/.test(d.message) && d.range.start.line === 13));
    assert.ok(errs.some((d) => /contiguous/.test(d.message) && d.range.start.line === 2));
    const text = analyze('data text "x.txt" { shuffle = yes }\nmodel {\n  input x: int[batch, time] < vocab\n}\n', { uri: 'file:///tmp/t.rnn', path: '/tmp/t.rnn' });
    assert.ok(text.diagnostics.some((d) => d.code === 'bad-argument' && /shuffle/.test(d.message)), text.diagnostics.map((d) => d.message).join('; '));
  });
});
