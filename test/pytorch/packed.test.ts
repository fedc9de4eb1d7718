// layers.recurrent runs masked batches on the fused kernels (pack_padded_sequence) with the engine's rule: a
// padded step keeps the state. check_packed.py compares it with layers._stepped (the rule, step by step) on
// lstm, gru and rnn cells, 1 and 2 layers, bidirectional, with and without an initial state, rows padded at
// the front, at the back and both in one batch: every step's output (padded ones included), h_n, c_n and the
// gradients. It also shows that the comparison sees a wrong padded-step fill, and which path training takes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PYTHON, pyflakes, SKIP } from './python';

interface Diffs { out: number; h_n: number; c_n?: number; grad: number; 'grads compared': number }
interface Report { cases: Record<string, Diffs>; aligned: Record<string, Diffs>; 'wrong fills': Record<string, Diffs>; paths: Record<string, string> }

const PY = join(__dirname, '..', '..', 'engine', 'pytorch', 'py');

describe('layers.recurrent packs masked batches', { skip: SKIP }, () => {
  let report: Report | undefined;
  const run = (): Report => {
    if (report) return report;
    const r = spawnSync(PYTHON!, ['-W', 'ignore', join(__dirname, 'check_packed.py'), PY], { encoding: 'utf8' });
    assert.equal(r.status, 0, `check_packed.py failed:\n${r.stderr.slice(-3000)}`);
    return (report = JSON.parse(r.stdout.trim().split('\n').pop()!) as Report);
  };

  it('packed equals stepped within 1e-5: outputs at every step, h_n, c_n and gradients (lstm, gru, rnn; 1 and 2 layers; bidirectional; init; front, back and mixed padding)', () => {
    const { cases } = run();
    const names = Object.keys(cases);
    for (const want of ['LSTM', 'GRU', 'RNN']) {
      for (const pad of ['front', 'back', 'mixed']) {
        for (const variant of ['layers=1', 'layers=2 bidirectional init']) {
          assert.ok(names.includes(`${want} ${variant} ${pad}`), `case ${want} ${variant} ${pad} ran`);
        }
      }
    }
    for (const [name, d] of Object.entries(cases)) {
      const keys: ('out' | 'h_n' | 'c_n' | 'grad')[] = ['out', 'h_n', 'grad', ...(name.startsWith('LSTM') ? ['c_n' as const] : [])];
      for (const k of keys) {
        const v = d[k];
        assert.ok(v !== undefined && v <= 1e-5, `${name}: ${k} differs by ${v}`);
      }
      assert.ok(d['grads compared'] >= 5, `${name}: gradients of the weights and the input compared`);
    }
  });

  it('CPU training in one direction (rows moved left, the module over the whole width) equals stepped within 1e-5, with and without the state read', () => {
    const { aligned } = run();
    for (const want of ['LSTM layers=2 init front', 'GRU layers=1 back', 'RNN layers=2 init mixed', 'LSTM layers=1 mixed, no state']) {
      assert.ok(want in aligned, `case ${want} ran`);
    }
    for (const [name, d] of Object.entries(aligned)) {
      for (const k of ['out', 'h_n', 'grad'] as const) assert.ok(d[k] <= 1e-5, `${name}: ${k} differs by ${d[k]}`);
      if (name.startsWith('LSTM')) assert.ok((d.c_n ?? 1) <= 1e-5, `${name}: c_n differs by ${d.c_n}`);
    }
  });

  it('a wrong padded-step fill is seen: zeros, before and after swapped, the reverse direction filled as the forward one', () => {
    const wrong = run()['wrong fills'];
    assert.deepEqual(Object.keys(wrong).sort(), ['before and after swapped', 'reverse filled as forward', 'zeros']);
    for (const [name, d] of Object.entries(wrong)) assert.ok(d.out > 1e-2 && d.grad > 1e-2, `${name}: differs by ${d.out} (gradients ${d.grad})`);
  });

  it('training without noise runs a fused kernel (nn.LSTM\'s own dropout), on the CPU without packing when no state is read; only the engine\'s noise with dropout between layers, or a row with two runs of real steps, is stepped', () => {
    assert.deepEqual(run().paths, {
      'train on the CPU, one direction, no state read': 'aligned',
      'train, dropout, no noise': 'fused',
      'train, noise, no dropout': 'fused',
      'train, noise, dropout in one layer (none between layers)': 'fused',
      'a row with two runs of real steps': 'stepped',
      'train, noise, dropout between layers': 'stepped',
    });
  });

  it('layers.py and check_packed.py pass pyflakes', () => {
    const flakes = pyflakes([join(PY, 'layers.py'), join(__dirname, 'check_packed.py')]);
    if (flakes !== undefined) assert.equal(flakes, '');
  });
});
