// train.py on data the export did not see: `--data FILE` reads a grown or new corpus with the run's
// vocabulary (loaders.py), says what it did with tokens the vocabulary lacks, and refuses what it cannot read
// with the file, the line and the fix, never a traceback and never an empty run. Also: a regression's
// validation prediction (the loss panel's plot) is written by train.py as the engine writes it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readPrediction } from '../../client/engine/runs';
import { PYTHON, SKIP } from './python';
import { cliWorkspace } from './workspace';

const ws = cliWorkspace('unroll-newdata-', { examples: true });
const ENV = { ...process.env, OMP_NUM_THREADS: '1' };
const run = (file: string, args: string[]) => spawnSync(PYTHON!, [file, ...args], { encoding: 'utf8', env: ENV, timeout: 300_000 });
const runIds = (experiment: string) => fs.readdirSync(path.join(ws.work, '.unroll', 'runs', experiment)).sort();

const CHAR_LM = `experiment tiny_lm
dims { hidden = 8 }
data text "corpus.txt" { tokens = chars, seq_len = 8, batch = 2, valid = 0.2 }
model {
  input x: int[batch, time] < vocab
  input y: int[batch, time] < vocab
  h, _ = lstm(embedding(x, vocab, 4), hidden)
  logits = dense(h, vocab)
}
train { loss = cross_entropy(logits, y), steps = 2 }
`;
const WORDS = 'the cat sat on the mat and the dog ran to the park\n';

/** Trains `text` for 2 steps and exports the run; returns the export's folder. */
function exported(name: string, text: string): string {
  fs.writeFileSync(path.join(ws.work, `${name}.rnn`), text);
  const t = ws.unroll(['train', `${name}.rnn`, '--device', 'cpu', '--threads', '1']);
  assert.equal(t.status, 0, t.stderr);
  const out = path.join(ws.work, `${name}-pt`);
  const e = ws.unroll(['export', t.stdout.trim(), out, '--format', 'pytorch']);
  assert.equal(e.status, 0, e.stderr);
  return out;
}

describe('train.py --data: a new corpus, with the run\'s vocabulary', { skip: SKIP }, () => {
  it('a grown corpus trains with more steps an epoch; an unknown character is refused with its line; a missing file is named', () => {
    fs.writeFileSync(path.join(ws.work, 'corpus.txt'), WORDS.repeat(6));
    const out = exported('tiny_lm', CHAR_LM);
    assert.ok(!fs.existsSync(path.join(out, 'data.bin')), 'a data file is read by data.py, not stored');
    const data = JSON.parse(fs.readFileSync(path.join(out, 'data.json'), 'utf8')) as { file: string; source: string };
    assert.equal(data.source, 'text');
    assert.equal(data.file, path.join(ws.work, 'corpus.txt'));

    const own = run(path.join(out, 'train.py'), ['--steps', '4']);
    assert.equal(own.status, 0, own.stderr);
    assert.doesNotMatch(own.stderr, /note:/, 'the exported file needs no note');
    assert.equal(own.stdout.trim().split('\n').length, 1, 'stdout is the run folder only');
    const grownPath = path.join(ws.work, 'grown.txt');
    fs.writeFileSync(grownPath, WORDS.repeat(30));
    const grown = run(path.join(out, 'train.py'), ['--data', grownPath, '--epochs', '1', '--steps', '3']);
    assert.equal(grown.status, 0, grown.stderr);
    assert.match(grown.stderr, /note: .*grown\.txt is not the file exported .*read with the export's vocabulary/);
    const perEpoch = (dir: string) => (JSON.parse(fs.readFileSync(path.join(dir, 'settings.json'), 'utf8')) as { stepsPerEpoch: number }).stepsPerEpoch;
    const [first, second] = [own, grown].map((r) => r.stdout.trim().split('\n').pop()!);
    assert.ok(perEpoch(second) > perEpoch(first), `the grown corpus has more batches: ${perEpoch(second)} vs ${perEpoch(first)}`);
    // The run says what it trained on, and Unroll's resume (which reads the experiment's file) says so too.
    assert.equal(JSON.parse(fs.readFileSync(path.join(second, 'settings.json'), 'utf8')).dataFile, grownPath);
    const resumed = ws.unroll(['train', '--resume', second, '--steps', '5', '--device', 'cpu', '--threads', '1']);
    assert.equal(resumed.status, 1);
    assert.match(resumed.stderr, /was trained by train\.py on .*grown\.txt \(--data\), not on the experiment's corpus\.txt.*python3 DIR\/train\.py --data .*grown\.txt/);

    const before = runIds('tiny_lm');
    const badPath = path.join(ws.work, 'accents.txt');
    fs.writeFileSync(badPath, WORDS.repeat(3) + 'the cat née\n');
    const bad = run(path.join(out, 'train.py'), ['--data', badPath]);
    assert.equal(bad.status, 2, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /accents\.txt:4: "é" is not in the vocabulary \(\d+ tokens\) and it has no <unk>\n {2}fix: export again from this data/);
    assert.doesNotMatch(bad.stderr, /Traceback/);
    const latin1 = path.join(ws.work, 'latin1.txt');
    fs.writeFileSync(latin1, Buffer.concat([Buffer.from(WORDS.repeat(3) + 'the cat '), Buffer.from([0xe9]), Buffer.from('\n')]));
    const notUtf8 = run(path.join(out, 'train.py'), ['--data', latin1]);
    assert.equal(notUtf8.status, 2);
    assert.match(notUtf8.stderr, /latin1\.txt:4: "\ufffd" is not in the vocabulary .*\n {2}fix: 1 byte sequence is not valid UTF-8 \(the first at byte \d+\): convert the file to UTF-8/);
    const missing = run(path.join(out, 'train.py'), ['--data', path.join(ws.work, 'nope.txt')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope\.txt: the file does not exist\n {2}fix: pass the data file with --data PATH/);
    assert.deepEqual(runIds('tiny_lm'), before, 'a refused data file leaves no run behind');
  });

  it('words the vocabulary lacks read as <unk>, and the note counts them', () => {
    const experiment = fs.readFileSync(path.join(ws.work, 'sentiment.rnn'), 'utf8').replace(/epochs = \d+/, 'epochs = 1').replace(/train \{/, 'train {\n  steps = 1');
    const out = exported('sentiment', experiment);
    const reviews = fs.readFileSync(path.join(ws.work, 'data', 'reviews.csv'), 'utf8').split('\n');
    const newPath = path.join(ws.work, 'new-reviews.csv');
    fs.writeFileSync(newPath, [reviews[0], ...reviews.slice(1, 80), 'zyzzyva quixotically flummoxed,pos', 'zyzzyva,neg'].join('\n') + '\n');
    const r = run(path.join(out, 'train.py'), ['--data', newPath, '--steps', '2']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /note: 4 tokens of .*new-reviews\.csv are not in the vocabulary \([\d,]+ tokens\) and read as <unk>/);
    const label = path.join(ws.work, 'new-label.csv');
    fs.writeFileSync(label, [reviews[0], ...reviews.slice(1, 20), 'fine,meh'].join('\n') + '\n');
    const refused = run(path.join(out, 'train.py'), ['--data', label]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /new-label\.csv:21: the label "meh" is not one the model has \(neg, pos\)/);
  });
});

describe('train.py writes a regression\'s validation prediction', { skip: SKIP }, () => {
  it('sine: validation-prediction.json, which the loss panel reads, is the engine\'s after the same steps from the same weights', () => {
    const t = ws.unroll(['train', 'sine.rnn', '--steps', '5', '--device', 'cpu', '--threads', '1']);
    assert.equal(t.status, 0, t.stderr);
    const engine = readPrediction(t.stdout.trim());
    assert.ok(engine, 'the engine wrote its prediction');
    const out = path.join(ws.work, 'sine-pt');
    assert.equal(ws.unroll(['export', 'sine.rnn', out, '--format', 'pytorch']).status, 0);
    const r = run(path.join(out, 'train.py'), ['--steps', '5']);
    assert.equal(r.status, 0, r.stderr);
    const torch = readPrediction(r.stdout.trim().split('\n').pop()!);
    assert.ok(torch, 'train.py wrote validation-prediction.json');
    assert.deepEqual([torch.epoch, torch.output, torch.target, torch.truth.length], [engine.epoch, 'out', 'y', engine.truth.length]);
    torch.truth.forEach((v, i) => assert.ok(Math.abs(v - engine.truth[i]) < 1e-6, `truth ${i}`));
    // Five steps of float32 training apart (engine-steps.test.ts holds their losses to 1e-4).
    torch.predicted.forEach((v, i) => assert.ok(Math.abs(v - engine.predicted[i]) < 1e-4, `predicted ${i}: ${v} vs ${engine.predicted[i]}`));
  });
});
