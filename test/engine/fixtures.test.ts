// Proves the PyTorch reference fixtures are well-formed and mean what test/fixtures/torch/README.md says:
// every case exists, every tensor has as many values as its shape needs, each kind has its keys, and plain
// float64 math written from the README's conventions reproduces PyTorch's outputs, gradients and steps.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertTensorClose, compareTensor, elementCount, FixtureError, listFixtures, loadFixture, parseFixture, toBigInt64,
  type Fixture, type FixtureTensor, type LayerFixture, type TensorMap,
} from './fixtures';
import {
  clipGlobalNorm, layerForward, lossValue, maxRelDiff, optimStep, upstreamLoss, values, type OptimState, type Values,
} from './fixtures_reference';

const CELLS = ['lstm', 'gru', 'rnn'] as const;
const VARIANTS = ['l1', 'l2', 'l1_bi', 'l2_bi'];
const RECURRENT = CELLS.flatMap((c) => VARIANTS.flatMap((v) => [`${c}_${v}`, `${c}_${v}_init`]));
const REQUIRED = [
  'embedding', 'linear', 'linear_tanh', ...RECURRENT,
  'loss_cross_entropy', 'loss_cross_entropy_masked', 'loss_bce', 'loss_mse',
  'optim_sgd', 'optim_adam', 'optim_rmsprop', 'optim_adagrad', 'clip_global_norm',
];
const ALL = listFixtures();
const fixtures = new Map<string, Fixture>(ALL.map((n) => [n, loadFixture(n)]));
const layerCases = ALL.filter((n) => ['embedding', 'linear', 'lstm', 'gru', 'rnn'].includes(fixtures.get(n)!.kind));

function allTensors(fx: Fixture): [string, FixtureTensor][] {
  const out: [string, FixtureTensor][] = [];
  for (const [field, v] of Object.entries(fx)) {
    const maps: TensorMap[] = Array.isArray(v) ? (v as TensorMap[]) : typeof v === 'object' && field !== 'config' ? [v as TensorMap] : [];
    maps.forEach((m, i) => {
      for (const [k, t] of Object.entries(m)) out.push([`${field}${Array.isArray(v) ? `[${i}]` : ''}.${k}`, t]);
    });
  }
  return out;
}

/** Up to `n` indices spread over [0, len), always including the first and the last. */
function sampleIndices(len: number, n = 10): number[] {
  if (len <= n) return [...Array(len).keys()];
  return [...new Set([...Array(n).keys()].map((k) => Math.round((k * (len - 1)) / (n - 1))))];
}

describe('fixture files', () => {
  test('every case the engine tests need is on disk', () => {
    const missing = REQUIRED.filter((n) => !fixtures.has(n));
    assert.deepEqual(missing, []);
  });

  test('every tensor holds exactly as many values as its shape needs, in float32 and float64', () => {
    for (const [name, fx] of fixtures) {
      for (const [where, t] of allTensors(fx)) {
        assert.equal(t.data.length, elementCount(t.shape), `${name} ${where}`);
        assert.equal(t.data64.length, elementCount(t.shape), `${name} ${where}`);
      }
    }
  });

  test('the case field matches the file name and the whole folder stays under 1 MB of values', () => {
    let values = 0;
    for (const [name, fx] of fixtures) {
      assert.equal(fx.case, name);
      for (const [, t] of allTensors(fx)) values += t.data.length;
    }
    // About 20 characters a value: this bounds the folder's size without reading it twice.
    assert.ok(values * 20 < 1_000_000, `${values} values`);
  });

  test('recurrent cases have out, h_n (and c_n for LSTM) shaped [batch, time, D*hidden] and [layers*D, batch, hidden]', () => {
    for (const name of RECURRENT) {
      const cell = name.split('_')[0] as (typeof CELLS)[number];
      const fx = loadFixture(name, cell);
      const { batch: B, time: T, hidden_size: H, num_layers: L, input_size: I } = fx.config as Record<string, number>;
      const D = fx.config.bidirectional ? 2 : 1;
      assert.equal(fx.config.bidirectional, name.includes('_bi'), name);
      assert.equal(L, name.includes('_l2') ? 2 : 1, name);
      const expected: Record<string, number[]> = { out: [B!, T!, D * H!], h_n: [L! * D, B!, H!] };
      if (cell === 'lstm') expected.c_n = [L! * D, B!, H!];
      assert.deepEqual(Object.fromEntries(Object.entries(fx.outputs).map(([k, t]) => [k, t.shape])), expected, name);
      const inputs: Record<string, number[]> = { x: [B!, T!, I!] };
      if (name.endsWith('_init')) {
        inputs.h0 = [L! * D, B!, H!];
        if (cell === 'lstm') inputs.c0 = [L! * D, B!, H!];
      }
      assert.deepEqual(Object.fromEntries(Object.entries(fx.inputs).map(([k, t]) => [k, t.shape])), inputs, name);
      // PyTorch's parameter names and shapes: weight_ih_l{layer}[_reverse] is [gates*H, layer input].
      const G = { lstm: 4, gru: 3, rnn: 1 }[cell];
      const params: Record<string, number[]> = {};
      for (let l = 0; l < L!; l++) {
        for (let d = 0; d < D; d++) {
          const s = `_l${l}${d ? '_reverse' : ''}`;
          params['weight_ih' + s] = [G * H!, l === 0 ? I! : D * H!];
          params['weight_hh' + s] = [G * H!, H!];
          params['bias_ih' + s] = [G * H!];
          params['bias_hh' + s] = [G * H!];
        }
      }
      assert.deepEqual(Object.fromEntries(Object.entries(fx.params).map(([k, t]) => [k, t.shape])), params, name);
      assert.deepEqual(Object.keys(fx.grads).sort(), [...Object.keys(inputs), ...Object.keys(params)].sort(), name);
    }
  });

  test('loss cases carry their inputs, a scalar loss and a gradient for every float input', () => {
    const want: Record<string, { inputs: string[]; grads: string[] }> = {
      loss_cross_entropy: { inputs: ['logits', 'targets'], grads: ['logits'] },
      loss_cross_entropy_masked: { inputs: ['logits', 'mask', 'targets'], grads: ['logits'] },
      loss_bce: { inputs: ['p', 'y'], grads: ['p'] },
      loss_mse: { inputs: ['pred', 'y'], grads: ['pred'] },
    };
    for (const [name, w] of Object.entries(want)) {
      const fx = loadFixture(name, 'loss');
      assert.deepEqual(Object.keys(fx.inputs).sort(), w.inputs, name);
      assert.deepEqual(Object.keys(fx.grads).sort(), w.grads, name);
      assert.deepEqual(fx.outputs.loss!.shape, [], name);
      assert.equal(fx.outputs.loss!.data64[0], fx.loss, name);
    }
    const ce = loadFixture('loss_cross_entropy_masked', 'loss');
    assert.equal(ce.inputs.targets!.dtype, 'int');
    assert.ok(ce.inputs.mask!.data64.every((m) => m === 0 || m === 1));
    assert.ok(ce.inputs.mask!.data64.some((m) => m === 0), 'the masked case masks some tokens');
  });

  test('optimizer cases give their hyperparameters and three steps of grads, params and state', () => {
    const hyper: Record<string, string[]> = {
      optim_sgd: ['lr', 'momentum', 'weight_decay'], optim_adam: ['lr', 'betas', 'eps'],
      optim_rmsprop: ['lr', 'alpha', 'eps'], optim_adagrad: ['lr', 'eps'],
    };
    for (const [name, keys] of Object.entries(hyper)) {
      const fx = loadFixture(name, 'optim');
      for (const k of keys) assert.ok(k in fx.config, `${name} config.${k}`);
      assert.equal(fx.config.steps, 3);
      assert.equal(fx.config.grads, 'per_step');
      assert.equal(fx.grads.length, 3);
      assert.equal(fx.outputs.length, 3);
      assert.ok(Object.keys(fx.state[2]!).length > 0, `${name} has optimizer state`);
    }
    assert.equal(loadFixture('optim_sgd', 'optim').config.momentum, 0.9);
    assert.equal(loadFixture('optim_sgd', 'optim').config.weight_decay, 1e-5);
    assert.equal(loadFixture('optim_rmsprop', 'optim').config.alpha, 0.99);
    assert.deepEqual(loadFixture('optim_adam', 'optim').config.betas, [0.9, 0.999]);
  });
});

describe('fixture loader', () => {
  const good = JSON.stringify({
    case: 't', kind: 'linear', seed: 1, config: { in_features: 2 }, loss: 0.5,
    inputs: { x: { shape: [1, 2], data: [1, 2] } }, params: { w: { shape: [2], data: [3, 4] } },
    outputs: { out: { shape: [1], data: [5] } }, upstream: { out: { shape: [1], data: [1] } },
    grads: { x: { shape: [1, 2], data: [0, 0] }, w: { shape: [2], data: [1, 1] } },
  });
  const mutate = (f: (o: Record<string, any>) => void): string => {
    const o = JSON.parse(good);
    f(o);
    return JSON.stringify(o);
  };

  test('a well-formed document parses into Float32Array and Float64Array data', () => {
    const fx = parseFixture(good, 'x.json') as LayerFixture;
    assert.ok(fx.inputs.x!.data instanceof Float32Array);
    assert.deepEqual([...fx.params.w!.data64], [3, 4]);
  });

  const broken: [string, string, RegExp][] = [
    ['a tensor with one value too few', mutate((o) => { o.inputs.x.data.pop(); }), /inputs\.x has 1 values, shape \[1,2\] needs 2/],
    ['a missing gradient', mutate((o) => { delete o.grads.w; }), /grads\.w is missing/],
    ['a gradient of another shape', mutate((o) => { o.grads.w = { shape: [1, 2], data: [1, 1] }; }), /grads\.w has shape \[1,2\], w has \[2\]/],
    ['upstream keys that differ from outputs', mutate((o) => { o.upstream = { y: o.upstream.out }; }), /upstream has keys \[y\], outputs has \[out\]/],
    ['an unknown kind', mutate((o) => { o.kind = 'conv'; }), /unknown kind 'conv'/],
    ['an int tensor with a fraction', mutate((o) => { o.inputs.x.dtype = 'int'; o.inputs.x.data = [1.5, 2]; }), /inputs\.x is dtype 'int' but holds a fraction/],
    ['a null among the values', mutate((o) => { o.params.w.data = [3, null]; }), /params\.w\.data is not a list of finite numbers/],
    ['text that is not JSON', '{"case": ', /not valid JSON/],
  ];
  for (const [what, text, message] of broken) {
    test(`rejects ${what}, naming the file and how to regenerate`, () => {
      assert.throws(() => parseFixture(text, 'test/fixtures/torch/bad.json'), (e: unknown) => {
        assert.ok(e instanceof FixtureError);
        assert.match(e.message, message);
        assert.match(e.message, /^test\/fixtures\/torch\/bad\.json: /);
        assert.match(e.message, /scripts\/torch_fixtures\.py/);
        return true;
      });
    });
  }

  test('optimizer documents need as many outputs as grads steps', () => {
    const fx = loadFixture('optim_sgd', 'optim');
    const doc = {
      case: 'o', kind: 'optim', seed: 1, config: fx.config,
      params: { w: { shape: [1], data: [1] } },
      grads: [{ w: { shape: [1], data: [1] } }, { w: { shape: [1], data: [1] } }, { w: { shape: [1], data: [1] } }],
      outputs: [{ w: { shape: [1], data: [1] } }], state: [{}],
    };
    assert.throws(() => parseFixture(JSON.stringify(doc), 'o.json'), /3 grads steps but 1 outputs steps/);
  });

  test('loadFixture names the known cases when asked for a missing one, and checks the kind', () => {
    assert.throws(() => loadFixture('lstm_l3'), /no fixture 'lstm_l3' in .*\(have: .*lstm_l2_bi.*\)/);
    assert.throws(() => loadFixture('gru_l1', 'lstm'), /gru_l1\.json: kind is 'gru', the test expects 'lstm'/);
  });

  test('listFixtures filters by prefix and sorts', () => {
    assert.deepEqual(listFixtures('lstm_'), RECURRENT.filter((n) => n.startsWith('lstm_')).sort());
    assert.deepEqual(listFixtures('no_such_prefix'), []);
  });

  test('toBigInt64 turns ids into int64 and refuses float tensors', () => {
    const fx = loadFixture('embedding', 'embedding');
    const ids = toBigInt64(fx.inputs.x!);
    assert.equal(ids.length, 15);
    assert.equal(ids[0], 1n);
    assert.throws(() => toBigInt64(fx.params.weight!), /float, not ids/);
  });
});

describe('compareTensor', () => {
  const fx = loadFixture('lstm_l1', 'lstm');
  const expected = fx.outputs.out!;

  test('accepts the float32 rounding of the expected values', () => {
    const c = compareTensor(expected.data, expected);
    assert.ok(c.ok, c.message);
    assert.doesNotThrow(() => assertTensorClose(expected.data, expected, 'out'));
  });

  test('rejects one element off by 1e-3 relative and names its index and both values', () => {
    const bad = Float32Array.from(expected.data);
    const i = 7;
    bad[i] = bad[i]! * 1.001 + 1e-4;
    const c = compareTensor(bad, expected);
    assert.equal(c.ok, false);
    assert.equal(c.worst, i);
    assert.match(c.message, /at \[0,1,3\]: got .*, expected /);
    assert.throws(() => assertTensorClose(bad, expected, 'lstm_l1 out'), /^Error: lstm_l1 out: outside rtol 0\.0001/);
  });

  test('rejects NaN and a wrong number of values', () => {
    const nan = Float32Array.from(expected.data);
    nan[3] = NaN;
    assert.equal(compareTensor(nan, expected).ok, false);
    assert.equal(compareTensor(expected.data.subarray(1), expected).ok, false);
  });

  test('the absolute floor lets values near zero differ by less than atol', () => {
    const t: FixtureTensor = { shape: [2], dtype: 'float', data: new Float32Array([0, 1]), data64: new Float64Array([0, 1]) };
    assert.ok(compareTensor([5e-6, 1], t).ok);
    assert.equal(compareTensor([5e-5, 1], t).ok, false);
  });
});

describe('the README conventions reproduce PyTorch', () => {
  test('embedding, linear and recurrent forward passes match outputs and L to 1e-12', () => {
    for (const name of layerCases) {
      const fx = fixtures.get(name) as LayerFixture;
      const out = layerForward(fx, values(fx.inputs), values(fx.params));
      assert.deepEqual(Object.keys(out).sort(), Object.keys(fx.outputs).sort(), name);
      for (const [k, t] of Object.entries(fx.outputs)) assert.ok(maxRelDiff(out[k]!, t) < 1e-12, `${name} ${k}: ${maxRelDiff(out[k]!, t)}`);
      assert.ok(Math.abs(upstreamLoss(out, fx.upstream) - fx.loss) < 1e-12 * Math.max(1, Math.abs(fx.loss)), name);
    }
  });

  test('layer gradients agree with central differences of L = sum(output * upstream)', () => {
    const h = 1e-6;
    for (const name of layerCases) {
      const fx = fixtures.get(name) as LayerFixture;
      for (const [k, g] of Object.entries(fx.grads)) {
        const inInputs = k in fx.inputs;
        for (const i of sampleIndices(g.data64.length, 6)) {
          const at = (delta: number): number => {
            const inputs = values(fx.inputs);
            const params = values(fx.params);
            (inInputs ? inputs : params)[k]![i]! += delta;
            return upstreamLoss(layerForward(fx, inputs, params), fx.upstream);
          };
          const fd = (at(h) - at(-h)) / (2 * h);
          assert.ok(Math.abs(fd - g.data64[i]!) < 1e-6 * Math.max(1, Math.abs(g.data64[i]!)), `${name} grads.${k}[${i}]: fd ${fd}, torch ${g.data64[i]}`);
        }
      }
    }
  });

  test('losses match their values and central differences of their gradients', () => {
    const h = 1e-6;
    for (const name of ALL.filter((n) => fixtures.get(n)!.kind === 'loss')) {
      const fx = fixtures.get(name) as Extract<Fixture, { kind: 'loss' }>;
      const lossName = fx.config.loss as string;
      const classes = fx.config.classes as number | undefined;
      assert.ok(Math.abs(lossValue(lossName, values(fx.inputs), classes) - fx.loss) < 1e-12, name);
      for (const [k, g] of Object.entries(fx.grads)) {
        for (const i of sampleIndices(g.data64.length, 30)) {
          const at = (delta: number): number => {
            const v: Values = values(fx.inputs);
            v[k]![i]! += delta;
            return lossValue(lossName, v, classes);
          };
          const fd = (at(h) - at(-h)) / (2 * h);
          assert.ok(Math.abs(fd - g.data64[i]!) < 1e-7, `${name} grads.${k}[${i}]: fd ${fd}, torch ${g.data64[i]}`);
        }
      }
    }
    // Padded tokens get no gradient in the masked case.
    const masked = loadFixture('loss_cross_entropy_masked', 'loss');
    const V = masked.config.classes as number;
    masked.inputs.mask!.data64.forEach((m, n) => {
      if (m === 0) assert.ok(masked.grads.logits!.data64.subarray(n * V, n * V + V).every((v) => v === 0));
    });
  });

  test('sgd, adam, rmsprop and adagrad steps reproduce params and state after each of three steps', () => {
    for (const name of ['optim_sgd', 'optim_adam', 'optim_rmsprop', 'optim_adagrad']) {
      const fx = loadFixture(name, 'optim');
      const params = values(fx.params);
      const state: Record<string, OptimState> = {};
      for (let s = 0; s < fx.grads.length; s++) {
        for (const [k, p] of Object.entries(params)) {
          optimStep(fx.config.optimizer as string, fx.config, s + 1, p, fx.grads[s]![k]!.data64, (state[k] ??= {}));
          assert.ok(maxRelDiff(p, fx.outputs[s]![k]!) < 1e-12, `${name} step ${s + 1} ${k}`);
          // The step must move the params: a no-op optimizer would fail here, not pass quietly.
          assert.ok(maxRelDiff(p, (s === 0 ? fx.params : fx.outputs[s - 1]!)[k]!) > 1e-4, `${name} step ${s + 1} ${k} moved`);
        }
        for (const [key, t] of Object.entries(fx.state[s]!)) {
          const [k, buffer] = key.split('.') as [string, string];
          assert.ok(maxRelDiff(state[k]![buffer]!, t) < 1e-12, `${name} step ${s + 1} ${key}`);
        }
      }
    }
  });

  test('global-norm clipping scales every grad by min(1, max_norm / (norm + 1e-6)) and reports the norm', () => {
    const fx = loadFixture('clip_global_norm', 'clip');
    const maxNorm = fx.config.max_norm as number;
    let clippedSteps = 0;
    fx.grads.forEach((g, s) => {
      const { clipped, totalNorm } = clipGlobalNorm(values(g), maxNorm);
      const out = fx.outputs[s]!;
      assert.ok(Math.abs(totalNorm - out.total_norm!.data64[0]!) < 1e-12, `step ${s + 1} norm`);
      for (const k of Object.keys(g)) assert.ok(maxRelDiff(clipped[k]!, out[k]!) < 1e-12, `step ${s + 1} ${k}`);
      if (totalNorm > maxNorm) clippedSteps++;
    });
    assert.ok(clippedSteps > 0 && clippedSteps < fx.grads.length, 'some steps are clipped and some are not');
  });
});
