// Bad input, through the bundled CLI and engine process as a user meets them: each case gets a clear message
// (file, line where there is one, the fix), a non-zero exit, and never a stack trace or a crash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { arithmeticExperiment, buildEngine, tinyExperiment } from './runtime-fixtures';
import { escapeControls } from '../../engine/cli/sample';
import { checkMemory } from '../../engine/runtime/prepare';
import { analyze } from '../../language/index';

let dist: string;
let work: string;
const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'unroll.js');
let cases = 0;
before(async () => {
  dist = await buildEngine();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-bad-'));
});
after(() => {
  console.log(`# ${cases} bad-input cases tried`);
  fs.rmSync(work, { recursive: true, force: true });
});

function unroll(args: string[], cwd = work) {
  cases++;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  assert.ok(!/\n\s+at .+:\d+:\d+\)?\n/.test(r.stderr), `no stack trace for ${args.join(' ')}:\n${r.stderr}`);
  return r;
}

const TINY_MODEL = `model {
  input x: int[batch, time] < vocab
  input y: int[batch, time] < vocab
  e = embedding(x, vocab, 4)
  h, _ = lstm(e, 4)
  logits = dense(h, vocab)
}
train { loss = cross_entropy(logits, y), epochs = 1 }
`;

function project(name: string, dataPath: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'data', 't.txt'), 'the cat sat on the mat\nthe dog ran\n'.repeat(5));
  fs.writeFileSync(path.join(dir, 'sub', 'a.rnn'), `experiment a\ndata text "${dataPath}" { tokens = words, seq_len = 3, batch = 2 }\n${TINY_MODEL}`);
  return dir;
}

test('the workspace rule: check and train agree on ../data, a symlink out of the workspace is refused, --root never widens it, runs go to the project above', () => {
  const dir = project('ws', '../data/t.txt');
  const c1 = unroll(['check', 'sub/a.rnn'], dir);
  const t1 = unroll(['train', 'sub/a.rnn', '--root', work], dir); // a --root above the data does not widen the workspace
  assert.equal(c1.status, 1);
  assert.match(c1.stdout, /sub\/a\.rnn:2:11: error\[missing-file\]: data path \.\.\/data\/t\.txt leaves the workspace/);
  assert.match(c1.stdout, /mkdir .*ws\/\.unroll/, 'the fix says how to widen it');
  assert.equal(t1.status, 1, 'train agrees with check, whatever --root says');
  assert.match(t1.stderr, /leaves the workspace/);
  fs.mkdirSync(path.join(dir, '.unroll'));
  assert.equal(unroll(['check', 'sub/a.rnn'], dir).status, 0, 'with .unroll/ above, the project folder is the workspace');
  assert.equal(unroll(['train', 'sub/a.rnn', '--steps', '1'], dir).status, 0);
  // Trained from the subfolder, the run still goes to the project's .unroll (no second workspace appears).
  const fromSub = unroll(['train', 'a.rnn', '--steps', '1'], path.join(dir, 'sub'));
  assert.equal(fromSub.status, 0, fromSub.stderr);
  assert.ok(fromSub.stdout.trim().startsWith(path.join(dir, '.unroll', 'runs')), fromSub.stdout);
  assert.ok(!fs.existsSync(path.join(dir, 'sub', '.unroll')));
  assert.equal(unroll(['check', 'a.rnn'], path.join(dir, 'sub')).status, 0);
  assert.equal(unroll(['predict', 'a', 'the cat'], path.join(dir, 'sub')).status, 0, 'by name from the subfolder, the project\'s runs are found');
  const slash = unroll(['train', 'sub/a.rnn', '--root', '/'], dir);
  assert.equal(slash.status, 2);
  assert.match(slash.stderr, /would keep runs in the file system's root/);

  const link = project('link', 'pw.txt');
  fs.symlinkSync('/etc/hostname', path.join(link, 'sub', 'pw.txt'));
  const c2 = unroll(['check', 'sub/a.rnn'], link);
  assert.equal(c2.status, 1);
  assert.match(c2.stdout, /leaves the workspace .* \(it is a link to \/etc\/hostname\)/);
  const t2 = unroll(['train', 'sub/a.rnn'], link);
  assert.equal(t2.status, 1);
  assert.match(t2.stderr, /it is a link to \/etc\/hostname/);
});

test('sizes that cannot run are refused by check; a step that will not fit in memory is refused before training', () => {
  const base = fs.readFileSync(path.join(ROOT, 'examples', 'char_lm.rnn'), 'utf8');
  fs.mkdirSync(path.join(work, 'sizes', 'data'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'examples', 'data', 'tiny.txt'), path.join(work, 'sizes', 'data', 'brown.txt'));
  fs.writeFileSync(path.join(work, 'sizes', 'big.rnn'), base.replace('hidden = 256', 'hidden = 100000'));
  fs.writeFileSync(path.join(work, 'sizes', 'digits.rnn'), base.replace('hidden = 256', `hidden = ${'9'.repeat(100_000)}`));
  const big = unroll(['check', 'sizes/big.rnn']);
  assert.equal(big.status, 1);
  assert.match(big.stdout, /error\[bad-argument\]: the model has [\d,]+ parameters \([\d.]+ GB of float32 weights.*Unroll trains at most 500,000,000/);
  assert.match(big.stdout, /fix: make h(, _)? \([\d,]+ parameters\) smaller/);
  const digits = unroll(['check', 'sizes/digits.rnn']);
  assert.equal(digits.status, 1);
  assert.match(digits.stdout, /hidden = a 100000-digit number is past the largest size Unroll accepts \(16,777,216\)/);
  assert.ok(digits.stdout.length < 5000, 'the 100,000 digits are not printed back');
  assert.equal(unroll(['train', 'sizes/big.rnn']).status, 1);
  // The memory estimate, with a machine of 64 MB.
  const a = analyze(base.replace('data text "data/brown.txt" { tokens = chars, seq_len = 100, batch = 32, valid = 0.1, shuffle = false }', 'data arithmetic { batch = 512 }').replace(/input x.*\n.*input y.*\n/, 'input x: int[batch, src] < vocab\n  input y: int[batch, tgt] < vocab\n'), { uri: 'file:///m.rnn' });
  assert.ok(a.totalParams !== undefined, `the memory case is sized (${a.diagnostics.map((d) => d.message).join('; ')})`);
  assert.throws(() => checkMemory(a, '/m.rnn', 1e6), /a training step needs about [\d.]+ [MG]B \(weights .*\); this machine has 1 MB\. Lower batch/);
  assert.doesNotThrow(() => checkMemory(a, '/m.rnn', 64e9));
});

test('binary data is refused with the byte offset; a few non-UTF-8 bytes are a warning with theirs', () => {
  const dir = project('bin', 'x.txt');
  const bytes = Buffer.alloc(4096);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
  fs.writeFileSync(path.join(dir, 'sub', 'x.txt'), bytes);
  const c = unroll(['check', 'sub/a.rnn'], dir);
  assert.equal(c.status, 1);
  assert.match(c.stdout, /x\.txt: is not a text file: byte 0 is a NUL \(0x00\)/);
  const t = unroll(['train', 'sub/a.rnn'], dir);
  assert.equal(t.status, 1);
  assert.match(t.stderr, /is not a text file/);
  fs.writeFileSync(path.join(dir, 'sub', 'x.txt'), Buffer.concat([Buffer.from('the caf'), Buffer.from([0xe9]), Buffer.from(' sat on the mat\nthe dog ran\n'.repeat(4))]));
  const w = unroll(['check', 'sub/a.rnn'], dir);
  assert.equal(w.status, 0);
  assert.match(w.stdout, /warning\[data-mismatch\]: x\.txt: 1 byte sequence is not valid UTF-8 \(the first at byte 7\)/);
});

test('train refuses --epochs 0, --steps 0 and a missing file; export refuses to overwrite and a missing folder', () => {
  tinyExperiment(work, 'cli', { epochs: 1 });
  for (const args of [['--epochs', '0'], ['--steps', '0']]) {
    const r = unroll(['train', 'cli.rnn', ...args]);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, new RegExp(`${args[0]} must be at least 1`));
  }
  const missing = unroll(['train', 'nosuch.rnn']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nosuch\.rnn: no such file/);
  assert.match(unroll(['train', '--resume', 'nosuch']).stderr, /no run "nosuch"/);
  assert.equal(unroll(['train', 'cli.rnn', '--steps', '2']).status, 0);
  assert.equal(unroll(['export', 'tiny_cli', 'm.onnx']).status, 0);
  const again = unroll(['export', 'tiny_cli', 'm.onnx']);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /m\.onnx already exists; pass --force to replace it/);
  assert.equal(unroll(['export', 'tiny_cli', 'm.onnx', '--force']).status, 0);
  fs.writeFileSync(path.join(work, 'n.onnx.json'), '{}');
  assert.match(unroll(['export', 'tiny_cli', 'n.onnx']).stderr, /n\.onnx\.json already exists; pass --force/, 'the description beside the model is not overwritten either');
  // A resume whose step limit is already reached takes no step.
  const past = unroll(['train', '--resume', 'tiny_cli', '--steps', '1']);
  assert.equal(past.status, 0, past.stderr);
  assert.match(past.stderr, /reached the step limit at step 2 /);
  assert.match(unroll(['export', 'tiny_cli', 'nodir/m.onnx']).stderr, /the folder .*nodir does not exist/);
  assert.match(unroll(['export', 'tiny_cli', '.']).stderr, /is a folder; give a file name/);
});

test('sample refuses a negative temperature; control characters are escaped for a terminal', () => {
  const r = unroll(['sample', 'tiny_cli', '--temperature', '-1']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--temperature must be 0 or more/);
  assert.equal(escapeControls('a\x1b[2Jb\x07\tc\nd\x9b'), 'a\\x1b[2Jb\\x07\tc\nd\\x9b');
  cases++;
});

test('a 300-character experiment name trains into a folder name the file system takes', () => {
  const name = `x${'y'.repeat(299)}`;
  const file = tinyExperiment(work, 'longname', { epochs: 1 });
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('experiment tiny_longname', `experiment ${name}`));
  const r = unroll(['train', 'longname.rnn', '--steps', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(path.basename(path.dirname(r.stdout.trim())).length <= 80);
  assert.equal(unroll(['predict', name, 'The ']).status, 0, 'the run is found by its long name');
});

test('check prints at most 50 diagnostics a file and 100 characters of a line, however large the file', () => {
  const lines = ['experiment big', 'model {', '  input x: int[batch, time] < 10'];
  for (let i = 0; i < 20000; i++) lines.push(`  h${i} = lstm(nope${i}, 8)`);
  fs.writeFileSync(path.join(work, 'big.rnn'), lines.join('\n') + '\n}\n');
  const r = unroll(['check', 'big.rnn']);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /19951 more diagnostics not shown/);
  assert.match(r.stdout, /1 file checked: 20000 errors/);
  assert.ok((r.stdout.match(/error\[/g) ?? []).length <= 50);
  fs.writeFileSync(path.join(work, 'one.rnn'), `experiment one\nmodel { input x: float[batch, time, 4] ${Array.from({ length: 50000 }, (_, i) => `a${i} = relu(z${i})`).join(' ')} }\n`);
  const one = unroll(['check', 'one.rnn']);
  assert.ok(one.stdout.length < 20_000, `one line of 1 MB prints ${one.stdout.length} characters`);
  assert.ok(one.stdout.split('\n').every((l) => l.length < 400));
});

test('predict: numbers that are not numbers, a missing input file, and a changed data file on resume', () => {
  const r = unroll(['predict', 'tiny_cli', 'nosuch.csv']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /nosuch\.csv: no such file/);
  // resume after the data changed with the same words (rows added): refused, saying what changed
  const file = tinyExperiment(work, 'changed', { epochs: 1 });
  assert.equal(unroll(['train', file, '--steps', '1']).status, 0);
  fs.appendFileSync(path.join(work, 'tiny.txt'), 'The river runs past the old mill.\n');
  const res = unroll(['train', '--resume', 'tiny_changed']);
  assert.equal(res.status, 1);
  assert.match(res.stderr, /tiny\.txt changed since run .* started \(its contents changed \([\d,]+ -> [\d,]+ bytes\)\)/);
});

test('a diverging run warns in its progress and exits 1', () => {
  const file = arithmeticExperiment(work, 20, { name: 'diverge', oneThread: true });
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('adam(lr = 1e-2)', 'adam(lr = 1e6)'));
  const r = unroll(['train', file, '--steps', '80']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /warning: the loss is diverging: .* against .* at the start/);
});

test('the engine process answers garbage on stdio by exiting with a message (the client then starts a fresh one)', async () => {
  for (const bad of ['hello world\r\n\r\n', 'Content-Type: x\r\n\r\n{}', 'Content-Length: -5\r\n\r\n', 'Content-Length: 5\r\n\r\n{abc}']) {
    cases++;
    const c = spawn(process.execPath, [path.join(dist, 'engine.js'), '--stdio']);
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.stdin.write(bad);
    const code = await new Promise<number | null>((r) => c.once('exit', r));
    assert.equal(code, 2, JSON.stringify(bad));
    assert.match(err, /engine: the client sent something that is not a JSON-RPC message [\s\S]*exiting so it can start a fresh engine/);
  }
});
