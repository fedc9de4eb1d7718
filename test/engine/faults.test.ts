// Fault injection: real `unroll train` processes stopped by SIGKILL, SIGTERM, SIGHUP, SIGINT and a fast double
// SIGINT at seeded random moments (a checkpoint is written after every step, so many land while one is being
// written), then resumed to the end. After each: the run folder reads, resume starts at the last
// checkpoint's step, metrics.jsonl holds every step exactly once, and the final weights are bit-identical to
// an uninterrupted run with the same seed. Also: two trainers of one run, a time-based checkpoint before the
// first epoch ends, and a 100 KB command line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { buildEngine, tinyExperiment } from './runtime-fixtures';
import { readLatestCheckpoint } from '../../engine/runs/checkpoint';
import { readMetrics } from '../../engine/runs/store';

let bin: string;
let work: string;
const ROOT = path.resolve(__dirname, '..', '..');
before(async () => {
  await buildEngine();
  bin = path.join(ROOT, 'bin', 'unroll.js');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-faults-'));
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

const EPOCHS = 12;

/** The tiny experiment with checkpoints every 50 ms. */
function experiment(name: string): string {
  const file = tinyExperiment(work, name, { epochs: EPOCHS });
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('  clip = 5', '  clip = 5\n  checkpoint_every = 0.001\n  seed = 7\n  threads = 1'));
  return file;
}

function unroll(args: string[], timeout = 120_000) {
  return spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: 'utf8', timeout });
}

function weights(dir: string): Buffer {
  const ck = readLatestCheckpoint(dir)!;
  const names = Object.keys(ck.state.tensors).sort();
  return Buffer.concat(names.map((n) => Buffer.from(ck.state.tensors[n].data.buffer)));
}

function stepLines(dir: string): number[] {
  return readMetrics(dir).filter((m) => m.kind === 'step').map((m) => m.step);
}

let seed = 20261201;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);

/** Starts a training run and stops it with `how` once metrics.jsonl has `after` step lines. */
async function interrupted(file: string, how: string, after: number): Promise<{ code: number | null; signal: string | null; stderr: string; dir: string }> {
  const child = spawn(process.execPath, [bin, 'train', file, '--device', 'cpu'], { cwd: work });
  let stderr = '', stdout = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => (stdout += d));
  const exit = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  let dir: string | undefined;
  for (let i = 0; i < 3000 && child.exitCode === null; i++) {
    const m = /^run (\S+)/m.exec(stderr);
    if (m) dir = m[1];
    if (dir && fs.existsSync(path.join(dir, 'metrics.jsonl')) && stepLines(dir).length >= after) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  if (how === 'double SIGINT') {
    // a person's second Ctrl-C: quit at once
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 200 + rand() * 200));
    child.kill('SIGINT');
  } else if (how === 'SIGTERM twice') {
    // GNU timeout signals the process, then its whole process group: the same stop, delivered twice
    child.kill('SIGTERM');
    child.kill('SIGTERM');
  } else child.kill(how as NodeJS.Signals);
  const r = await exit;
  dir ??= /^(\/\S+)$/m.exec(stdout)?.[1] ?? /^run (\S+)/m.exec(stderr)?.[1];
  assert.ok(dir, `the run folder is known: ${stderr}`);
  return { ...r, stderr, dir };
}

test('interrupted at random moments by every kind of stop, then resumed: the same weights as an uninterrupted run, every step once', { timeout: 600_000 }, async () => {
  const ref = unroll(['train', experiment('reference'), '--device', 'cpu']);
  assert.equal(ref.status, 0, ref.stderr);
  const refDir = ref.stdout.trim();
  const total = stepLines(refDir).length;
  assert.ok(total >= 60, `the reference run has enough steps to interrupt (${total})`);
  const want = weights(refDir);

  const kinds = ['SIGKILL', 'SIGTERM', 'SIGHUP', 'SIGINT', 'double SIGINT', 'SIGTERM twice'];
  let faults = 0;
  for (let i = 0; i < 24; i++) {
    const how = kinds[i % kinds.length];
    const file = experiment(`fault${i}`);
    const at = 1 + Math.floor(rand() * (total - 10));
    const r = await interrupted(file, how, at);
    faults++;
    assert.ok(!/terminate called|Napi::Error|core dumped/.test(r.stderr), `${how}: no native abort\n${r.stderr}`);
    const exit = r.signal ?? String(r.code);
    const expected: Record<string, string[]> = { SIGKILL: ['SIGKILL'], SIGTERM: ['143'], SIGHUP: ['129'], SIGINT: ['130'], 'double SIGINT': ['SIGINT', '130'], 'SIGTERM twice': ['143'] };
    assert.ok(expected[how].includes(exit), `${how} after ${at} steps: exit ${exit}\n${r.stderr}`);
    // The folder reads, and what it says about its checkpoint is true.
    const ck = readLatestCheckpoint(r.dir);
    if (r.signal === 'SIGINT') {
      // The second Ctrl-C quit before the stop finished: the message says what the folder really keeps.
      const said = /keeps its checkpoint at step (\d+)|(has no checkpoint yet)/.exec(r.stderr);
      const stopped = /^stopped at step (\d+)/m.exec(r.stderr);
      // (or the stop had finished and the second Ctrl-C only ended the exiting process: it said where it stopped)
      assert.ok(said || (stopped && ck?.state.step === Number(stopped[1])), r.stderr);
      if (said?.[1]) assert.ok(ck && ck.state.step >= Number(said[1]), `the checkpoint it names exists (${said[1]})`);
      else if (said) assert.equal(ck, undefined, 'it said there was no checkpoint, and there is none');
    }
    if (how === 'SIGTERM twice' || how === 'SIGTERM' || how === 'SIGHUP' || how === 'SIGINT') {
      const stopped = /^stopped at step (\d+)/m.exec(r.stderr);
      if (stopped) assert.equal(ck?.state.step, Number(stopped[1]), `${how}: a graceful stop leaves a checkpoint at the step it stopped`);
    }
    const from = ck?.state.step ?? 0;
    const res = unroll(['train', '--resume', r.dir, '--device', 'cpu']);
    assert.equal(res.status, 0, `${how}: resume\n${res.stderr}`);
    if (from > 0) assert.match(res.stderr, new RegExp(`resuming at step ${from}\\b`), `${how}: resume starts at the checkpoint's step`);
    const steps = stepLines(r.dir);
    assert.deepEqual(steps, Array.from({ length: total }, (_, k) => k + 1), `${how} at step ${at}: metrics.jsonl holds every step once, in order`);
    assert.ok(weights(r.dir).equals(want), `${how} at step ${at} (resumed from ${from}): the final weights equal the uninterrupted run's`);
    assert.ok(!fs.readdirSync(r.dir).some((n) => n.includes('.tmp-')), `${how}: no temporary file is left after the resume`);
    assert.ok(!fs.existsSync(path.join(r.dir, 'lock')), `${how}: the lock is released`);
  }
  console.log(`# ${faults} faults injected, ${faults} runs resumed and verified against the uninterrupted run`);
});

test('a model with dropout, killed mid-run and resumed, draws the same masks: the same weights as uninterrupted', { timeout: 300_000 }, async () => {
  const withDropout = (name: string) => {
    const file = experiment(name);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('logits = dense(h, vocab)', 'd = dropout(h, 0.3)\n  logits = dense(d, vocab)'));
    return file;
  };
  const ref = unroll(['train', withDropout('dropref'), '--device', 'cpu']);
  assert.equal(ref.status, 0, ref.stderr);
  const want = weights(ref.stdout.trim());
  const total = stepLines(ref.stdout.trim()).length;
  for (const [i, how] of (['SIGKILL', 'SIGTERM'] as const).entries()) {
    const r = await interrupted(withDropout(`drop${i}`), how, 5 + Math.floor(rand() * (total - 20)));
    const from = readLatestCheckpoint(r.dir)?.state.step ?? 0;
    assert.ok(from > 0 && from < total, `${how}: interrupted mid-run (checkpoint at ${from} of ${total})`);
    assert.equal(unroll(['train', '--resume', r.dir, '--device', 'cpu']).status, 0);
    assert.ok(weights(r.dir).equals(want), `${how} at step ${from}: the resumed run's weights equal the uninterrupted run's`);
  }
});

test('a second trainer of the same run is refused with a message naming the process that holds it', { timeout: 120_000 }, async () => {
  const file = experiment('locked');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(`epochs = ${EPOCHS}`, 'epochs = 400'));
  const child = spawn(process.execPath, [bin, 'train', file, '--device', 'cpu'], { cwd: work });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  while (!/^epoch 1\/400 step/m.test(stderr)) await new Promise((r) => setTimeout(r, 20));
  const dir = /^run (\S+)/m.exec(stderr)![1];
  const second = unroll(['train', '--resume', dir, '--device', 'cpu']);
  child.kill('SIGINT');
  await new Promise((r) => child.once('exit', r));
  assert.equal(second.status, 1);
  assert.match(second.stderr, new RegExp(`is being trained by process ${child.pid}`));
  const lines = stepLines(dir);
  assert.equal(new Set(lines).size, lines.length, 'the refused resume wrote nothing');
});

test('checkpoint_every writes a checkpoint before the first epoch ends; --resume continues from its step', { timeout: 120_000 }, async () => {
  const file = experiment('clock');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('checkpoint_every = 0.001', 'checkpoint_every = 0.0001').replace('seq_len = 16, batch = 4', 'seq_len = 8, batch = 2'));
  const r = await interrupted(file, 'SIGKILL', 3);
  const ck = readLatestCheckpoint(r.dir);
  assert.ok(ck, 'a checkpoint exists although no epoch ended');
  assert.equal(ck!.state.epoch, 0, 'it is a mid-epoch checkpoint');
  assert.ok(ck!.state.step >= 1);
  const res = unroll(['train', '--resume', r.dir, '--device', 'cpu', '--steps', String(ck!.state.step + 2)]);
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stderr, new RegExp(`resuming at step ${ck!.state.step}\\b`));
});

test('a 100 KB input on the command line is answered (no crash from onnxruntime in a worker of a long command line)', { timeout: 120_000 }, () => {
  const file = experiment('long');
  const t = unroll(['train', file, '--device', 'cpu', '--steps', '2']);
  assert.equal(t.status, 0, t.stderr);
  const prime = 'The river runs past the old mill. '.repeat(3000); // about 100 KB
  const r = unroll(['sample', 'tiny_long', '--prime', prime, '--length', '5']);
  assert.equal(r.status, 0, `exit ${r.status} signal ${r.signal}: ${r.stderr.slice(0, 500)}`);
  assert.ok(r.stdout.length > prime.length, 'the sample starts with the prime');
});
