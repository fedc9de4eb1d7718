// train.py under torchrun: two processes (gloo, CPU) take the steps one process takes on the same global
// batches, and the run rank 0 writes is an Unroll run: predict reads it and `unroll train --resume` goes on
// from its checkpoint. Also prints tokens per second for 1 and 2 processes (the note's figures).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeCheckpoint, readLatestCheckpoint } from '../../engine/runs/checkpoint';
import { readSettings } from '../../engine/runs/store';
import { PYTHON, SKIP } from './python';
import { cliWorkspace, encoderDecoder } from './workspace';

const ws = cliWorkspace('unroll-torchrun-');
const unroll = (args: string[]) => ws.unroll(args);
const ENV = { ...process.env, OMP_NUM_THREADS: '1' };
const TORCHRUN = ['/usr/bin/torchrun', 'torchrun'].find((p) => spawnSync(p, ['--help']).status === 0);
const TORCHRUN_FLAGS = ['--redirects', '2', '--tee', '2'];

const EXPERIMENT = encoderDecoder('enc_dec', 'samples = 640, numbers = 2, largest = 9, batch = 32', 'loss = cross_entropy(logits, y), steps = 3, clip = 1, metrics = [accuracy]') + 'predict { from = "3+4" }\n';

interface Step { kind: string; step: number; loss: number; tokensPerSec: number }
const steps = (run: string): Step[] => fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Step).filter((m) => m.kind === 'step');

describe('train.py under torchrun', { skip: SKIP || (TORCHRUN ? false : 'no torchrun') }, () => {
  it('2 processes take the steps 1 process takes; the run they write is an Unroll run that predict and resume read', () => {
    fs.writeFileSync(path.join(ws.work, 'enc_dec.rnn'), EXPERIMENT);
    const t = unroll(['train', 'enc_dec.rnn', '--device', 'cpu', '--threads', '1']);
    assert.equal(t.status, 0, t.stderr);
    const out = path.join(ws.work, 'pt');
    const e = unroll(['export', t.stdout.trim(), out, '--format', 'pytorch']);
    assert.equal(e.status, 0, e.stderr);
    for (const f of ['train.py', 'data.py', 'data.bin', 'data.json', 'train.json']) assert.ok(fs.existsSync(path.join(out, f)), `${f} written`);

    const runs = path.join(ws.work, '.unroll', 'runs');
    const one = spawnSync(PYTHON!, [path.join(out, 'train.py'), '--epochs', '2', '--steps', '30'], { encoding: 'utf8', env: ENV, timeout: 300_000 });
    assert.equal(one.status, 0, one.stderr.slice(-2000));
    // --redirects/--tee: torch 1.13's torchrun fails on Python 3.11 with their defaults (Debian 12's python3-torch).
    const two = spawnSync(TORCHRUN!, ['--standalone', '--nproc_per_node', '2', ...TORCHRUN_FLAGS, path.join(out, 'train.py'), '--epochs', '2', '--steps', '30'], { encoding: 'utf8', env: ENV, timeout: 300_000 });
    assert.equal(two.status, 0, two.stderr.slice(-2000));
    const run1 = one.stdout.trim().split('\n').pop()!, run2 = two.stdout.trim().split('\n').pop()!.replace(/^\[\w+\]:/, '');
    assert.ok(run1.startsWith(runs) && run2.startsWith(runs) && run1 !== run2, `two runs under ${runs}: ${run1}, ${run2}`);

    // It went on from the exported run's step 3, to 30, and two processes took the same steps.
    const s1 = steps(run1), s2 = steps(run2);
    assert.deepEqual(s1.map((s) => s.step), Array.from({ length: 27 }, (_, i) => i + 4));
    assert.deepEqual(s2.map((s) => s.step), s1.map((s) => s.step));
    s1.forEach((a, i) => assert.ok(Math.abs(a.loss - s2[i].loss) <= 1e-4 * Math.max(1, Math.abs(a.loss)), `step ${a.step}: 1 process ${a.loss}, 2 processes ${s2[i].loss}`));
    assert.ok(s1[s1.length - 1].loss < s1[0].loss, 'the loss went down');

    // Epoch lines carry the requested metrics, the same from two processes as from one.
    const epochs = (run: string) => fs.readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.kind === 'epoch') as { train: Record<string, number>; valid: Record<string, number> }[];
    const e1 = epochs(run1), e2 = epochs(run2);
    assert.ok(e1.length > 0 && e1.every((e) => typeof e.train.accuracy === 'number' && typeof e.valid.accuracy === 'number'), JSON.stringify(e1));
    e1.forEach((e, i) => assert.ok(Math.abs(e.train.accuracy - e2[i].train.accuracy) <= 1e-6 && Math.abs(e.valid.accuracy - e2[i].valid.accuracy) <= 1e-6, `epoch ${i + 1}: ${JSON.stringify(e)} vs ${JSON.stringify(e2[i])}`));

    // An Unroll run: its settings, a checkpoint at the last step, and predict, export and resume ws.work on it.
    const settings = readSettings(run2);
    assert.equal(settings.experiment, 'enc_dec');
    assert.equal((settings as unknown as { processes: number }).processes, 2);
    assert.equal(readLatestCheckpoint(run2)!.state.step, 30);
    const p = unroll(['predict', run2, '3+4']);
    assert.equal(p.status, 0, p.stderr);
    assert.ok(p.stdout.trim().length > 0, 'predict answers');
    const resumed = unroll(['train', '--resume', run2, '--steps', '33', '--device', 'cpu', '--threads', '1']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(readLatestCheckpoint(run2)!.state.step, 33);

    // A checkpoint with weights only (another program wrote it) resumes too, with a fresh optimizer state.
    const ck = readLatestCheckpoint(run2)!;
    const weightsOnly = Object.fromEntries(Object.entries(ck.state.tensors).filter(([k]) => k.startsWith('param/')));
    fs.writeFileSync(path.join(run2, ck.pointer.file), Buffer.concat(encodeCheckpoint({ ...ck.state, tensors: weightsOnly })));
    const fromWeights = unroll(['train', '--resume', run2, '--steps', '35', '--device', 'cpu', '--threads', '1']);
    assert.equal(fromWeights.status, 0, fromWeights.stderr);
    assert.match(fromWeights.stderr, /the checkpoint has no optimizer state; the optimizer starts afresh/);
    assert.equal(readLatestCheckpoint(run2)!.state.step, 35);

    const rate = (s: Step[]) => s.slice(2).reduce((n, x) => n + x.tokensPerSec, 0) / (s.length - 2);
    console.log(`tokens/s (mean over steps 6-30, batch 32, OMP_NUM_THREADS=1): 1 process ${rate(s1).toFixed(0)}, 2 processes ${rate(s2).toFixed(0)}`);
  });

  it('Ctrl-C stops both processes after the same step, and that step is checkpointed', async () => {
    fs.writeFileSync(path.join(ws.work, 'stop_me.rnn'), encoderDecoder('stop_me', 'samples = 200000, numbers = 2, largest = 9, batch = 8', 'loss = cross_entropy(logits, y), checkpoint_every = 1'));
    const out = path.join(ws.work, 'stop-pt');
    assert.equal(unroll(['export', 'stop_me.rnn', out, '--format', 'pytorch']).status, 0);
    // A terminal's Ctrl-C: SIGINT to the whole process group (torchrun and its workers).
    const child = spawn(TORCHRUN!, ['--standalone', '--nproc_per_node', '2', ...TORCHRUN_FLAGS, path.join(out, 'train.py')], { env: ENV, detached: true });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    const runDir = () => stdout.split('\n').map((l) => l.replace(/^\[\w+\]:/, '').trim()).find((l) => l.startsWith(ws.work));
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const dir = runDir();
      if (dir && fs.existsSync(path.join(dir, 'metrics.jsonl')) && fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').length > 20) break;
    }
    const run = runDir();
    assert.ok(run, `the run started: ${stdout.slice(-500)} ${stderr.slice(-1500)}`);
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    const last = steps(run).pop()!;
    const ck = readLatestCheckpoint(run)!;
    assert.equal(ck.state.step, last.step, `the checkpoint is the last step written: ${stderr.slice(-1500)}`);
    assert.match(stderr, new RegExp(`stopped at step ${last.step}; checkpoint checkpoint-1-step${last.step}\\.bin`));
    const resumed = unroll(['train', '--resume', run, '--steps', String(last.step + 2), '--device', 'cpu', '--threads', '1']);
    assert.equal(resumed.status, 0, resumed.stderr);
  });

  it('carry_state over processes holding unequal rows (3 over 2) takes 1 process\'s steps; a batch too small to split is refused', () => {
    const wave = (batch: number) => `experiment wave
dims { hidden = 8 }
data sine { seq_len = 10, samples = 300, batch = ${batch}, contiguous = true }
model {
  input x: float[batch, time, 1]
  input y: float[batch, time, 1]
  h, _ = rnn(x, hidden, activation = tanh)
  out = dense(h, 1)
}
train { loss = mse(out, y), steps = 8, carry_state = true }
`;
    fs.writeFileSync(path.join(ws.work, 'wave.rnn'), wave(3));
    const out = path.join(ws.work, 'wave-pt');
    assert.equal(unroll(['export', 'wave.rnn', out, '--format', 'pytorch']).status, 0);
    const one = spawnSync(PYTHON!, [path.join(out, 'train.py')], { encoding: 'utf8', env: ENV, timeout: 300_000 });
    assert.equal(one.status, 0, one.stderr);
    const two = spawnSync(TORCHRUN!, ['--standalone', '--nproc_per_node', '2', ...TORCHRUN_FLAGS, path.join(out, 'train.py')], { encoding: 'utf8', env: ENV, timeout: 300_000 });
    assert.equal(two.status, 0, two.stderr.slice(-2000));
    const [r1, r2] = [one, two].map((r) => r.stdout.trim().split('\n').pop()!.replace(/^\[\w+\]:/, ''));
    const s1 = steps(r1), s2 = steps(r2);
    assert.equal(s2.length, 8);
    s1.forEach((a, i) => assert.ok(Math.abs(a.loss - s2[i].loss) <= 1e-4 * Math.max(1, Math.abs(a.loss)), `step ${a.step}: ${a.loss} vs ${s2[i].loss}`));
    const carried = readLatestCheckpoint(r2)!.state.tensors['state/h/h'];
    assert.deepEqual(carried?.dims, [1, 3, 8], 'the carried state of all 3 rows, gathered');
    const c1 = readLatestCheckpoint(r1)!.state.tensors['state/h/h'];
    carried.data.forEach((v, i) => assert.ok(Math.abs(v - c1.data[i]) < 1e-4, `carried ${i}`));

    fs.writeFileSync(path.join(ws.work, 'wave.rnn'), wave(1));
    assert.equal(unroll(['export', 'wave.rnn', out, '--format', 'pytorch', '--force']).status, 0);
    const small = spawnSync(TORCHRUN!, ['--standalone', '--nproc_per_node', '2', ...TORCHRUN_FLAGS, path.join(out, 'train.py')], { encoding: 'utf8', env: ENV, timeout: 300_000 });
    assert.notEqual(small.status, 0);
    assert.match(small.stderr, /error: a training batch of 1 row cannot be split over 2 processes: each needs at least one row\n.*fix: run at most 1 process/);

    // A refusal only rank 0 can see (its run folder) ends every process with its message, no traceback of train.py's.
    fs.writeFileSync(path.join(ws.work, 'wave.rnn'), wave(4));
    assert.equal(unroll(['export', 'wave.rnn', out, '--format', 'pytorch', '--force']).status, 0);
    const noRuns = spawnSync(TORCHRUN!, ['--standalone', '--nproc_per_node', '2', ...TORCHRUN_FLAGS, path.join(out, 'train.py'), '--runs', '/proc/no/such'], { encoding: 'utf8', env: ENV, timeout: 300_000 });
    assert.notEqual(noRuns.status, 0);
    assert.match(noRuns.stderr, /\[default0\]:error: cannot write a run under \/proc\/no\/such/);
    assert.doesNotMatch(noRuns.stderr, /\[default\d\]:Traceback/);
  });
});
