// Parameter initialisation from a seeded PRNG, so the same seed gives the same starting weights on every
// machine. Each parameter draws from its own stream (seed mixed with its name), so adding a layer does not
// change the starting weights of the others.
import type { ParamSpec } from './types';

/** splitmix32-seeded xoshiro128**: small, fast, and well-distributed. */
export class Rng {
  private s = new Uint32Array(4);
  private spare: number | undefined;
  constructor(seed: number, stream = '') {
    let h = (seed >>> 0) ^ 0x9e3779b9;
    for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193) >>> 0;
    for (let i = 0; i < 4; i++) {
      h = (h + 0x9e3779b9) >>> 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (!(this.s[0] | this.s[1] | this.s[2] | this.s[3])) this.s[0] = 1;
  }
  nextU32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Standard normal (Box-Muller, caching the second value). */
  normal(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** fan_in / fan_out as PyTorch computes them for a [out, in, ...] weight. */
export function fans(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/**
 * Initial values for one parameter.
 * - xavier: uniform(-b, b) with b = sqrt(magnitude / ((fan_in + fan_out) / 2)), magnitude = `scale` (default
 *   3, which is Glorot/PyTorch `xavier_uniform_`; MXNet's PTB example uses 2.34).
 * - uniform: uniform(-scale, scale) (default 0.07, Gluon's default); normal: N(0, scale^2) (default 0.01).
 * - lstm_forget_bias: zeros except the forget gate's quarter (PyTorch gate order i, f, g, o) set to `scale`
 *   (default 1).
 */
export function initParam(spec: ParamSpec, seed: number): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const rng = new Rng(seed, spec.name);
  const { kind, scale } = spec.init;
  switch (kind) {
    case 'zeros':
      break;
    case 'ones':
      out.fill(1);
      break;
    case 'xavier': {
      const { fanIn, fanOut } = fans(spec.shape);
      const b = Math.sqrt((scale ?? 3) / ((fanIn + fanOut) / 2));
      for (let i = 0; i < n; i++) out[i] = rng.uniform(-b, b);
      break;
    }
    case 'uniform': {
      const b = scale ?? 0.07;
      for (let i = 0; i < n; i++) out[i] = rng.uniform(-b, b);
      break;
    }
    case 'normal': {
      const sd = scale ?? 0.01;
      for (let i = 0; i < n; i++) out[i] = sd * rng.normal();
      break;
    }
    case 'lstm_forget_bias': {
      const q = Math.floor(n / 4);
      out.fill(scale ?? 1, q, 2 * q);
      break;
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown init kind ${String(never)} for parameter ${spec.name}`);
    }
  }
  return out;
}

export function initParams(specs: ParamSpec[], seed: number): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const s of specs) out[s.name] = initParam(s, seed);
  return out;
}
