// The WebGPU path, proved without a GPU: on Mesa's software Vulkan driver (llvmpipe; Debian bookworm-backports
// `mesa-vulkan-drivers`), onnxruntime-node's WebGPU provider runs the real kernels. For every example, at a
// small size: one training step on webgpu equals the CPU (loss, gradient norm, every updated weight and
// optimizer slot), the inference graph gives the same outputs, and no node falls back to the CPU provider
// (read from ORT's profile; any that does is listed by op). Run with `npm run test:webgpu`; skipped where WebGPU cannot run,
// unless UNROLL_REQUIRE_WEBGPU=1 (CI).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { probeDevice } from '../../engine/runtime/device';
import { analyzeFile, compile, loadData } from '../../engine/runtime/prepare';
import { randomFeeds } from '../../engine/runtime/random-feeds';
import { buildFeeds, initialState } from '../../engine/runtime/trainer';
import type { CachedSession } from '../../engine/runtime/session';
import type { Batch, GraphIO } from '../../engine/runtime/types';

const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLES = path.join(ROOT, 'examples');
let available: true | string = 'not probed';
let profiles: string;
const fallbacks = new Map<string, Map<string, number>>(); // example -> op -> CPU nodes

before(async () => {
  available = await probeDevice('webgpu');
  profiles = fs.mkdtempSync(path.join(os.tmpdir(), 'unroll-webgpu-'));
});
after(() => {
  for (const [name, ops] of fallbacks) {
    const list = [...ops].sort((a, b) => b[1] - a[1]).map(([op, n]) => `${op} x${n}`).join(', ');
    console.log(`# ${name}: nodes on the CPU provider: ${list || 'none'}`);
  }
  fs.rmSync(profiles, { recursive: true, force: true });
});

/** The example at a small size: small layers and batches, short sequences, few samples. */
function small(text: string): string {
  return text
    .replace(/\b(hidden|embed) = \d+/g, '$1 = 8')
    .replace(/\bbatch = \d+/g, 'batch = 2')
    .replace(/\bseq_len = \d+/g, 'seq_len = 6')
    .replace(/\bmax_len = \d+/g, 'max_len = 12')
    .replace(/\bsamples = \d+/g, 'samples = 64')
    .replace(/\blength = 55\b/, 'length = 10')
    .replace(/embedding\(x, vocab, 128\)/, 'embedding(x, vocab, 8)')
    .replace(/lstm\(e, 128\)/, 'lstm(e, 8)');
}

function skipReason(): string | false {
  if (available === true) return false;
  if (process.env.UNROLL_REQUIRE_WEBGPU === '1') assert.fail(`WebGPU is required (UNROLL_REQUIRE_WEBGPU=1) but cannot run: ${available}`);
  return `WebGPU cannot run here: ${available}`;
}

async function session(bytes: Uint8Array, device: 'cpu' | 'webgpu', tag: string): Promise<ort.InferenceSession> {
  const opts: ort.InferenceSession.SessionOptions = { executionProviders: [device], logSeverityLevel: 3, intraOpNumThreads: 1 };
  if (device === 'webgpu') { opts.enableProfiling = true; opts.profileFilePrefix = path.join(profiles, tag); }
  return ort.InferenceSession.create(bytes, opts);
}

/** Nodes ORT placed on the CPU provider, by op, from the profile files a session wrote on release. */
function cpuNodes(tag: string): Map<string, number> {
  const ops = new Map<string, number>();
  for (const f of fs.readdirSync(profiles).filter((n) => n.startsWith(tag))) {
    const seen = new Set<string>();
    for (const e of JSON.parse(fs.readFileSync(path.join(profiles, f), 'utf8')) as { cat?: string; name?: string; args?: { op_name?: string; provider?: string } }[]) {
      if (e.cat !== 'Node' || e.args?.provider !== 'CPUExecutionProvider' || !e.name || seen.has(e.name)) continue;
      seen.add(e.name);
      ops.set(e.args.op_name ?? '?', (ops.get(e.args.op_name ?? '?') ?? 0) + 1);
    }
  }
  return ops;
}

function assertClose(got: ort.Tensor, want: ort.Tensor, what: string): void {
  assert.deepEqual(got.dims, want.dims, `${what}: dims`);
  const g = got.data as Float32Array, w = want.data as Float32Array;
  let scale = 0, worst = 0;
  for (let i = 0; i < w.length; i++) { scale = Math.max(scale, Math.abs(w[i])); worst = Math.max(worst, Math.abs(g[i] - w[i])); }
  assert.ok(worst <= 1e-4 * scale + 1e-6, `${what}: max |webgpu - cpu| = ${worst} (largest value ${scale})`);
}

async function bothDevices(bytes: Uint8Array, io: GraphIO, feeds: Record<string, ort.Tensor>, tag: string): Promise<[Record<string, ort.Tensor>, Record<string, ort.Tensor>]> {
  const cpu = await session(bytes, 'cpu', `${tag}-cpu`);
  const gpu = await session(bytes, 'webgpu', tag);
  try {
    return [await cpu.run(feeds, io.outputs), await gpu.run(feeds, io.outputs)];
  } finally {
    await cpu.release();
    await gpu.release();
  }
}

for (const name of ['arithmetic', 'char_lm', 'ptb_lm', 'sentiment', 'imdb_keras', 'sine', 'adding']) {
  test(`${name}: a training step, the inference graph and a sampling step on webgpu equal the CPU`, { timeout: 600_000, skip: undefined }, async (t) => {
    const skip = skipReason();
    if (skip) { t.skip(skip); return; }
    const file = path.join(EXAMPLES, `${name}.rnn`);
    const analysis = await analyzeFile(file, small(fs.readFileSync(file, 'utf8')));
    const dataset = await loadData(analysis, file);
    const model = compile(analysis, dataset.dims, file);
    const batch = dataset.trainBatches(1)[Symbol.iterator]().next().value as Batch;
    const state = initialState(model, 7);

    const step = model.trainStep(batch.dims);
    const feeds = { ...buildFeeds({ io: step.io } as CachedSession, batch, (n) => state.get(n), { lr: 0.01, step: 1 }), ...randomFeeds(step.io, 7, 1) };
    const [cpu, gpu] = await bothDevices(step.bytes, step.io, feeds, `${name}-train`);
    assertClose(gpu.loss, cpu.loss, `${name} loss`);
    if (cpu.grad_norm) assertClose(gpu.grad_norm, cpu.grad_norm, `${name} gradient norm`);
    const updated = step.io.outputs.filter((o) => o.endsWith(':next'));
    assert.ok(updated.length >= model.params.length, 'every weight is updated');
    for (const o of updated) assertClose(gpu[o], cpu[o], `${name} ${o}`);

    const fwd = model.forward(batch.dims);
    const ffeeds = buildFeeds({ io: fwd.io } as CachedSession, batch, (n) => state.get(n), {});
    const [fc, fg] = await bothDevices(fwd.bytes, fwd.io, ffeeds, `${name}-infer`);
    for (const o of fwd.io.outputs) if (fc[o].type === 'float32') assertClose(fg[o], fc[o], `${name} inference ${o}`);

    if (analysis.data?.source === 'text') {
      // sample's graph: one token, the recurrent state in and out (what sample and predict step through)
      const dims = { ...batch.dims, batch: 1, time: 1 };
      const one = model.forward(dims, { stateInputs: true });
      const sfeeds: Record<string, ort.Tensor> = {
        x: new ort.Tensor('int32', Int32Array.of(1), [1, 1]), mask: new ort.Tensor('float32', Float32Array.of(1), [1, 1]),
        y: new ort.Tensor('int32', Int32Array.of(0), [1, 1]),
      };
      for (const i of one.io.inputs) {
        if (i.name.startsWith('param/')) sfeeds[i.name] = state.get(i.name)!;
        else if (i.name.startsWith('state/')) sfeeds[i.name] = new ort.Tensor('float32', Float32Array.from({ length: i.shape.reduce((a, b) => a * b, 1) }, (_, k) => Math.sin(k) * 0.5), i.shape);
      }
      for (const k of Object.keys(sfeeds)) if (!one.io.inputs.some((i) => i.name === k)) delete sfeeds[k];
      const [sc, sg] = await bothDevices(one.bytes, one.io, sfeeds, `${name}-sample`);
      for (const o of one.io.outputs) if (sc[o].type === 'float32') assertClose(sg[o], sc[o], `${name} sampling step ${o}`);
    }

    const ops = cpuNodes(`${name}-train`);
    for (const tag of ['infer', 'sample']) for (const [op, n] of cpuNodes(`${name}-${tag}`)) ops.set(op, (ops.get(op) ?? 0) + n);
    fallbacks.set(name, ops);
    // A node on the CPU costs two bus crossings a step on a real GPU: none is left (list them if one comes back).
    assert.deepEqual([...ops], [], `${name}: nodes placed on the CPU provider under webgpu`);
  });
}

test('device = auto passes over a software WebGPU adapter (llvmpipe), saying why, and unroll devices lists it', async (t) => {
  const skip = skipReason();
  if (skip) { t.skip(skip); return; }
  const { selectDevice } = await import('../../engine/runtime/device');
  const { webgpuAdapters } = await import('../../engine/runtime/adapters');
  const adapters = webgpuAdapters();
  if (!adapters.length || adapters.some((a) => !a.software)) { t.skip(`this machine's adapters are not all software: ${JSON.stringify(adapters)}`); return; }
  const auto = await selectDevice('auto');
  assert.equal(auto.device, 'cpu');
  assert.match(auto.reason, /webgpu: only a software adapter \(llvmpipe/);
  const asked = await selectDevice('webgpu');
  assert.equal(asked.device, 'webgpu', 'asked for, it still runs there');
  assert.match(asked.adapter ?? '', /llvmpipe.*\(software\)/, 'and the run records the adapter');
});
