// train.py loses no work, as the engine's trainer: a checkpoint on a clock inside a long epoch, one at the step
// where SIGTERM (torchrun's stop, or Ctrl-C) stopped it, which `unroll train --resume` goes on from, and a loss
// that becomes NaN stops the run before its weights are saved, with the fix.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readLatestCheckpoint } from '../../engine/runs/checkpoint';
import { PYTHON, SKIP } from './python';
import { cliWorkspace } from './workspace';

const ws = cliWorkspace('unroll-neverlose-');
const ENV = { ...process.env, OMP_NUM_THREADS: '1' };

const LONG = `experiment long_epoch
dims { hidden = 8 }
data arithmetic { samples = 200000, numbers = 2, largest = 9, batch = 4 }
model {
  input x: int[batch, src] < vocab
  input y: int[batch, tgt] < vocab
  enc, s = lstm(embedding(x, vocab, 4), hidden)
  logits = dense(repeat(s.h, tgt), vocab)
}
train { loss = cross_entropy(logits, y), steps = 1, checkpoint_every = 1 }
`;

function exportFile(name: string, text: string): string {
  fs.writeFileSync(path.join(ws.work, `${name}.rnn`), text);
  const out = path.join(ws.work, `${name}-pt`);
  const e = ws.unroll(['export', `${name}.rnn`, out, '--format', 'pytorch']);
  assert.equal(e.status, 0, e.stderr);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('train.py never loses work', { skip: SKIP }, () => {
  it('checkpoints on the clock inside an epoch and at the step SIGTERM stopped it; unroll train --resume goes on from there', async () => {
    const out = exportFile('long_epoch', LONG);
    const child = spawn(PYTHON!, [path.join(out, 'train.py'), '--steps', '1000000'], { env: ENV });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    let run = '';
    for (let i = 0; i < 600 && !run; i++) {
      await sleep(100);
      const dir = stdout.trim().split('\n')[0];
      const p = dir && path.join(dir, 'checkpoint.json');
      if (p && fs.existsSync(p) && (JSON.parse(fs.readFileSync(p, 'utf8')) as { stepInEpoch: number }).stepInEpoch > 0) run = dir;
    }
    assert.ok(run, `a mid-epoch checkpoint within 60 s (checkpoint_every = 1): ${stderr.slice(-1000)}`);
    // While train.py trains the run, Unroll refuses to train it too.
    const twice = ws.unroll(['train', '--resume', run, '--device', 'cpu', '--threads', '1']);
    assert.equal(twice.status, 1);
    assert.match(twice.stderr, new RegExp(`is being trained by process ${child.pid}`));
    child.kill('SIGTERM');
    assert.equal(await exited, 143, stderr); // 128 + SIGTERM, as unroll train exits
    const ck = readLatestCheckpoint(run)!;
    const last = fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; step: number }).filter((m) => m.kind === 'step').pop()!;
    assert.equal(ck.state.step, last.step, 'the checkpoint is the step it stopped at');
    assert.equal(ck.state.epoch, 0);
    assert.equal(ck.state.stepInEpoch, last.step);
    assert.match(stderr, new RegExp(`stopped at step ${last.step}; checkpoint checkpoint-1-step${last.step}\\.bin \\(unroll train --resume .* goes on\\)`));
    assert.doesNotMatch(stderr, /Traceback/);
    assert.ok(fs.readdirSync(run).filter((f) => /^checkpoint-.*\.bin$/.test(f)).length <= 2, 'old checkpoints are pruned, as the engine prunes them');
    assert.ok(!fs.existsSync(path.join(run, 'lock')), 'the lock goes with the process');
    const resumed = ws.unroll(['train', '--resume', run, '--steps', String(last.step + 3), '--device', 'cpu', '--threads', '1']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(readLatestCheckpoint(run)!.state.step, last.step + 3);
  });

  it('a loss that becomes infinite stops the run before the update, names the last good checkpoint and the fix', () => {
    // Row 30 of the series is 1e38: finite in float32, its square is not.
    const rows = Array.from({ length: 60 }, (_, i) => (i === 30 ? '1e38' : (Math.sin(i / 3)).toFixed(3)));
    fs.writeFileSync(path.join(ws.work, 'wave.csv'), ['a', ...rows].join('\n') + '\n');
    const out = exportFile('blows_up', `experiment blows_up
dims { hidden = 4 }
data series "wave.csv" { window = 5, batch = 2, valid = 0.1 }
model {
  input x: float[batch, time, features]
  input y: float[batch, time, features]
  h, _ = rnn(x, hidden)
  out = dense(h, features)
}
train { loss = mse(out, y), epochs = 1 }
`);
    const r = spawnSync(PYTHON!, [path.join(out, 'train.py')], { encoding: 'utf8', env: ENV, timeout: 120_000 });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /error: loss became (nan|inf) at step \d+ \(epoch 1\); the run stopped and no checkpoint was written before it\. Lower the learning rate \(optimizer lr = 0\.001\) or add `clip = 5` to the train block\./);
    assert.doesNotMatch(r.stderr, /Traceback/);
    const run = r.stdout.trim().split('\n').pop()!;
    assert.equal(readLatestCheckpoint(run), undefined, 'no checkpoint of the weights that gave it');
  });

  it('a step limit on an epoch\'s last step ends that epoch as the engine ends it: one partial epoch line, checkpoint-1-stepN', () => {
    const text = LONG.replace('long_epoch', 'exact').replace('samples = 200000', 'samples = 100').replace('steps = 1, checkpoint_every = 1', 'epochs = 3');
    const out = exportFile('exact', text);
    const torch = spawnSync(PYTHON!, [path.join(out, 'train.py'), '--steps', '25'], { encoding: 'utf8', env: ENV });
    assert.equal(torch.status, 0, torch.stderr);
    const engine = ws.unroll(['train', 'exact.rnn', '--steps', '25', '--device', 'cpu', '--threads', '1']);
    assert.equal(engine.status, 0, engine.stderr);
    const epochs = (dir: string) => fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; epoch: number; partial?: boolean }).filter((m) => m.kind === 'epoch').map((m) => `${m.epoch}${m.partial ? ' partial' : ''}`);
    const [t, e] = [torch.stdout.trim().split('\n').pop()!, engine.stdout.trim()];
    assert.equal(JSON.parse(fs.readFileSync(path.join(t, 'settings.json'), 'utf8')).stepsPerEpoch, 25, 'the limit falls on the epoch\'s last step');
    assert.deepEqual(epochs(t), epochs(e));
    assert.deepEqual(epochs(t), ['1 partial']);
    assert.equal(readLatestCheckpoint(t)!.pointer.file, readLatestCheckpoint(e)!.pointer.file);
    // Nothing left to train: said, no run folder made.
    const before = fs.readdirSync(path.dirname(t)).length;
    const again = ws.unroll(['export', t, path.join(ws.work, 'exact-done'), '--format', 'pytorch']);
    assert.equal(again.status, 0, again.stderr);
    const done = spawnSync(PYTHON!, [path.join(ws.work, 'exact-done', 'train.py'), '--steps', '25'], { encoding: 'utf8', env: ENV });
    assert.equal(done.status, 0);
    assert.match(done.stderr, /nothing to train: the weights are at step 25, and training stops at step 25 \(3 epochs of 25 steps, --steps 25\)/);
    assert.equal(fs.readdirSync(path.dirname(t)).length, before, 'no empty run');
  });

  it('a diverging loss is warned of, as the engine warns; bad arguments are refused with the fix, no traceback', () => {
    // The sine tutorial with a learning rate 1e6 times too large: the loss grows, but stays finite.
    const out = exportFile('diverges', `experiment diverges
dims { hidden = 32 }
data sine { seq_len = 20, samples = 1000, batch = 1, contiguous = true }
model {
  input x: float[batch, time, 1]
  input y: float[batch, time, 1]
  h, _ = rnn(x, hidden, activation = tanh)
  out = dense(h, 1)
}
train { loss = mse(out, y), optimizer = adam(lr = 1e4), epochs = 1, steps = 75 }
`);
    const r = spawnSync(PYTHON!, [path.join(out, 'train.py')], { encoding: 'utf8', env: ENV });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /warning: the loss is diverging: .* at step \d+ \(median of the last 20 steps\) against .* at the start; lower the learning rate/);
    const refused = (args: string[], message: RegExp) => {
      const x = spawnSync(PYTHON!, [path.join(out, 'train.py'), ...args], { encoding: 'utf8', env: ENV });
      assert.equal(x.status, 2, `${args.join(' ')}: ${x.stderr}`);
      assert.match(x.stderr, message);
      assert.doesNotMatch(x.stderr, /Traceback/);
    };
    refused(['--steps', '0'], /--steps must be at least 1/);
    refused(['--fresh', '--weights', 'x.bin'], /give one of them/);
    refused(['--weights', path.join(ws.work, 'nope.bin')], /nope\.bin: the file does not exist\n {2}fix: /);
    refused(['--weights', path.join(out, 'train.json')], /train\.json: not an Unroll checkpoint .*\n {2}fix: give a checkpoint of this experiment/);
    const cut = path.join(ws.work, 'cut.bin');
    fs.writeFileSync(cut, fs.readFileSync(path.join(out, 'weights.bin')).subarray(0, 40));
    refused(['--weights', cut], /cut\.bin: a truncated or damaged Unroll checkpoint/);
    refused(['--weights', ws.work], /cannot read it/);
    refused(['--runs', '/proc/no/such'], /cannot write a run under \/proc\/no\/such: .*\n {2}fix: pass --runs DIR/);
  });
});
