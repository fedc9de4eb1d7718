// What you trained is what you use: for every example, train briefly, move the data file away, then
// predict, sample and export from the run alone; the exported model, called as its metadata describes
// (tokenizer, vocabulary, left-aligned rows and lengths), gives predict's answers on inputs of mixed lengths.
// Training twice with one seed gives byte-identical checkpoints. The exported files pass the onnx checker
// (Debian's python3-onnx; CI installs it, UNROLL_REQUIRE_ONNX=1 makes its absence a failure).
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadRun, runJob } from '../../engine/runtime/jobs';
import type { Job, JobEvent } from '../../engine/runtime/jobs-types';
import type { ExportResult, PredictResult, SampleResult } from '../../engine/process/protocol';
import { readCheckpointPointer } from '../../engine/runs/checkpoint';
import { readModelInfo, tokenize } from './helpers/onnx-consumer';

const ROOT = path.resolve(__dirname, '..', '..');
let work: string;
const exported: string[] = [];

async function job<T>(j: Job): Promise<{ result: T; events: { event: JobEvent; params: unknown }[] }> {
  const events: { event: JobEvent; params: unknown }[] = [];
  let result: unknown;
  await runJob(j, { notify: (event, params) => events.push({ event, params }), result: (v) => (result = v), shouldStop: () => false });
  const failed = events.find((e) => e.event === 'failed');
  if (failed) throw new Error(`job failed: ${JSON.stringify(failed.params)}`);
  return { result: result as T, events };
}

async function trainBriefly(name: string, steps = 2): Promise<string> {
  const r = await job<{ dir: string }>({ kind: 'train', params: { file: path.join(work, 'examples', `${name}.rnn`), steps, device: 'cpu', workspaceRoot: work } });
  return r.result.dir;
}

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-use-'));
  fs.cpSync(path.join(ROOT, 'examples'), path.join(work, 'examples'), { recursive: true });
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

const predictIn = (run: string, input: string) => job<PredictResult>({ kind: 'predict', params: { run, input, workspaceRoot: work } }).then((r) => r.result);

/** Rows of ids, left-aligned and padded to the longest, with their lengths. */
function leftAligned(rows: number[][], pad: number): { x: ort.Tensor; lengths: ort.Tensor; T: number } {
  const T = Math.max(...rows.map((r) => r.length));
  const x = new Int32Array(rows.length * T).fill(pad);
  rows.forEach((r, b) => x.set(r, b * T));
  return { x: new ort.Tensor('int32', x, [rows.length, T]), lengths: new ort.Tensor('int32', Int32Array.from(rows.map((r) => r.length)), [rows.length]), T };
}

function softmax(v: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(v));
  const e = Array.from(v, (x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

async function exportRun(run: string): Promise<{ session: ort.InferenceSession; info: ReturnType<typeof readModelInfo> }> {
  const out = path.join(work, `${path.basename(path.dirname(run))}.onnx`);
  const r = await job<ExportResult>({ kind: 'export', params: { run, out, workspaceRoot: work } });
  exported.push(r.result.path);
  const bytes = fs.readFileSync(r.result.path);
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const info = readModelInfo(bytes);
  assert.deepEqual([...session.inputNames], info.inputs, 'metadata lists the inputs the model takes');
  assert.ok(!session.inputNames.includes('y'), 'the training target is not an input of the exported model');
  return { session, info };
}

/** The data folder moved away: the run must not need it. */
function withoutData<T>(fn: () => Promise<T>): Promise<T> {
  const data = path.join(work, 'examples', 'data');
  fs.renameSync(data, `${data}.moved`);
  return fn().finally(() => fs.renameSync(`${data}.moved`, data));
}

const REVIEWS = [
  'a wonderful film with a moving story',
  'It runs about two hours. I hated the movie.',
  'terrible',
  'The story was truly weak, but the direction was not a waste of time. I loved every minute, and the cast, the music and the photography were all wonderful; I would watch it again.',
  'not good',
];

/** Emails for the spam example: short ones, and a real one longer than its max_len (cut at the front). */
function emails(): string[] {
  const rows = fs.readFileSync(path.join(work, 'examples', 'data', 'spam.csv'), 'utf8').split('\n');
  const long = rows.find((r) => r.split(' ').length > 600)!;
  return [
    'Dear friend, you have been selected to receive a FREE gift. Click here now to claim your prize!',
    'The new kernel release fixes the bug in the RAID driver that we discussed on the list last week.',
    long.slice(1, long.lastIndexOf('",')).replace(/""/g, '"'),
    'unsubscribe',
  ];
}

async function classifier(name: string, texts = REVIEWS) {
  const dir = await trainBriefly(name);
  await withoutData(async () => {
    const { session, info } = await exportRun(dir);
    assert.deepEqual(info.inputs, ['x', 'lengths'], 'padded text is exported with a lengths input');
    const want = await Promise.all(texts.map((t) => predictIn(dir, t)));
    const rows = texts.map((t) => tokenize(info, t));
    assert.ok(new Set(rows.map((r) => r.length)).size > 2, 'the batch mixes lengths');
    const { x, lengths } = leftAligned(rows, info.padId ?? 0);
    const p = (await session.run({ x, lengths }))[info.prediction].data as Float32Array;
    texts.forEach((t, i) => {
      const pos = want[i].probabilities!.find(([l]) => l === info.labels![1])![1];
      assert.ok(Math.abs(p[i] - pos) < 1e-5, `${name} row ${i} (${JSON.stringify(t)}): exported ${p[i]} vs predict ${pos}`);
      assert.equal(p[i] > 0.5 ? info.labels![1] : info.labels![0], want[i].output, `${name} row ${i}: the label agrees`);
    });
  });
}

async function languageModel(name: string, prefixes: string[]) {
  const dir = await trainBriefly(name);
  await withoutData(async () => {
    const { session, info } = await exportRun(dir);
    const want = await Promise.all(prefixes.map((t) => predictIn(dir, t)));
    const rows = prefixes.map((t) => tokenize(info, t));
    const { x, lengths, T } = leftAligned(rows, info.padId ?? 0);
    const feeds: Record<string, ort.Tensor> = info.inputs.includes('lengths') ? { x, lengths } : { x };
    const logits = (await session.run(feeds))[info.prediction];
    const V = logits.dims[2];
    prefixes.forEach((t, i) => {
      const at = (i * T + rows[i].length - 1) * V;
      const probs = softmax((logits.data as Float32Array).subarray(at, at + V));
      for (const [tok, pr] of want[i].probabilities!) {
        const id = info.vocab!.indexOf(tok);
        assert.ok(Math.abs(probs[id] - pr) < 1e-5, `${name} ${JSON.stringify(t)}: p(${tok}) exported ${probs[id]} vs predict ${pr}`);
      }
    });
    const s = await job<SampleResult>({ kind: 'sample', params: { run: dir, length: 5, workspaceRoot: work } });
    assert.ok(s.result.text.length > 0, 'sample works without the data file');
  });
  return dir;
}

describe('what you trained is what you use, on every example', () => {
  it('sentiment: the exported model, called with left-aligned rows and lengths, gives predict\'s probabilities and labels', () => classifier('sentiment'));
  it('imdb_keras: the same through its 20000-word vocabulary', () => classifier('imdb_keras'));
  it('spam: the same on real emails, one longer than max_len (the model reads its last 400 words)', () => classifier('spam', emails()));

  it('the README\'s onnxruntime-node example runs on the exported sentiment model and gives predict\'s labels', async () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Use an exported model'));
    const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(code, 'the README has a JavaScript example under "Use an exported model"');
    // Inside the repository, so `onnxruntime-node` resolves from its node_modules; run where the model is.
    const dir = path.join(ROOT, 'test-results', 'readme');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'use-model.mjs'), code);
    const r = spawnSync(process.execPath, [path.join(dir, 'use-model.mjs')], { cwd: work, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 2, r.stdout);
    for (const line of r.stdout.trim().split('\n')) {
      const [text, label] = line.split(' -> ');
      assert.equal(label, (await predictIn('sentiment', text)).output, `README example on ${JSON.stringify(text)}`);
    }
  });

  it('char_lm: the next-character distribution after prefixes of mixed lengths matches predict', async () => {
    await languageModel('char_lm', ['The ', 'It was a', 'Th', 'And then the man said']);
  });

  it('ptb_lm: predict reads its input (different prefixes, different distributions), and the export agrees', async () => {
    await languageModel('ptb_lm', ['the man', 'it was the', 'he', 'the house of the']);
    const [a, b] = await Promise.all([predictIn('ptb_lm', 'the man'), predictIn('ptb_lm', 'it was the')]);
    assert.notDeepEqual(a.probabilities, b.probabilities, 'two inputs, two distributions');
  });

  it('ptb_lm: predict on a prefix gives the training graph\'s distribution at that step of a padded, masked bucket', async () => {
    const run = await loadRun('ptb_lm', work);
    const words = ['the', 'man', 'said', 'that', 'he'];
    const ids = run.dataset.encode(words.join(' '));
    const T = 10, B = 1; // the sentence padded into the smallest bucket, as training batches it
    const x = new Int32Array(T).fill(run.dataset.vocab!.pad!);
    x.set(ids);
    const mask = new Float32Array(T);
    mask.fill(1, 0, ids.length - 1); // the steps that have a target
    const dims = { ...run.settings.dims, ...run.dataset.dims, batch: B, time: T };
    const g = run.model.forward(dims);
    const s = await ort.InferenceSession.create(g.bytes, { intraOpNumThreads: 1 });
    const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor('int32', x, [B, T]), mask: new ort.Tensor('float32', mask, [B, T]), y: new ort.Tensor('int32', new Int32Array(T), [B, T]) };
    for (const [k, t] of Object.entries(run.weights)) feeds[`param/${k}`] = new ort.Tensor('float32', t.data, t.dims);
    const logits = (await s.run(feeds)).logits;
    const V = logits.dims[2];
    for (let t = 0; t < ids.length - 1; t++) {
      const probs = softmax((logits.data as Float32Array).subarray(t * V, (t + 1) * V));
      const want = await predictIn('ptb_lm', words.slice(0, t + 1).join(' '));
      for (const [tok, p] of want.probabilities!) {
        const id = run.dataset.vocab!.index.get(tok)!;
        assert.ok(Math.abs(probs[id] - p) < 1e-5, `after ${JSON.stringify(words.slice(0, t + 1).join(' '))}: p(${tok}) training graph ${probs[id]} vs predict ${p}`);
      }
    }
  });

  it('arithmetic: the exported model decodes what predict decodes', async () => {
    const dir = await trainBriefly('arithmetic', 30);
    const { session, info } = await exportRun(dir);
    const exprs = ['3*10*5', '1+2+3', '10+10+10', '2*2*2'];
    const want = await Promise.all(exprs.map((e) => predictIn(dir, e)));
    const rows = exprs.map((e) => tokenize(info, e));
    assert.ok(rows.every((r) => r.length === 8), 'the tokenizer right-aligns to the source width');
    const { x } = leftAligned(rows, 0);
    const logits = (await session.run({ x }))[info.prediction];
    const [B, tgt, V] = logits.dims;
    for (let b = 0; b < B; b++) {
      let s = '';
      for (let t = 0; t < tgt; t++) {
        const row = (logits.data as Float32Array).subarray((b * tgt + t) * V, (b * tgt + t + 1) * V);
        s += info.vocab![row.indexOf(Math.max(...row))];
      }
      assert.equal(s.trim(), want[b].output, `arithmetic ${exprs[b]}`);
    }
  });

  it('sine and adding: numeric input; the exported model gives predict\'s values', async () => {
    for (const [name, seqs, F] of [
      ['sine', ['0.0 0.31 0.59 0.81 0.95', '0.5 0.2', '0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8'], 1],
      ['adding', ['0.5,0 0.2,1 0.7,1 0.1,0', '0.9,1 0.3,1 0.6,0 0.2,0'], 2],
    ] as const) {
      const dir = await trainBriefly(name);
      const plot = JSON.parse(fs.readFileSync(path.join(dir, 'validation-prediction.json'), 'utf8')) as { truth: number[]; predicted: number[]; output: string };
      assert.ok(plot.truth.length > 0 && plot.truth.length === plot.predicted.length, `${name}: the run keeps its validation prediction for the loss panel`);
      assert.equal(plot.output, 'out', 'the loss reads its prediction from out');
      assert.ok(plot.truth.every((v) => (name === 'sine' ? Math.abs(v) <= 1 : v >= 0 && v <= 2)), `${name}: the truth is the validation target`);
      const { session, info } = await exportRun(dir);
      for (const seq of seqs) {
        const want = await predictIn(dir, seq);
        const vals = seq.split(' ').flatMap((s) => s.split(',').map(Number));
        const x = new ort.Tensor('float32', Float32Array.from(vals), [1, vals.length / F, F]);
        const got = Array.from((await session.run({ x }))[info.prediction].data as Float32Array);
        assert.equal(got.length, want.values!.length, `${name} ${seq}: as many values`);
        got.forEach((v, i) => assert.ok(Math.abs(v - want.values![i]) < 1e-5, `${name} ${seq} value ${i}: exported ${v} vs predict ${want.values![i]}`));
      }
    }
  });

  it('pronounce (pairs, attention): the export decoded greedily as its metadata says gives predict\'s answers', async () => {
    const dir = await trainBriefly('pronounce', 60);
    const { session, info } = await exportRun(dir);
    const tok = info.tokenizer as { tokens: string; source_end: string; target_start: string; target_end: string; decode: string };
    assert.equal(tok.source_end, 'none');
    assert.deepEqual(info.inputs, ['x', 'lengths', 'y_in']);
    const index = new Map(info.vocab!.map((w, i) => [w, i]));
    const T = 14; // the data's tgt: the longest pronunciation in examples/data/cmudict.csv (13) and </s>
    assert.equal((info.tokenizer as { target_tokens?: string }).target_tokens, 'words', 'letters in, phonemes out');
    for (const word of ['cat', 'phoneme', 'knight']) {
      const want = await predictIn(dir, word);
      const ids = tokenize(info, word);
      const x = new ort.Tensor('int32', Int32Array.from(ids), [1, ids.length]);
      const lengths = new ort.Tensor('int32', Int32Array.of(ids.length), [1]);
      const yIn = new Int32Array(T).fill(info.padId!);
      yIn[0] = index.get(tok.target_start)!;
      const out: string[] = [];
      for (let t = 0; t < T; t++) {
        const logits = (await session.run({ x, lengths, y_in: new ort.Tensor('int32', yIn, [1, T]) }))[info.prediction];
        const V = logits.dims[2];
        const row = Array.from((logits.data as Float32Array).subarray(t * V, (t + 1) * V));
        const best = row.indexOf(Math.max(...row));
        if (info.vocab![best] === tok.target_end) break;
        out.push(info.vocab![best]);
        if (t + 1 < T) yIn[t + 1] = best;
      }
      assert.equal(out.join(' '), want.output, `pronounce ${word}`);
    }
    // An input none of whose letters the model knows is refused, not a silent guess.
    // Uppercase letters are not the source's: P and N are phonemes of the shared vocabulary. Refused too.
    await assert.rejects(predictIn(dir, 'PHONE'), /"P", "N" appear only in the targets of the training data, never in a source[\s\S]*its case and spelling/);
    // Characters no source had, and a word longer than any source, are refused too: not read as <unk>, not cut.
    await assert.rejects(predictIn(dir, 'c4t'), /"4" is not among the characters of the training data/);
    await assert.rejects(predictIn(dir, 'supercalifragilisticexpialidocious'), /has 34 characters; the model reads at most \d+ \(the longest source in the training data\)/);
  });

  it('the exported models pass onnx.checker.check_model(full_check=True) and strict shape inference', (t) => {
    // Debian's package lives in the system python, which a pyenv or venv python3 on PATH may hide.
    const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0);
    if (!python) {
      if (process.env.UNROLL_REQUIRE_ONNX === '1') assert.fail('python3 with the onnx package is required (apt-get install python3-onnx)');
      t.skip('python3-onnx is not installed');
      return;
    }
    assert.ok(exported.length >= 7, `every example was exported (${exported.length})`);
    const r = spawnSync(python, [path.join(ROOT, 'scripts', 'check_onnx.py'), ...exported], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});

describe('a seed makes CPU training bit-identical', () => {
  for (const name of ['imdb_keras', 'sentiment', 'spam', 'ptb_lm', 'char_lm', 'arithmetic', 'sine', 'adding']) {
    it(`${name}: two runs with one seed write byte-identical checkpoints`, async () => {
      const [a, b] = [await trainBriefly(name, 2), await trainBriefly(name, 2)];
      const file = (d: string) => fs.readFileSync(path.join(d, readCheckpointPointer(d)!.file));
      assert.ok(file(a).equals(file(b)), `${name}: ${a} and ${b} differ`);
    });
  }
});

describe('the classifier examples, trained as shipped, answer sensible inputs', () => {
  for (const name of ['imdb_keras', 'sentiment']) {
    it(`${name}: validation accuracy as its comment says, and plain reviews get the plain label`, async () => {
      const r = await job<{ dir: string }>({ kind: 'train', params: { file: path.join(work, 'examples', `${name}.rnn`), device: 'cpu', workspaceRoot: work } });
      const epochs = r.events.filter((e) => e.event === 'metrics' && (e.params as { kind?: string }).kind === 'epoch').map((e) => e.params as { valid?: Record<string, number> });
      const acc = epochs[epochs.length - 1]?.valid?.accuracy;
      assert.ok(acc !== undefined && acc >= 0.85, `${name}: final validation accuracy ${acc}`);
      assert.equal((await predictIn(r.result.dir, 'a wonderful film with a moving story')).output, 'pos');
      assert.equal((await predictIn(r.result.dir, 'I loved every minute')).output, 'pos');
      assert.equal((await predictIn(r.result.dir, 'I hated the movie')).output, 'neg');
    });
  }
  it('spam: validation accuracy as its comment says (0.97 after its 3 epochs), an offer is spam and a note about a kernel fix ham', async () => {
    const r = await job<{ dir: string }>({ kind: 'train', params: { file: path.join(work, 'examples', 'spam.rnn'), device: 'cpu', workspaceRoot: work } });
    const epochs = r.events.filter((e) => e.event === 'metrics' && (e.params as { kind?: string }).kind === 'epoch').map((e) => e.params as { valid?: Record<string, number> });
    const acc = epochs[epochs.length - 1]?.valid?.accuracy;
    assert.ok(acc !== undefined && acc >= 0.95, `spam: final validation accuracy ${acc}`);
    const [offer, note] = emails();
    assert.equal((await predictIn(r.result.dir, offer)).output, 'spam');
    assert.equal((await predictIn(r.result.dir, note)).output, 'ham');
  });
});
