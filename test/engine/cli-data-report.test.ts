// What the data became, as the command line says it: `check`, `summary` and the start of `train` name the rows
// read, kept and cut by max_len and their length spread; a classifier's run says the widths its batches take,
// the padding left, and once its first epoch is done, what compiling those shapes cost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildEngine } from './runtime-fixtures';
import { readMetrics } from '../../engine/runs/store';

let cli: string;
let work: string;
before(async () => {
  cli = path.join(await buildEngine(), 'cli.js');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-cli-data-'));
  fs.cpSync(path.join(__dirname, '../../examples/data/reviews.csv'), path.join(work, 'reviews.csv'));
  fs.writeFileSync(path.join(work, 'rev.rnn'), `experiment rev
data classify "reviews.csv" { max_len = 16, batch = 20, valid = 0.2 }
model {
  input x: int[batch, time] < vocab
  input y: int[batch] < classes
  h, _ = lstm(embedding(x, vocab, 8), 8)
  p = dense(last(h), 1, activation = sigmoid)
}
train { loss = binary_cross_entropy(p, y), optimizer = adam(lr = 0.01), epochs = 1, metrics = [accuracy] }
`);
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

const unroll = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: work, encoding: 'utf8', timeout: 120_000 });
const REPORT = /data reviews\.csv: 400 rows read, 400 kept \((\d+) rows cut to max_len = 16\); words per row: median (\d+), 95th percentile (\d+), longest (\d+)/;

test('check and summary say how many rows were read, kept and cut by max_len, and their length spread', () => {
  const c = unroll(['check', 'rev.rnn']);
  assert.equal(c.status, 0, c.stderr);
  const m = c.stdout.match(REPORT);
  assert.ok(m, c.stdout);
  const [cut, median, p95, longest] = m.slice(1).map(Number);
  assert.ok(cut > 0 && median < 16 && median <= p95 && p95 <= longest && longest > 16, m[0]);
  const s = unroll(['summary', 'rev.rnn']);
  assert.match(s.stdout, new RegExp(`^${REPORT.source}`, "m"));
});

test('train says what the data became and the widths its batches take, and trains every batch at one of them', () => {
  const r = unroll(['train', 'rev.rnn', '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, REPORT);
  const g = r.stderr.match(/^batches grouped by length: time ([\d|]+) \(at most time 16\); padding (\d+)% of the steps, against (\d+)% at time 16/m);
  assert.ok(g, r.stderr);
  const widths = g[1].split('|').map(Number);
  assert.ok(widths.length > 1 && widths[widths.length - 1] === 16, g[0]);
  assert.ok(Number(g[2]) < Number(g[3]), g[0]);
  assert.match(r.stderr, /^compiled \d+ graphs \(one per batch shape, training and validation\) in [\d.]+ s, \d+% of the time so far/m);
  assert.ok(readMetrics(r.stdout.trim()).some((m) => m.kind === 'epoch' && m.valid?.accuracy !== undefined));
});

test('a run stopped by --steps before its first epoch ends still says what compiling cost, once', () => {
  const r = unroll(['train', 'rev.rnn', '--threads', '1', '--steps', '2']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.match(/^compiled \d+ graphs? \(one per batch shape/gm)?.length, 1, r.stderr);
});

test('summary sizes a classifier\'s activations at its widest batch, not at max_len', () => {
  fs.writeFileSync(path.join(work, 'wide.rnn'), fs.readFileSync(path.join(work, 'rev.rnn'), 'utf8').replace('experiment rev', 'experiment wide').replace('max_len = 16', 'max_len = 100000'));
  const s = unroll(['summary', 'wide.rnn']);
  assert.match(s.stdout, /activations of the widest batch \(time 24; batches are grouped by length\) \d+ KB/);
});
