// The `unroll` command's run commands, through the bundled CLI as a user runs it: train with plain progress
// lines (stderr is not a terminal here), Ctrl-C, resume, sample, predict, export, and the error exits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { arithmeticExperiment, buildEngine, tinyExperiment } from './runtime-fixtures';
import { readLatestCheckpoint, } from '../../engine/runs/checkpoint';
import { readMetrics, readSettings } from '../../engine/runs/store';

let cli: string;
let work: string;
before(async () => {
  cli = path.join(await buildEngine(), 'cli.js');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-cli-'));
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

function unroll(args: string[], timeout = 120_000) {
  return spawnSync(process.execPath, [cli, ...args], { cwd: work, encoding: 'utf8', timeout });
}

test('unroll train prints progress lines, epoch summaries and the run folder, and writes the run', () => {
  tinyExperiment(work, 'cli', { epochs: 2 });
  const r = unroll(['train', 'cli.rnn', '--device', 'cpu', '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  const dir = r.stdout.trim();
  assert.match(dir, /\.unroll\/runs\/tiny_cli\/\d{8}-\d{6}/);
  assert.match(r.stderr, /^run .*tiny_cli/m);
  assert.match(r.stderr, /^epoch 1\/2 step 1\/\d+ loss \d+\.\d+ [\d.]+k? tok\/s ETA /m);
  assert.match(r.stderr, /^epoch 2\/2 done in \d+s: train loss [\d.]+, train perplexity [\d.]+, .*valid loss [\d.]+/m);
  assert.match(r.stderr, /^finished at step \d+ \(2 epochs complete\)/m);
  assert.ok(!r.stderr.includes('\r'), 'no terminal redraws when stderr is not a terminal');
  const s = readSettings(dir);
  assert.equal(s.device, 'cpu');
  assert.equal(s.threads, 1);
  assert.equal(readLatestCheckpoint(dir)!.pointer.file, 'checkpoint-2.bin');
});

test('Ctrl-C stops after the current step with a checkpoint (exit 130), and --resume continues the same run', async () => {
  tinyExperiment(work, 'sigint', { epochs: 500 });
  const child = spawn(process.execPath, [cli, 'train', 'sigint.rnn', '--device', 'cpu', '--threads', '1'], { cwd: work });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const sent = new Promise<void>((resolve) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      if (/^epoch 2\/500 step 1\//m.test(stderr) && !child.killed) {
        child.kill('SIGINT');
        resolve();
      }
    });
  });
  await sent;
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  assert.equal(code, 130, `a stop by Ctrl-C exits 130, as shells expect\n${stderr}`);
  assert.match(stderr, /stopping after the current step/);
  assert.match(stderr, /^stopped at step (\d+)/m);
  const dir = stdout.trim();
  const ck = readLatestCheckpoint(dir)!;
  const stoppedAt = Number(/^stopped at step (\d+)/m.exec(stderr)![1]);
  assert.equal(ck.state.step, stoppedAt);
  assert.ok(stoppedAt < 21 * 4, `stopped promptly (step ${stoppedAt})`);

  const r = unroll(['train', '--resume', 'tiny_sigint', '--steps', String(stoppedAt + 5), '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), dir);
  assert.match(r.stderr, new RegExp(`resuming at step ${stoppedAt}`));
  assert.match(r.stderr, new RegExp(`reached the step limit at step ${stoppedAt + 5}`));
  assert.deepEqual(readMetrics(dir).filter((l) => l.kind === 'step').map((l) => l.step), Array.from({ length: stoppedAt + 5 }, (_, i) => i + 1));
});

test('unroll sample continues the prime with the requested number of characters', () => {
  tinyExperiment(work, 'sample', { epochs: 1 });
  assert.equal(unroll(['train', 'sample.rnn', '--threads', '1']).status, 0);
  const a = unroll(['sample', 'tiny_sample', '--prime', 'The ', '--length', '30', '--temperature', '0.5', '--seed', '3']);
  assert.equal(a.status, 0, a.stderr);
  const text = a.stdout.replace(/\n$/, '');
  assert.ok(text.startsWith('The ') && text.length === 34, JSON.stringify(text));
  const b = unroll(['sample', 'tiny_sample', '--prime', 'The ', '--length', '30', '--temperature', '0.5', '--seed', '3']);
  assert.equal(b.stdout, a.stdout, 'the same seed samples the same text');
});

test('unroll predict decodes the arithmetic model answer and unroll export writes an ONNX file', () => {
  arithmeticExperiment(work, 2);
  const t = unroll(['train', 'arith.rnn', '--threads', '1']);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stderr, /valid exact_match [\d.]+/);
  const p = unroll(['predict', 'arith_small', '  3*10*5', '--json']);
  assert.equal(p.status, 0, p.stderr);
  const out = JSON.parse(p.stdout) as { output: string };
  assert.match(out.output, /^[ 0-9+*]{0,4}$/, JSON.stringify(out));
  const x = unroll(['export', 'arith_small', 'model.onnx']);
  assert.equal(x.status, 0, x.stderr);
  assert.match(x.stdout, /model\.onnx \([\d,]+ bytes\)/);
  assert.ok(fs.statSync(path.join(work, 'model.onnx')).size > 1000);
});

test('errors exit non-zero with a message to act on: usage 2, a broken file or unknown run 1', () => {
  const u = unroll(['train']);
  assert.equal(u.status, 2);
  assert.match(u.stderr, /usage: unroll train FILE\.rnn/);
  const o = unroll(['train', 'x.rnn', '--epoch', '3']);
  assert.equal(o.status, 2);
  assert.match(o.stderr, /unknown option --epoch/);
  fs.writeFileSync(path.join(work, 'bad.rnn'), fs.readFileSync(tinyExperiment(work, 'bad', { epochs: 1 }), 'utf8').replace('lstm(e, hidden)', 'lstm(q, hidden)'));
  const b = unroll(['train', 'bad.rnn']);
  assert.equal(b.status, 1);
  assert.match(b.stderr, /bad\.rnn:\d+:\d+: error \[unknown-name\]/);
  const n = unroll(['sample', 'nothing_here']);
  assert.equal(n.status, 1);
  assert.match(n.stderr, /no run "nothing_here"/);
  const d = unroll(['train', 'bad.rnn', '--device', 'tpu']);
  assert.equal(d.status, 2);
  assert.match(d.stderr, /--device must be auto, cpu, webgpu or cuda/);
});
