// Training-step speed of the engine for the char_lm, ptb_lm and imdb configurations of workloads.md
// (embedding -> LSTM x 2 -> dense, Adam, clip 5), random ids, CPU at 1 and 2 threads. Prints ms/step
// (median of the timed steps, after warm-up) and tokens/s; never asserts on time.
// Usage: node --import tsx bench/train.bench.ts [char_lm|ptb_lm|imdb ...] [--steps N] [--threads 1,2] [--device cpu|webgpu|cuda]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyze } from '../language/index';
import { compileExperiment } from '../engine/compile/index';
import { train } from '../engine/runtime/trainer';
import { Rng } from '../engine/runtime/init';
import type { Batch, DatasetLike } from '../engine/runtime/types';
import type { DeviceName } from '../engine/runtime/device';
import type { GraphIO } from '../engine/runtime/types';
import protobuf from 'protobufjs';
import { ONNX_PROTO } from '../engine/onnx/onnxProto';

interface Config { name: string; vocab: number; embed: number; hidden: number; batch: number; time: number; steps: number; torch2: number }

// torch2: PyTorch CPU 2 threads ms/step from workloads.md, for comparison.
const CONFIGS: Config[] = [
  { name: 'char_lm', vocab: 86, embed: 30, hidden: 256, batch: 32, time: 100, steps: 6, torch2: 130 },
  { name: 'ptb_lm', vocab: 10000, embed: 256, hidden: 256, batch: 50, time: 40, steps: 6, torch2: 384 },
  { name: 'imdb', vocab: 20000, embed: 400, hidden: 256, batch: 50, time: 200, steps: 3, torch2: 3005 },
];

function experiment(c: Config, corpus: string): string {
  return `experiment bench_${c.name}
dims { embed = ${c.embed}, hidden = ${c.hidden} }
data text "${corpus}" { tokens = chars, seq_len = ${c.time}, batch = ${c.batch}, valid = 0 }
model {
  input x: int[batch, time] < vocab
  input y: int[batch, time] < vocab
  e = embedding(x, vocab, embed)
  h, _ = lstm(e, hidden, layers = 2)
  logits = dense(h, vocab)
}
train {
  loss = cross_entropy(logits, y)
  optimizer = adam(lr = 1e-3)
  clip = 5
  init = xavier
}
`;
}

function randomData(c: Config, steps: number): DatasetLike {
  const rng = new Rng(1);
  const ids = () => Int32Array.from({ length: c.batch * c.time }, () => Math.floor(rng.next() * c.vocab));
  const batch = (): Batch => ({
    tensors: { x: { dtype: 'int32', dims: [c.batch, c.time], data: ids() }, y: { dtype: 'int32', dims: [c.batch, c.time], data: ids() } },
    dims: { batch: c.batch, time: c.time }, tokens: c.batch * c.time,
  });
  return {
    dims: { vocab: c.vocab, batch: c.batch, time: c.time },
    trainSize: steps, validSize: 0,
    *trainBatches() { for (let i = 0; i < steps; i++) yield batch(); },
    *validBatches() {},
    encode: () => [], decode: () => '', save: () => null,
  };
}

/**
 * The step graph's node count (per-node cost decides GPU speed) and the bytes that cross between host and
 * device per step when weights, optimizer state and carried state stay on the device: the batch, the dropout
 * randoms and the scalars in; the loss and the figures out.
 */
function stepShape(g: { bytes: Uint8Array; io: GraphIO }): string {
  const T = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  const m = T.decode(g.bytes) as unknown as { graph: { node: unknown[] } };
  const resident = (n: string) => n.startsWith('param/') || n.startsWith('opt/') || n.startsWith('state/');
  const size = (shape: number[]) => 4 * shape.reduce((a, b) => a * Math.max(1, b), 1);
  const inBytes = g.io.inputs.filter((i) => !resident(i.name)).reduce((a, i) => a + size(i.shape), 0);
  const outBytes = g.io.outputs.filter((o) => !o.endsWith(':next')).length * 4;
  return `${m.graph.node.length.toLocaleString('en-US')} nodes; ${((inBytes + outBytes) / 1024).toFixed(1)} KB host<->device a step`;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function bench(c: Config, threads: number, steps: number, dir: string, device: DeviceName): Promise<void> {
  const corpus = path.join(dir, 'corpus.txt');
  fs.writeFileSync(corpus, 'abcdefghij klmnop\n'.repeat(50));
  const file = path.join(dir, `${c.name}.rnn`);
  const a = analyze(experiment(c, corpus), { uri: pathToFileURL(file).href, path: file });
  const t0 = performance.now();
  const model = compileExperiment(a, { vocab: c.vocab, batch: c.batch, time: c.time });
  let built = 0;
  let shape = '';
  const timed = { ...model, trainStep: (d: Record<string, number>) => { const s = performance.now(); const r = model.trainStep(d); built += performance.now() - s; shape = stepShape(r); return r; } };
  const ms: number[] = [];
  const runDir = fs.mkdtempSync(path.join(dir, 'run-'));
  await train({
    runId: 'bench', runDir, model: timed, dataset: randomData(c, steps + 1), device, threads, seed: 1, epochs: 1,
    optimizer: { name: 'adam', params: { lr: 1e-3 } }, lossFn: 'cross_entropy', metrics: [], shouldStop: () => false,
    events: { metrics: (m) => { if (m.kind === 'step') ms.push(m.ms); }, checkpoint: () => {}, log: () => {} },
  });
  const first = performance.now() - t0;
  const steady = ms.slice(1); // the first run pays ORT's lazy allocations
  const med = median(steady);
  const tokens = c.batch * c.time;
  console.log(
    `${c.name.padEnd(8)} ${device} threads ${threads}  ${med.toFixed(1).padStart(8)} ms/step  ${Math.round(tokens / (med / 1000)).toString().padStart(7)} tok/s` +
      `  (median of ${steady.length}; ${shape}; graph build ${(built / 1000).toFixed(1)}s; first step ${ms[0].toFixed(0)} ms; total ${(first / 1000).toFixed(1)}s; PyTorch CPU 2 threads ${c.torch2} ms)`,
  );
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const stepsArg = args.indexOf('--steps');
  const threadsArg = args.indexOf('--threads');
  const deviceArg = args.indexOf('--device');
  const valueAt = new Set([stepsArg, threadsArg, deviceArg].filter((i) => i >= 0).map((i) => i + 1));
  const names = args.filter((a, i) => !a.startsWith('--') && !valueAt.has(i));
  const device = (deviceArg >= 0 ? args[deviceArg + 1] : 'cpu') as DeviceName;
  const threads = threadsArg >= 0 ? args[threadsArg + 1].split(',').map(Number) : [1, 2];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-bench-'));
  console.log(`train step (forward + backward + clip + Adam), ${device}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}`);
  try {
    for (const c of CONFIGS) {
      if (names.length && !names.includes(c.name)) continue;
      const steps = stepsArg >= 0 ? Number(args[stepsArg + 1]) : c.steps;
      for (const t of threads) await bench(c, t, steps, dir, device);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
