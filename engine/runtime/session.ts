// ONNX Runtime sessions, created lazily and cached per graph kind and shape signature: a bucketed text
// corpus needs one training session per bucket length, and creating one costs ~20-50 us per node.
import * as ort from 'onnxruntime-node';
import { sessionOptions, type DeviceName } from './device';
import type { DType, GraphIO, HostTensor } from './types';

export interface CachedSession { session: ort.InferenceSession; io: GraphIO; key: string; createMs: number }

export function shapeKey(dims: Record<string, number>): string {
  return Object.keys(dims).sort().map((k) => `${k}=${dims[k]}`).join(',');
}

export class SessionCache {
  private readonly sessions = new Map<string, Promise<CachedSession>>();
  constructor(
    readonly device: DeviceName,
    readonly threads: number | undefined,
    /** Outputs that stay on the device between runs (WebGPU only): weights and optimizer state. */
    private readonly keepOnDevice: (output: string) => boolean = () => false,
  ) {}

  get(kind: string, dims: Record<string, number>, build: () => { bytes: Uint8Array; io: GraphIO }): Promise<CachedSession> {
    const key = `${kind}|${shapeKey(dims)}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = this.create(key, build);
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key)); // a failed build can be retried
    }
    return s;
  }

  private async create(key: string, build: () => { bytes: Uint8Array; io: GraphIO }): Promise<CachedSession> {
    const t0 = performance.now();
    const { bytes, io } = build();
    const opts = sessionOptions(this.device, this.threads);
    if (this.device === 'webgpu') {
      const loc: Record<string, 'cpu' | 'gpu-buffer'> = {};
      for (const o of io.outputs) loc[o] = this.keepOnDevice(o) ? 'gpu-buffer' : 'cpu';
      opts.preferredOutputLocation = loc;
    }
    const session = await ort.InferenceSession.create(bytes, opts);
    return { session, io, key, createMs: performance.now() - t0 };
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Sessions created so far and the milliseconds their graphs took to build and compile. */
  async compiled(): Promise<{ count: number; ms: number }> {
    const all = await Promise.allSettled([...this.sessions.values()]);
    const ok = all.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    return { count: ok.length, ms: ok.reduce((a, s) => a + s.createMs, 0) };
  }

  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const p of all) {
      try {
        await (await p).session.release();
      } catch {
        /* already failed or released */
      }
    }
  }
}

/** A host tensor as the dtype the graph input declares (data loaders give int32 ids; Gather may want int64). */
export function toOrt(t: HostTensor, dtype: DType, name: string): ort.Tensor {
  if (dtype === t.dtype) return new ort.Tensor(t.dtype, t.data, t.dims);
  if (dtype === 'int64') return new ort.Tensor('int64', BigInt64Array.from(t.data as Int32Array, (v) => BigInt(Math.trunc(v))), t.dims);
  if (dtype === 'float32') return new ort.Tensor('float32', Float32Array.from(t.data), t.dims);
  if (dtype === 'int32') return new ort.Tensor('int32', Int32Array.from(t.data, (v) => Math.trunc(v)), t.dims);
  throw new Error(`graph input ${name} wants ${dtype}, the data gives ${t.dtype}`);
}

export function scalar(v: number): ort.Tensor {
  return new ort.Tensor('float32', Float32Array.of(v), []);
}
