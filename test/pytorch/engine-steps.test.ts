// train.py takes the engine's steps: from the same checkpoint, on the same batches, the losses train.py
// writes are the ones `unroll train --resume` writes, step for step (within float32 rounding). On sine that
// includes carry_state: each batch starts from the state the previous one ended with, the checkpoint's first.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PYTHON, SKIP } from './python';
import { cliWorkspace, EXAMPLES } from './workspace';

const ws = cliWorkspace('unroll-steps-');
const unroll = (args: string[]) => ws.unroll(args);
const losses = (run: string, from: number) => fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; step: number; loss: number }).filter((m) => m.kind === 'step' && m.step > from).map((m) => [m.step, m.loss]);

describe('train.py takes the engine\'s steps', { skip: SKIP }, () => {
  for (const file of ['sine.rnn', 'arithmetic.rnn']) {
    it(`${file}: from step 3 to 15, train.py's losses are \`unroll train --resume\`'s`, () => {
      fs.copyFileSync(path.join(EXAMPLES, file), path.join(ws.work, file));
      const t = unroll(['train', file, '--steps', '3', '--device', 'cpu', '--threads', '1']);
      assert.equal(t.status, 0, t.stderr);
      const run = t.stdout.trim();
      const out = path.join(ws.work, `${file}-pt`);
      assert.equal(unroll(['export', run, out, '--format', 'pytorch']).status, 0);
      const py = spawnSync(PYTHON!, [path.join(out, 'train.py'), '--steps', '15'], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' }, timeout: 300_000 });
      assert.equal(py.status, 0, py.stderr.slice(-2000));
      const r = unroll(['train', '--resume', run, '--steps', '15', '--device', 'cpu', '--threads', '1']);
      assert.equal(r.status, 0, r.stderr);
      const engine = losses(run, 3), torch = losses(py.stdout.trim().split('\n').pop()!, 3);
      assert.deepEqual(torch.map(([s]) => s), engine.map(([s]) => s));
      assert.equal(engine.length, 12);
      engine.forEach(([s, l], i) => assert.ok(Math.abs(l - torch[i][1]) <= 1e-4 * Math.max(1, Math.abs(l)), `${file} step ${s}: engine ${l}, train.py ${torch[i][1]}`));
    });
  }

  it('arithmetic.rnn exported as a file (no run): train.py from the engine\'s initial weights takes unroll train\'s first 12 steps', () => {
    const file = 'arithmetic_file.rnn';
    fs.writeFileSync(path.join(ws.work, file), fs.readFileSync(path.join(EXAMPLES, 'arithmetic.rnn'), 'utf8').replace(/^experiment arithmetic\b/m, 'experiment arithmetic_file'));
    const out = path.join(ws.work, 'file-pt');
    const e = unroll(['export', file, out, '--format', 'pytorch']);
    assert.equal(e.status, 0, e.stderr);
    assert.match(fs.readFileSync(path.join(out, 'README.md'), 'utf8'), /unroll export arithmetic_file\.rnn \S+file-pt --format pytorch/);
    const py = spawnSync(PYTHON!, [path.join(out, 'train.py'), '--steps', '12'], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' }, timeout: 300_000 });
    assert.equal(py.status, 0, py.stderr.slice(-2000));
    const t = unroll(['train', file, '--steps', '12', '--device', 'cpu', '--threads', '1']);
    assert.equal(t.status, 0, t.stderr);
    const engine = losses(t.stdout.trim(), 0), torch = losses(py.stdout.trim().split('\n').pop()!, 0);
    assert.equal(engine.length, 12);
    assert.deepEqual(torch.map(([s]) => s), engine.map(([s]) => s));
    engine.forEach(([s, l], i) => assert.ok(Math.abs(l - torch[i][1]) <= 1e-4 * Math.max(1, Math.abs(l)), `step ${s}: engine ${l}, train.py ${torch[i][1]}`));
    // Without --format pytorch a file is refused with the way to an ONNX export.
    assert.match(unroll(['export', file, path.join(ws.work, 'x.onnx')]).stderr, /exports as PyTorch only/);
  });
});
