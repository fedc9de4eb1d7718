// The compiler end to end on hand-built model descriptions (what analyze() gives the engine): parameter
// names and shapes follow PyTorch, a few optimizer steps of the training graph reduce the loss, padding never
// changes the result, and the sampling graph (state in, state out) agrees with the whole-sequence graph.
import { randomFeeds } from '../../engine/runtime/random-feeds';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { compileModel, type CompiledModel, type CompileInput } from '../../engine/compile/index';
import { initParams } from '../../engine/runtime/init';
import { assertClose, inputStmt, opStmt, shape, trainSettings } from './layers-harness';

const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };

function rngInts(n: number, bound: number, seed: number): Int32Array {
  let s = seed >>> 0;
  return Int32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % bound;
  });
}

/** Runs `steps` training steps on one fixed batch, feeding parameters and optimizer state back. */
async function train(m: CompiledModel, dims: Record<string, number>, data: Record<string, ort.Tensor>, steps: number, lr = 0.01) {
  const { bytes, io } = m.trainStep(dims);
  const s = await ort.InferenceSession.create(bytes, opts);
  const weights = initParams(m.params, 42);
  const state: Record<string, ort.Tensor> = {};
  for (const p of m.params) {
    state[`param/${p.name}`] = new ort.Tensor('float32', weights[p.name], p.shape);
    for (const slot of m.optimizerSlots) state[`opt/${p.name}/${slot}`] = new ort.Tensor('float32', new Float32Array(weights[p.name].length), p.shape);
  }
  const losses: number[] = [];
  let last: Record<string, ort.Tensor> = {};
  for (let k = 1; k <= steps; k++) {
    const feeds: Record<string, ort.Tensor> = { ...data, ...state, ...randomFeeds(io, 42, k), lr: new ort.Tensor('float32', Float32Array.of(lr), []), step: new ort.Tensor('float32', Float32Array.of(k), []) };
    for (const i of io.inputs) assert.ok(feeds[i.name], `the step graph wants ${i.name}`);
    last = await s.run(feeds);
    losses.push((last.loss.data as Float32Array)[0]);
    for (const name of Object.keys(state)) state[name] = last[`${name}:next`];
  }
  await s.release();
  return { losses, last, state };
}

const LM: CompileInput = {
  model: [
    inputStmt('x', shape('int', ['batch', 'time'], { bound: 'vocab' })),
    opStmt(['e'], 'embedding', ['x'], { vocab: 'vocab', size: 8 }),
    opStmt(['h', 'st'], 'lstm', ['e'], { size: 'hidden', layers: 2, dropout: 0.2 }),
    opStmt(['logits'], 'dense', ['h'], { size: 'vocab', activation: 'none' }),
  ],
  dataShapes: { y: shape('int', ['batch', 'time'], { bound: 'vocab' }) },
  train: trainSettings({ loss: ['cross_entropy', 'logits', 'y'], metrics: ['accuracy'], clip: 5 }),
  sizes: { vocab: 11, hidden: 16 },
};

describe('compile: embedding -> lstm x2 -> dense language model', () => {
  const m = compileModel(LM);
  it("lists parameters with PyTorch names and shapes, and Adam's state slots under PyTorch's names", () => {
    assert.deepEqual(m.params.map((p) => `${p.name} [${p.shape}]`), [
      'e.weight [11,8]',
      'h.weight_ih_l0 [64,8]', 'h.weight_hh_l0 [64,16]', 'h.bias_ih_l0 [64]', 'h.bias_hh_l0 [64]',
      'h.weight_ih_l1 [64,16]', 'h.weight_hh_l1 [64,16]', 'h.bias_ih_l1 [64]', 'h.bias_hh_l1 [64]',
      'logits.weight [11,16]', 'logits.bias [11]',
    ]);
    assert.deepEqual(m.optimizerSlots, ['exp_avg', 'exp_avg_sq']);
    assert.equal(m.params.find((p) => p.name === 'h.bias_ih_l0')!.init.kind, 'lstm_forget_bias');
  });

  it('resolves the runtime shape of every statement for a batch', () => {
    const s = m.shapes({ batch: 3, time: 7 });
    assert.deepEqual(s.h, [['batch', 3], ['time', 7], ['hidden', 16]]);
    assert.deepEqual(s.logits, [['batch', 3], ['time', 7], ['vocab', 11]]);
    assert.deepEqual(s['st.h'], [['batch', 3], ['hidden', 16]]);
  });

  it('a few Adam steps on one batch reduce the loss, with accuracy as [correct, count]', async () => {
    const B = 4, T = 6;
    const x = rngInts(B * T, 11, 1);
    const y = Int32Array.from(x, (v) => (v + 1) % 11); // learnable: next id
    const r = await train(m, { batch: B, time: T }, { x: new ort.Tensor('int32', x, [B, T]), y: new ort.Tensor('int32', y, [B, T]) }, 30, 0.02);
    assert.ok(r.losses[29] < r.losses[0] * 0.5, `loss went ${r.losses[0]} -> ${r.losses[29]}`);
    const acc = r.last['metric/accuracy'].data as Float32Array;
    assert.equal(acc[1], B * T);
    assert.ok(acc[0] >= 0 && acc[0] <= B * T);
    assert.ok((r.last.grad_norm.data as Float32Array)[0] > 0);
  });
});

describe('compile: bucketed (masked) batches', () => {
  const masked: CompileInput = {
    ...LM,
    model: [inputStmt('x', shape('int', ['batch', 'time'], { bound: 'vocab', masked: true })), ...LM.model.slice(1, 2),
      opStmt(['h', 'st'], 'gru', ['e'], { size: 'hidden', bidirectional: true }), opStmt(['last_h'], 'last', ['h']), LM.model[3]],
    dataShapes: { y: shape('int', ['batch', 'time'], { bound: 'vocab', masked: true }) },
  };
  const m = compileModel(masked);
  const B = 3, T = 5;
  const lengths = [5, 3, 1];
  const mask = Float32Array.from({ length: B * T }, (_, i) => (i % T < lengths[Math.floor(i / T)] ? 1 : 0));
  const feeds = (pad: number) => {
    const x = rngInts(B * T, 11, 7).map((v, i) => (mask[i] ? v : pad));
    const y = rngInts(B * T, 11, 9).map((v, i) => (mask[i] ? v : pad));
    return { x: new ort.Tensor('int32', x, [B, T]), y: new ort.Tensor('int32', y, [B, T]), mask: new ort.Tensor('float32', mask, [B, T]) };
  };

  it('what sits in padded steps changes neither the loss nor any updated weight', async () => {
    const a = await train(m, { batch: B, time: T }, feeds(0), 2);
    const b = await train(m, { batch: B, time: T }, feeds(4), 2);
    assert.equal(a.losses[0], b.losses[0]);
    for (const k of Object.keys(a.state)) assertClose(b.state[k].data as Float32Array, a.state[k].data as Float32Array, k, 1e-6, 1e-7);
    const acc = a.last['metric/accuracy'].data as Float32Array;
    assert.equal(acc[1], 9, 'accuracy counts real tokens only');
  });

  it('last(h) and the final state are each row\'s last real step (the forward graph on one unpadded row agrees)', async () => {
    const weights = initParams(m.params, 3);
    const pf: Record<string, ort.Tensor> = {};
    for (const p of m.params) pf[`param/${p.name}`] = new ort.Tensor('float32', weights[p.name], p.shape);
    const full = m.forward({ batch: B, time: T });
    const s = await ort.InferenceSession.create(full.bytes, opts);
    const f = feeds(2);
    const out = await s.run({ x: f.x, mask: f.mask, ...pf });
    const H2 = 32;
    for (let row = 0; row < B; row++) {
      const n = lengths[row];
      const one = m.forward({ batch: 1, time: n });
      const s1 = await ort.InferenceSession.create(one.bytes, opts);
      const xs = (f.x.data as Int32Array).slice(row * T, row * T + n);
      const o1 = await s1.run({ x: new ort.Tensor('int32', xs, [1, n]), mask: new ort.Tensor('float32', new Float32Array(n).fill(1), [1, n]), ...pf });
      assertClose((out.last_h.data as Float32Array).slice(row * H2, (row + 1) * H2), o1.last_h.data as Float32Array, `last_h row ${row}`);
      assertClose((out['st.h'].data as Float32Array).slice(row * 16, (row + 1) * 16), o1['st.h'].data as Float32Array, `st.h row ${row}`);
    }
  });
});

describe('compile: arithmetic encoder-decoder (one_hot -> lstm -> state h -> repeat -> lstm -> dense)', () => {
  const seq2seq: CompileInput = {
    model: [
      inputStmt('x', shape('int', ['batch', 'src'], { bound: 'vocab' })),
      opStmt(['oh'], 'one_hot', ['x'], { vocab: 'vocab' }),
      opStmt(['_', 'enc'], 'lstm', ['oh'], { size: 'hidden' }),
      opStmt(['r'], 'repeat', ['enc.h'], { D: 'tgt' }),
      opStmt(['dec', '_'], 'lstm', ['r'], { size: 'hidden' }),
      opStmt(['logits'], 'dense', ['dec'], { size: 'vocab' }),
    ],
    dataShapes: { y: shape('int', ['batch', 'tgt'], { bound: 'vocab' }) },
    train: trainSettings({ loss: ['cross_entropy', 'logits', 'y'], metrics: ['accuracy', 'exact_match'] }),
    sizes: { vocab: 13, hidden: 32, src: 8, tgt: 4 },
  };
  const m = compileModel(seq2seq);

  it('names the encoder and decoder parameters after their statements', () => {
    assert.deepEqual(m.params.map((p) => p.name), [
      'enc.weight_ih_l0', 'enc.weight_hh_l0', 'enc.bias_ih_l0', 'enc.bias_hh_l0',
      'dec.weight_ih_l0', 'dec.weight_hh_l0', 'dec.bias_ih_l0', 'dec.bias_hh_l0', 'logits.weight', 'logits.bias',
    ]);
    assert.deepEqual(m.params[0].shape, [128, 13]);
  });

  it('Adam steps on a fixed batch reduce the loss; exact_match is [rows right, rows]', async () => {
    const B = 8;
    const x = rngInts(B * 8, 13, 3);
    const y = rngInts(B * 4, 13, 5);
    const r = await train(m, { batch: B }, { x: new ort.Tensor('int32', x, [B, 8]), y: new ort.Tensor('int32', y, [B, 4]) }, 25, 0.02);
    assert.ok(r.losses[24] < r.losses[0] * 0.7, `loss went ${r.losses[0]} -> ${r.losses[24]}`);
    const em = r.last['metric/exact_match'].data as Float32Array;
    assert.equal(em[1], B);
  });

  it('the validation graph (forward with loss) gives the training step\'s loss and metrics for the same weights', async () => {
    const B = 8;
    const data = { x: new ort.Tensor('int32', rngInts(B * 8, 13, 3), [B, 8]), y: new ort.Tensor('int32', rngInts(B * 4, 13, 5), [B, 4]) };
    const r = await train(m, { batch: B }, data, 1);
    const weights = initParams(m.params, 42);
    const feeds: Record<string, ort.Tensor> = { ...data };
    for (const p of m.params) feeds[`param/${p.name}`] = new ort.Tensor('float32', weights[p.name], p.shape);
    const v = m.forward({ batch: B }, { withLoss: true });
    assert.ok(v.io.outputs.includes('loss') && v.io.outputs.includes('metric/accuracy'));
    const s = await ort.InferenceSession.create(v.bytes, opts);
    const o = await s.run(feeds);
    assertClose(o.loss.data as Float32Array, [r.losses[0]], 'loss', 1e-6, 1e-7);
  });
});

describe('compile: sampling graph', () => {
  it('feeding one step at a time with state inputs reproduces the whole-sequence logits', async () => {
    const m = compileModel({ ...LM, model: [...LM.model.slice(0, 2), opStmt(['h', 'st'], 'lstm', ['e'], { size: 'hidden', layers: 2 }), LM.model[3]] });
    const weights = initParams(m.params, 5);
    const pf: Record<string, ort.Tensor> = {};
    for (const p of m.params) pf[`param/${p.name}`] = new ort.Tensor('float32', weights[p.name], p.shape);
    const T = 5;
    const ids = rngInts(T, 11, 11);
    const full = await ort.InferenceSession.create(m.forward({ batch: 1, time: T }).bytes, opts);
    const want = (await full.run({ x: new ort.Tensor('int32', ids, [1, T]), ...pf })).logits.data as Float32Array;
    const step = m.forward({ batch: 1, time: 1 }, { stateInputs: true });
    assert.deepEqual(step.io.inputs.filter((i) => i.name.startsWith('state/')).map((i) => `${i.name} [${i.shape}]`), ['state/h/h [2,1,16]', 'state/h/c [2,1,16]']);
    const s = await ort.InferenceSession.create(step.bytes, opts);
    let h: ort.Tensor = new ort.Tensor('float32', new Float32Array(32), [2, 1, 16]);
    let c: ort.Tensor = new ort.Tensor('float32', new Float32Array(32), [2, 1, 16]);
    for (let t = 0; t < T; t++) {
      const o = await s.run({ x: new ort.Tensor('int32', ids.slice(t, t + 1), [1, 1]), 'state/h/h': h, 'state/h/c': c, ...pf });
      assertClose(o.logits.data as Float32Array, want.slice(t * 11, (t + 1) * 11), `logits at step ${t}`);
      h = o['state/h/h:next'];
      c = o['state/h/c:next'];
    }
  });
});

describe('compile: an experiment text through analyze()', () => {
  it('examples/arithmetic.rnn compiles to a step graph whose Adam updates reduce the loss on a fixed batch', async () => {
    const { analyze } = await import('../../language/index');
    const { createFsDataHost } = await import('../../language/data/index');
    const { compileExperiment } = await import('../../engine/compile/index');
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const path = join(__dirname, '..', '..', 'examples', 'arithmetic.rnn');
    const host = createFsDataHost({ workspaceRoot: join(__dirname, '..', '..', 'examples') });
    let a = analyze(readFileSync(path, 'utf8'), { uri: path, path, host });
    for (let i = 0; i < 100 && a.pending; i++) {
      await new Promise((r) => setTimeout(r, 50));
      a = analyze(readFileSync(path, 'utf8'), { uri: path, path, host });
    }
    assert.deepEqual(a.diagnostics.filter((d) => d.severity === 1), []);
    const m = compileExperiment(a, {});
    assert.deepEqual(m.params.map((p) => p.name), [
      'enc.weight_ih_l0', 'enc.weight_hh_l0', 'enc.bias_ih_l0', 'enc.bias_hh_l0',
      'dec.weight_ih_l0', 'dec.weight_hh_l0', 'dec.bias_ih_l0', 'dec.bias_hh_l0', 'logits.weight', 'logits.bias',
    ]);
    const step = m.trainStep({ batch: 16 });
    const data = step.io.inputs.filter((i) => !i.name.startsWith('param/') && !i.name.startsWith('opt/')).map((i) => `${i.name} [${i.shape}]`);
    assert.deepEqual(data, ['x [16,8]', 'y [16,4]', 'lr []', 'step []']);
    assert.ok(step.io.outputs.includes('metric/exact_match') && step.io.outputs.includes('grad_norm'));
    const x = rngInts(16 * 8, 13, 21), y = rngInts(16 * 4, 13, 22);
    const r = await train(m, { batch: 16 }, { x: new ort.Tensor('int32', x, [16, 8]), y: new ort.Tensor('int32', y, [16, 4]) }, 20, 0.02);
    assert.ok(r.losses[19] < r.losses[0] * 0.8, `loss went ${r.losses[0]} -> ${r.losses[19]}`);
  });

  it('an experiment with errors is refused with file:line and the checker\'s message', async () => {
    const { analyze } = await import('../../language/index');
    const { compileExperiment } = await import('../../engine/compile/index');
    const text = 'experiment bad\ndata arithmetic { batch = 4 }\nmodel {\n  input x: int[batch, src] < vocab\n  h, _ = lstm(x, 8)\n}\n';
    const a = analyze(text, { uri: 'file:///bad.rnn' });
    assert.throws(() => compileExperiment(a, {}), (e: Error) => e.name === 'EngineError' && /bad\.rnn:5:/.test(e.message));
  });
});

describe('compile: pairs (seq2seq) batches, source padded over src and target padded over tgt', () => {
  // An encoder over x [batch, src] (masked by `mask`), a teacher-forced decoder over y_in [batch, tgt];
  // the loss on y [batch, tgt] must use y's own mask (`mask/tgt`), not the source's.
  const pairs: CompileInput = {
    model: [
      inputStmt('x', shape('int', ['batch', 'src'], { bound: 'vocab', masked: true })),
      inputStmt('y_in', shape('int', ['batch', 'tgt'], { bound: 'vocab', masked: true })),
      opStmt(['ex'], 'embedding', ['x'], { vocab: 'vocab', size: 6 }),
      opStmt(['_', 'enc'], 'gru', ['ex'], { size: 'hidden' }),
      opStmt(['ey'], 'embedding', ['y_in'], { vocab: 'vocab', size: 6 }),
      opStmt(['dec', '_'], 'gru', ['ey', 'enc'], { size: 'hidden' }),
      opStmt(['logits'], 'dense', ['dec'], { size: 'vocab', activation: 'none' }),
    ],
    dataShapes: { y: shape('int', ['batch', 'tgt'], { bound: 'vocab', masked: true }) },
    train: trainSettings({ loss: ['cross_entropy', 'logits', 'y'], metrics: ['accuracy', 'exact_match'], clip: 5 }),
    sizes: { vocab: 11, hidden: 8 },
  };
  const m = compileModel(pairs);
  const B = 3, S = 4, G = 5;
  const srcLen = [4, 2, 3], tgtLen = [5, 2, 3];
  const sm = Float32Array.from({ length: B * S }, (_, i) => (i % S >= S - srcLen[Math.floor(i / S)] ? 1 : 0)); // padded at the front
  const tm = Float32Array.from({ length: B * G }, (_, i) => (i % G < tgtLen[Math.floor(i / G)] ? 1 : 0)); // padded at the back
  const feeds = (pad: number) => {
    const x = rngInts(B * S, 11, 3).map((v, i) => (sm[i] ? v : 0));
    const y = rngInts(B * G, 11, 5).map((v, i) => (tm[i] ? v : pad));
    const yIn = rngInts(B * G, 11, 6).map((v, i) => (tm[i] ? v : pad));
    return {
      x: new ort.Tensor('int32', x, [B, S]), y: new ort.Tensor('int32', y, [B, G]), y_in: new ort.Tensor('int32', yIn, [B, G]),
      mask: new ort.Tensor('float32', sm, [B, S]), 'mask/tgt': new ort.Tensor('float32', tm, [B, G]),
    };
  };

  it('the step graph takes the target mask as `mask/tgt` beside the source mask', () => {
    const names = m.trainStep({ batch: B, src: S, tgt: G }).io.inputs.map((i) => `${i.name} [${i.shape}]`);
    assert.ok(names.includes(`mask [${B},${S}]`) && names.includes(`mask/tgt [${B},${G}]`), names.join(', '));
  });

  it('what sits at padded target positions changes neither the loss, the metrics nor any updated weight', async () => {
    const a = await train(m, { batch: B, src: S, tgt: G }, feeds(0), 2);
    const b = await train(m, { batch: B, src: S, tgt: G }, feeds(7), 2);
    assert.equal(a.losses[0], b.losses[0]);
    assert.equal(a.losses[1], b.losses[1]);
    for (const k of Object.keys(a.state)) assertClose(b.state[k].data as Float32Array, a.state[k].data as Float32Array, k, 1e-6, 1e-7);
    assert.equal((a.last['metric/accuracy'].data as Float32Array)[1], 10, 'accuracy counts the 10 real target tokens only');
    assert.deepEqual(Array.from(a.last['metric/exact_match'].data as Float32Array), Array.from(b.last['metric/exact_match'].data as Float32Array));
  });
});
