// Finite-difference checking of the autodiff through onnxruntime (float32, central differences).
import * as ort from 'onnxruntime-node';
import { Graph } from '../../../engine/onnx/graph';
import { gradients } from '../../../engine/autodiff/index';

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Gen = 'normal' | 'pos' | 'away0' | 'distinct';
export interface FdInput { dims: number[]; gen?: Gen; grad?: boolean }
export interface FdCase {
  name: string;
  inputs: FdInput[];
  build: (g: Graph, xs: string[]) => string | string[];
}

function fill(n: number, gen: Gen, r: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    if (gen === 'pos') a[i] = 0.5 + 1.5 * u;
    else if (gen === 'away0') a[i] = (r() < 0.5 ? -1 : 1) * (0.3 + 0.7 * u);
    else a[i] = 2 * u - 1;
  }
  if (gen === 'distinct') {
    // a shuffled ramp: every value differs from the others by at least 0.1
    const idx = Array.from({ length: n }, (_, i) => i).sort(() => r() - 0.5);
    idx.forEach((k, i) => (a[k] = 0.1 * i - 0.05 * n));
  }
  return a;
}

export interface FdReport { checks: number; worst: number; nodes: number }

export interface CaseGraph { g: Graph; xs: string[]; grads: Record<string, string>; base: Float32Array[]; nodes: number }

/** The case's graph: loss = sum_k sum(y_k * U_k) (random U_k) with its gradients as outputs, and random inputs. */
export function buildCaseGraph(c: FdCase, r: () => number): CaseGraph {
  const g = new Graph(c.name);
  const xs = c.inputs.map((inp, i) => g.input(`x${i}`, 'float32', inp.dims));
  const built = c.build(g, xs);
  const ys = Array.isArray(built) ? built : [built];
  const terms = ys.map((y) => {
    const d = g.shapeOf(y);
    if (!d) throw new Error(`${c.name}: output ${y} has no static shape`);
    const n = d.reduce((a, b) => a * b, 1);
    const u = g.constFloat(Array.from({ length: n }, () => 2 * r() - 1), d);
    return g.op1('ReduceSum', [g.op1('Mul', [y, u])], { keepdims: 0 });
  });
  let loss = terms[0];
  for (const t of terms.slice(1)) loss = g.op1('Add', [loss, t]);
  const wrt = xs.filter((_, i) => c.inputs[i].grad !== false);
  const start = g.nodes.length;
  const grads = gradients(g, loss, wrt);
  // layers and later rules read shapes from the builder: every backward value must have a static shape
  for (const n of g.nodes.slice(start)) {
    for (const o of n.outputs) if (!g.shapeOf(o)) throw new Error(`${c.name}: backward ${n.type} output ${o} has no static shape`);
  }
  g.output(g.alias(loss, 'loss'));
  for (const w of wrt) g.output(grads[w]);
  const base = c.inputs.map((inp) => fill(inp.dims.reduce((a, b) => a * b, 1), inp.gen ?? 'normal', r));
  return { g, xs, grads, base, nodes: g.liveNodeCount() };
}

/**
 * Builds loss = sum_k sum(y_k * U_k) with random upstream U_k, differentiates it, and compares the gradient
 * against central differences along random directions and at single elements. Throws on a mismatch.
 */
export async function fdCheck(c: FdCase, seed = 1): Promise<FdReport> {
  const r = rng(seed);
  const { g, xs, grads, base, nodes } = buildCaseGraph(c, r);
  const session = await ort.InferenceSession.create(g.toBytes());
  try {
    const feeds = (vals: Float32Array[]) =>
      Object.fromEntries(xs.map((x, i) => [x, new ort.Tensor('float32', vals[i], c.inputs[i].dims)]));
    const res = await session.run(feeds(base));
    const L0 = (res.loss.data as Float32Array)[0];
    const lossAt = async (vals: Float32Array[]) => (((await session.run(feeds(vals))).loss.data as Float32Array)[0]);
    let checks = 0, worst = 0;
    for (let i = 0; i < xs.length; i++) {
      if (c.inputs[i].grad === false) continue;
      const an = res[grads[xs[i]]].data as Float32Array;
      if (an.length !== base[i].length) throw new Error(`${c.name}: gradient of input ${i} has ${an.length} values, input has ${base[i].length}`);
      const dirs: Float32Array[] = [];
      for (let k = 0; k < 3; k++) dirs.push(Float32Array.from(base[i], () => 2 * r() - 1));
      for (let k = 0; k < Math.min(4, an.length); k++) {
        const e = new Float32Array(an.length);
        e[Math.floor(r() * an.length)] = 1;
        dirs.push(e);
      }
      for (const v of dirs) {
        const h = 1e-2;
        const plus = base.map((b) => b.slice()), minus = base.map((b) => b.slice());
        for (let j = 0; j < v.length; j++) {
          plus[i][j] += h * v[j];
          minus[i][j] -= h * v[j];
        }
        const fd = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * h);
        let dot = 0;
        for (let j = 0; j < v.length; j++) dot += an[j] * v[j];
        const err = Math.abs(fd - dot);
        const tol = 3e-3 * (1 + Math.abs(L0)) + 2e-2 * Math.max(Math.abs(fd), Math.abs(dot));
        worst = Math.max(worst, err / tol);
        checks++;
        if (err > tol) throw new Error(`${c.name}: input ${i}: analytic ${dot} vs finite difference ${fd} (tolerance ${tol})`);
      }
    }
    return { checks, worst, nodes };
  } finally {
    await session.release();
  }
}
