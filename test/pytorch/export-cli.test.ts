// `unroll export RUN DIR --format pytorch` on a trained run, as a user runs it: the folder it writes loads
// in PyTorch as its README says, and the model with the run's weights computes what the engine computes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Batch } from '../../engine/data/index';
import { loadRun } from '../../engine/runtime/run-loader';
import { forwardDifferences } from './forward';
import { pyflakes, SKIP } from './python';
import { cliWorkspace, encoderDecoder } from './workspace';

const ws = cliWorkspace('unroll-pt-cli-');
const unroll = (args: string[]) => ws.unroll(args);

const ATTEND = encoderDecoder('attend', 'samples = 400, numbers = 2, largest = 9, batch = 16', 'loss = cross_entropy(logits, y), steps = 30, seed = 3');


describe('unroll export --format pytorch', { skip: SKIP }, () => {
  it('writes a folder whose model, with the run\'s trained weights, gives the engine\'s outputs', async () => {
    fs.writeFileSync(path.join(ws.work, 'attend.rnn'), ATTEND);
    const t = unroll(['train', 'attend.rnn', '--device', 'cpu', '--threads', '1']);
    assert.equal(t.status, 0, t.stderr);
    const runDir = t.stdout.trim();
    const out = path.join(ws.work, 'attend_pt');
    const e = unroll(['export', runDir, out, '--format', 'pytorch']);
    assert.equal(e.status, 0, e.stderr);
    assert.match(e.stdout, /attend_pt\/ \([\d,]+ bytes: model\.py, step\.py, weights\.bin/);
    for (const f of ['model.py', 'step.py', 'layers.py', 'run_format.py', 'weights.bin', 'vocab.json', 'tokenizer.json', 'train.py', 'data.py', 'loaders.py', 'rng.py', 'README.md']) assert.ok(fs.existsSync(path.join(out, f)), `${f} written`);
    assert.match(fs.readFileSync(path.join(out, 'README.md'), 'utf8'), /m = model\.Attend\(\)/);
    const flakes = pyflakes(fs.readdirSync(out).filter((f) => f.endsWith('.py')).map((f) => path.join(out, f)));
    if (flakes !== undefined) assert.equal(flakes, '');
    // A second export into the same folder is refused without --force.
    const again = unroll(['export', runDir, out, '--format', 'pytorch']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already has files; pass --force/);
    assert.equal(unroll(['export', runDir, out, '--format', 'tf']).status, 2);
    assert.match(unroll(['export', runDir, path.join(ws.work, 'model.onnx'), '--format', 'pytorch']).stderr, /writes a folder; .*model\.onnx looks like a file name/);
    assert.match(unroll(['export', runDir, path.join(ws.work, 'no', 'such', 'dir'), '--format', 'pytorch']).stderr, /the folder .*no\/such does not exist; create it first/);
    const tok = JSON.parse(fs.readFileSync(path.join(out, 'tokenizer.json'), 'utf8')) as { tokenizer: { tokens: string }; layout: string };
    assert.equal(tok.tokenizer.tokens, 'chars');

    // The engine's outputs on a batch, with the run's weights (its last checkpoint).
    const run = await loadRun(runDir, ws.work);
    const batch: Batch = run.dataset.trainBatches(0)[Symbol.iterator]().next().value!;
    const errs = await forwardDifferences(run, batch, out, path.join(out, 'weights.bin'), path.join(ws.work, 'batch.bin'));
    assert.deepEqual(Object.keys(errs).sort(), ['c', 'enc', 'logits', 'q', 'w']);
    for (const [k, d] of Object.entries(errs)) assert.ok(d <= 1e-5, `${k} differs by ${d}`);
  });
});
