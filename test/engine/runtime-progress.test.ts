import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress, formatDuration, formatRate } from '../../engine/cli/progress';
import { parseArgs, UsageError } from '../../engine/cli/args';
import type { StepMetrics } from '../../engine/process/protocol';

function step(s: number, epoch: number, loss: number): StepMetrics {
  return { kind: 'step', epoch, step: s, loss, tokens: 3200, tokensPerSec: 25600, ms: 125, lr: 1e-3, time: 0 };
}

test('the terminal bar shows epoch, step, loss, tokens/s and an ETA from the mean step time', () => {
  let out = '';
  let now = 0;
  const p = new Progress({ write: (s) => (out += s), tty: true, columns: 120, now: () => now });
  p.start({ epochs: 2, stepsPerEpoch: 10 });
  for (let s = 1; s <= 5; s++) {
    now += 200; // 200 ms a step
    p.step(step(s, 1, 2.5 - s * 0.1));
  }
  const last = out.split('\r\x1b[2K').pop()!;
  assert.match(last, /^epoch 1\/2 \[=+>\s*\] 5\/10 loss 2\.0000 25\.6k tok\/s ETA 3s$/);
  // 15 steps left at 200 ms each: 3 s.
  assert.equal(p.eta(5), 3);
});

test('without a terminal, progress is plain lines (first step of each epoch, then at most one per interval) and epoch summaries', () => {
  const lines: string[] = [];
  let now = 0;
  const p = new Progress({ write: (s) => lines.push(s), tty: false, plainEveryMs: 1000, now: () => now });
  p.start({ epochs: 1, stepsPerEpoch: 20 });
  for (let s = 1; s <= 20; s++) {
    now += 300;
    p.step(step(s, 1, 1));
  }
  p.epoch({ kind: 'epoch', epoch: 1, step: 20, trainLoss: 1.25, validLoss: 1.5, train: {}, valid: { perplexity: 4.48 }, seconds: 6, time: 0 });
  assert.ok(lines.every((l) => !l.includes('\r') && l.endsWith('\n')));
  const stepLines = lines.filter((l) => l.startsWith('epoch 1/1 step'));
  assert.ok(stepLines.length >= 5 && stepLines.length <= 7, `${stepLines.length} step lines`);
  assert.match(lines[lines.length - 1], /epoch 1\/1 done in 6s: train loss 1\.2500, valid loss 1\.5000, valid perplexity 4\.4800/);
});

test('durations and rates print compactly', () => {
  assert.equal(formatDuration(59), '59s');
  assert.equal(formatDuration(61), '1m01s');
  assert.equal(formatDuration(3 * 3600 + 120), '3h02m');
  assert.equal(formatDuration(NaN), '?');
  assert.equal(formatRate(1_250_000), '1.3M');
});

test('the run commands reject unknown options, missing values and bad numbers with the usage line', () => {
  const spec = { epochs: 'int', device: 'string', temperature: 'float', json: 'bool' } as const;
  const r = parseArgs(['f.rnn', '--epochs', '3', '--device=cpu', '--temperature', '0.5', '--json'], spec, 'usage: x');
  assert.deepEqual(r, { positional: ['f.rnn'], options: { epochs: 3, device: 'cpu', temperature: 0.5, json: true } });
  assert.throws(() => parseArgs(['--epoch', '3'], spec, 'usage: x'), (e: Error) => e instanceof UsageError && /unknown option --epoch\nusage: x/.test(e.message));
  assert.throws(() => parseArgs(['--epochs'], spec, 'u'), /--epochs needs a value/);
  assert.throws(() => parseArgs(['--epochs', '2.5'], spec, 'u'), /--epochs wants a whole number, 0 or more, got "2.5"/);
});
