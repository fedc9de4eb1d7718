// Device selection: cpu always works; webgpu is bundled in onnxruntime-node (it needs a GPU adapter, i.e.
// Vulkan on Linux); cuda needs the CUDA provider that onnxruntime-node's installer downloads on request.
// Each device is probed once per process by creating a one-node session on it, so "available" means "ORT
// could actually run something there", not "a library file exists".
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Graph } from '../onnx/graph';
import { webgpuAdapters, type Adapter } from './adapters';

export type DeviceName = 'cpu' | 'webgpu' | 'cuda';
export type DeviceRequest = DeviceName | 'auto';

export class DeviceError extends Error {}

export interface DeviceChoice {
  device: DeviceName;
  /** Why this device: "asked for", or for auto what was tried. */
  reason: string;
  /** The WebGPU adapter, when known (recorded in the run's settings). */
  adapter?: string;
}

// A tiny valid ONNX model (y = Identity(x), float [1]) so probing does not depend on the graph builder.
const PROBE_MODEL = Uint8Array.from(Buffer.from(
  'CAgSBnVucm9sbDpyCicKAXgSCmlkZW50aXR5XzAaCmlkZW50aXR5XzAiCElkZW50aXR5OgAKHgoKaWRlbnRpdHlfMBIBeRoBeSIISWRlbnRpdHk6ABIFcHJvYmVaDwoBeBIKCggIARIECgIIAWIPCgF5EgoKCAgBEgQKAggBQgQKABAN',
  'base64',
));

const probed = new Map<DeviceName, string | true>();

function ortBinDir(): string | undefined {
  try {
    const pkg = require.resolve('onnxruntime-node/package.json');
    return path.join(path.dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

function unavailableMessage(device: DeviceName, detail: string): string {
  const root = (() => {
    try {
      return path.dirname(path.dirname(path.dirname(require.resolve('onnxruntime-node/package.json'))));
    } catch {
      return 'the Unroll folder';
    }
  })();
  if (device === 'cuda') {
    return (
      `device cuda is not available: ${detail}. onnxruntime-node ships without its CUDA provider (the project's .npmrc skips the download). ` +
      `On a machine with an NVIDIA GPU, CUDA 12 and network access run \`ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node\` in ${root}, ` +
      `or choose device = cpu (or webgpu) in the train block or with --device.`
    );
  }
  if (device === 'webgpu') {
    return (
      `device webgpu is not available: ${detail}. WebGPU needs a GPU adapter (on Linux: a GPU with a Vulkan driver and libvulkan.so.1). ` +
      `Choose device = cpu in the train block or with --device cpu.`
    );
  }
  return `device ${device} is not available: ${detail}`;
}

/** Can ORT run a session on this device? Returns true, or the reason it cannot. Cached per process. */
export async function probeDevice(device: DeviceName): Promise<true | string> {
  const cached = probed.get(device);
  if (cached !== undefined) return cached;
  let result: true | string = true;
  if (device === 'cuda') {
    const dir = ortBinDir();
    if (!dir || !fs.existsSync(path.join(dir, 'libonnxruntime_providers_cuda.so'))) {
      result = `onnxruntime-node's CUDA provider (libonnxruntime_providers_cuda.so) is not installed${dir ? ` in ${dir}` : ''}`;
    }
  }
  if (result === true && device === 'webgpu' && process.platform === 'linux' && !findVulkan()) {
    // Checked first because Dawn prints a warning of its own when it cannot load Vulkan.
    result = 'no Vulkan loader (libvulkan.so.1) on this machine';
  }
  if (result === true) {
    try {
      const s = await ort.InferenceSession.create(PROBE_MODEL, { executionProviders: [device], logSeverityLevel: 4 });
      const out = await s.run({ x: new ort.Tensor('float32', new Float32Array([1]), [1]) });
      if ((out.y.data as Float32Array)[0] !== 1) result = 'a test session returned a wrong value';
      await s.release();
    } catch (e) {
      result = firstLine((e as Error).message);
    }
  }
  probed.set(device, result);
  return result;
}

function findVulkan(): boolean {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib', '/lib/x86_64-linux-gnu', '/lib64',
  ];
  return dirs.some((d) => fs.existsSync(path.join(d, 'libvulkan.so.1')));
}

function firstLine(m: string): string {
  const l = m.split('\n')[0].trim();
  // ORT prefixes its messages with the source location; the tail is the part a person can act on.
  const i = l.lastIndexOf(' was false. ');
  return i >= 0 ? l.slice(i + ' was false. '.length) : l.replace(/^\S+\.cc:\d+\s+/, '');
}

/**
 * Resolve a device request. An explicit device that cannot run throws DeviceError with the fix; `auto`
 * takes cuda, then webgpu, then cpu, whichever runs first.
 */
export async function selectDevice(req: DeviceRequest | string | undefined): Promise<DeviceChoice> {
  const want = (req ?? 'auto') as string;
  if (want === 'cpu') return { device: 'cpu', reason: 'asked for' };
  if (want === 'cuda' || want === 'webgpu') {
    const ok = await probeDevice(want);
    if (ok !== true) throw new DeviceError(unavailableMessage(want, ok));
    const adapter = want === 'webgpu' ? describeAdapters(webgpuAdapters()) : undefined;
    return { device: want, reason: 'asked for', adapter };
  }
  if (want !== 'auto') throw new DeviceError(`unknown device "${want}": use auto, cpu, webgpu or cuda`);
  const tried: string[] = [];
  const cuda = await probeDevice('cuda');
  if (cuda === true) return { device: 'cuda', reason: 'auto: cuda is available' };
  tried.push(`cuda: ${cuda}`);
  const webgpu = await webgpuForAuto();
  if (webgpu.use) return { device: 'webgpu', reason: `auto: ${webgpu.why}`, adapter: webgpu.adapter };
  tried.push(`webgpu: ${webgpu.why}`);
  return { device: 'cpu', reason: `auto: ${tried.join('; ')}` };
}

function describeAdapters(list: Adapter[]): string | undefined {
  return list.length ? list.map((a) => `${a.name}${a.software ? ' (software)' : ''}`).join(', ') : undefined;
}

/**
 * WebGPU for `auto`: only on a hardware adapter. A software renderer (Mesa's llvmpipe) is correct but far
 * slower than the CPU provider, so it is passed over; when the adapter's kind cannot be read, a short timing
 * probe decides.
 */
async function webgpuForAuto(): Promise<{ use: boolean; why: string; adapter?: string }> {
  const ok = await probeDevice('webgpu');
  if (ok !== true) return { use: false, why: ok };
  const adapters = webgpuAdapters();
  const hardware = adapters.filter((a) => !a.software);
  if (hardware.length) return { use: true, why: `webgpu on ${hardware[0].name}`, adapter: describeAdapters(hardware) };
  if (adapters.length) return { use: false, why: `only a software adapter (${describeAdapters(adapters)}), slower than the CPU` };
  const t = await timingProbe();
  return t.webgpu < t.cpu
    ? { use: true, why: `webgpu (adapter unknown; a timing probe took ${t.webgpu.toFixed(1)} ms against ${t.cpu.toFixed(1)} ms on the CPU)` }
    : { use: false, why: `the adapter is unknown and a timing probe was slower than the CPU (${t.webgpu.toFixed(1)} ms against ${t.cpu.toFixed(1)} ms)` };
}

/** A few 256x256 matrix products on each provider: milliseconds per run, the best of five. */
async function timingProbe(): Promise<{ cpu: number; webgpu: number }> {
  const g = new Graph('probe');
  let v = g.input('x', 'float32', [256, 256]);
  const w = g.initializer('w', { dtype: 'float32', dims: [256, 256], data: new Float32Array(256 * 256).fill(0.001) });
  for (let i = 0; i < 8; i++) v = g.op1('Tanh', [g.op1('MatMul', [v, w])]);
  g.output(g.alias(v, 'y'));
  const bytes = g.toBytes();
  const x = new ort.Tensor('float32', new Float32Array(256 * 256).fill(1), [256, 256]);
  const time = async (ep: 'cpu' | 'webgpu') => {
    const s = await ort.InferenceSession.create(bytes, { executionProviders: [ep], logSeverityLevel: 4 });
    await s.run({ x });
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await s.run({ x });
      best = Math.min(best, performance.now() - t0);
    }
    await s.release();
    return best;
  };
  return { cpu: await time('cpu'), webgpu: await time('webgpu') };
}

/** ORT session options for a device and thread count. */
export function sessionOptions(device: DeviceName, threads?: number): ort.InferenceSession.SessionOptions {
  const opts: ort.InferenceSession.SessionOptions = {
    executionProviders: [device],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    logSeverityLevel: 3,
  };
  if (threads && threads > 0) {
    opts.intraOpNumThreads = threads;
    opts.interOpNumThreads = 1;
  }
  return opts;
}
