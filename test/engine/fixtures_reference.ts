// Plain float64 reference math for the PyTorch fixtures, written from the conventions stated in
// test/fixtures/torch/README.md (gate order, GRU's reset after the hidden product, state layout, loss and
// optimizer formulas). fixtures.test.ts checks it reproduces PyTorch's numbers, which proves the README is
// right before engine code relies on it. Test-only: the engine itself does its arithmetic in ONNX Runtime.
import type { FixtureTensor, LayerFixture, TensorMap } from './fixtures';

export type Values = Record<string, Float64Array>;

export function values(m: TensorMap): Values {
  const out: Values = {};
  for (const [k, t] of Object.entries(m)) out[k] = Float64Array.from(t.data64);
  return out;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** y[n, o] = sum_i x[n, i] * w[o, i] + b[o] (torch.nn.Linear's [out, in] weight). */
function affine(x: Float64Array, rows: number, w: Float64Array, b: Float64Array | undefined, inF: number, outF: number): Float64Array {
  const y = new Float64Array(rows * outF);
  for (let n = 0; n < rows; n++) {
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < inF; i++) s += x[n * inF + i]! * w[o * inF + i]!;
      y[n * outF + o] = s;
    }
  }
  return y;
}

/** Forward pass of a layer fixture from its inputs and params (which a test may perturb). */
export function layerForward(fx: LayerFixture, inputs: Values, params: Values): Values {
  const c = fx.config;
  const num = (k: string): number => c[k] as number;
  if (fx.kind === 'embedding') {
    const E = num('size');
    const ids = inputs.x!;
    const out = new Float64Array(ids.length * E);
    ids.forEach((id, n) => out.set(params.weight!.subarray(id * E, id * E + E), n * E));
    return { out };
  }
  if (fx.kind === 'linear') {
    const inF = num('in_features');
    const outF = num('out_features');
    const x = inputs.x!;
    const y = affine(x, x.length / inF, params.weight!, params.bias!, inF, outF);
    const act = { none: (v: number) => v, tanh: Math.tanh, sigmoid, relu: (v: number) => Math.max(0, v) }[c.activation as string];
    if (!act) throw new Error(`unknown activation ${String(c.activation)}`);
    return { out: y.map(act) };
  }
  // layer_norm and attention are checked against their fixtures directly (norm.test.ts, attention.test.ts).
  if (fx.kind === 'layer_norm' || fx.kind === 'attention') throw new Error(`no float64 reference forward for ${fx.kind}`);
  return recurrentForward(fx.kind, num('batch'), num('time'), num('input_size'), num('hidden_size'), num('num_layers'),
    c.bidirectional === true, inputs, params);
}

function recurrentForward(cell: 'lstm' | 'gru' | 'rnn', B: number, T: number, I: number, H: number, L: number, bi: boolean,
  inputs: Values, params: Values): Values {
  const D = bi ? 2 : 1;
  const G = { lstm: 4, gru: 3, rnn: 1 }[cell];
  const hN = new Float64Array(L * D * B * H);
  const cN = new Float64Array(L * D * B * H);
  let layerIn = inputs.x!;
  let inF = I;
  for (let l = 0; l < L; l++) {
    const out = new Float64Array(B * T * D * H);
    for (let d = 0; d < D; d++) {
      const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
      const wih = params['weight_ih' + sfx]!;
      const whh = params['weight_hh' + sfx]!;
      const bih = params['bias_ih' + sfx]!;
      const bhh = params['bias_hh' + sfx]!;
      const s = l * D + d;
      const h = inputs.h0 ? inputs.h0.slice(s * B * H, (s + 1) * B * H) : new Float64Array(B * H);
      const cs = inputs.c0 ? inputs.c0.slice(s * B * H, (s + 1) * B * H) : new Float64Array(B * H);
      for (let step = 0; step < T; step++) {
        const t = d === 0 ? step : T - 1 - step;
        const xt = new Float64Array(B * inF);
        for (let b = 0; b < B; b++) xt.set(layerIn.subarray((b * T + t) * inF, (b * T + t + 1) * inF), b * inF);
        const gx = affine(xt, B, wih, bih, inF, G * H);
        const gh = affine(h, B, whh, bhh, H, G * H);
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < H; j++) {
            const at = (g: number) => b * G * H + g * H + j;
            let hn: number;
            if (cell === 'lstm') {
              const i = sigmoid(gx[at(0)]! + gh[at(0)]!);
              const f = sigmoid(gx[at(1)]! + gh[at(1)]!);
              const g = Math.tanh(gx[at(2)]! + gh[at(2)]!);
              const o = sigmoid(gx[at(3)]! + gh[at(3)]!);
              cs[b * H + j] = f * cs[b * H + j]! + i * g;
              hn = o * Math.tanh(cs[b * H + j]!);
            } else if (cell === 'gru') {
              const r = sigmoid(gx[at(0)]! + gh[at(0)]!);
              const z = sigmoid(gx[at(1)]! + gh[at(1)]!);
              const n = Math.tanh(gx[at(2)]! + r * gh[at(2)]!);
              hn = (1 - z) * n + z * h[b * H + j]!;
            } else {
              hn = Math.tanh(gx[at(0)]! + gh[at(0)]!);
            }
            out[(b * T + t) * D * H + d * H + j] = hn;
          }
        }
        // h is read for every unit above, so it is replaced only once the whole step is done.
        for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) h[b * H + j] = out[(b * T + t) * D * H + d * H + j]!;
      }
      hN.set(h, s * B * H);
      cN.set(cs, s * B * H);
    }
    layerIn = out;
    inF = D * H;
  }
  return cell === 'lstm' ? { out: layerIn, h_n: hN, c_n: cN } : { out: layerIn, h_n: hN };
}

/** L = sum over outputs of sum(output * upstream), the scalar whose gradients a layer fixture holds. */
export function upstreamLoss(outputs: Values, upstream: TensorMap): number {
  let s = 0;
  for (const [k, u] of Object.entries(upstream)) {
    const o = outputs[k]!;
    for (let i = 0; i < o.length; i++) s += o[i]! * u.data64[i]!;
  }
  return s;
}

/** Mean losses as PyTorch defines them (cross-entropy optionally over the tokens whose mask is 1). */
export function lossValue(name: string, inputs: Values, classes?: number): number {
  if (name === 'cross_entropy') {
    const logits = inputs.logits!;
    const y = inputs.targets!;
    const mask = inputs.mask;
    const V = classes!;
    let sum = 0;
    let count = 0;
    for (let n = 0; n < y.length; n++) {
      const m = mask ? mask[n]! : 1;
      if (m === 0) continue;
      const row = logits.subarray(n * V, n * V + V);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
      sum += lse - row[y[n]!]!;
      count += 1;
    }
    return sum / count;
  }
  if (name === 'binary_cross_entropy') {
    const p = inputs.p!;
    const y = inputs.y!;
    let s = 0;
    for (let i = 0; i < p.length; i++) s -= y[i]! * Math.log(p[i]!) + (1 - y[i]!) * Math.log(1 - p[i]!);
    return s / p.length;
  }
  if (name === 'mse') {
    const p = inputs.pred!;
    const y = inputs.y!;
    let s = 0;
    for (let i = 0; i < p.length; i++) s += (p[i]! - y[i]!) ** 2;
    return s / p.length;
  }
  throw new Error(`unknown loss ${name}`);
}

export interface OptimState { [buffer: string]: Float64Array }

/** One optimizer step in place, as torch.optim implements it (PyTorch 1.13 - 2.x, default flags). */
export function optimStep(opt: string, cfg: Record<string, unknown>, step: number, p: Float64Array, g0: Float64Array,
  st: OptimState): void {
  const lr = cfg.lr as number;
  const wd = (cfg.weight_decay as number | undefined) ?? 0;
  const g = g0.map((v, i) => v + wd * p[i]!);
  const buf = (k: string) => (st[k] ??= new Float64Array(p.length));
  if (opt === 'sgd') {
    const m = buf('momentum_buffer');
    const mu = cfg.momentum as number;
    // The first step copies the gradient into the buffer (no dampening of an empty buffer).
    for (let i = 0; i < p.length; i++) {
      m[i] = step === 1 ? g[i]! : mu * m[i]! + g[i]!;
      p[i] = p[i]! - lr * m[i]!;
    }
  } else if (opt === 'adam') {
    const [b1, b2] = cfg.betas as [number, number];
    const eps = cfg.eps as number;
    const m = buf('exp_avg');
    const v = buf('exp_avg_sq');
    const bc1 = 1 - b1 ** step;
    const bc2 = 1 - b2 ** step;
    for (let i = 0; i < p.length; i++) {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
      // eps is added after the bias-corrected square root, as torch.optim.Adam does.
      p[i] = p[i]! - (lr / bc1) * m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(bc2) + eps);
    }
  } else if (opt === 'rmsprop') {
    const alpha = cfg.alpha as number;
    const eps = cfg.eps as number;
    const v = buf('square_avg');
    for (let i = 0; i < p.length; i++) {
      v[i] = alpha * v[i]! + (1 - alpha) * g[i]! * g[i]!;
      p[i] = p[i]! - lr * g[i]! / (Math.sqrt(v[i]!) + eps);
    }
  } else if (opt === 'adagrad') {
    const eps = cfg.eps as number;
    const s = buf('sum');
    const clr = lr / (1 + (step - 1) * ((cfg.lr_decay as number | undefined) ?? 0));
    for (let i = 0; i < p.length; i++) {
      s[i] = s[i]! + g[i]! * g[i]!;
      p[i] = p[i]! - clr * g[i]! / (Math.sqrt(s[i]!) + eps);
    }
  } else {
    throw new Error(`unknown optimizer ${opt}`);
  }
}

/** torch.nn.utils.clip_grad_norm_: scale all grads by min(1, max_norm / (total_norm + 1e-6)). */
export function clipGlobalNorm(grads: Values, maxNorm: number): { clipped: Values; totalNorm: number } {
  let sq = 0;
  for (const g of Object.values(grads)) for (const v of g) sq += v * v;
  const totalNorm = Math.sqrt(sq);
  const coef = Math.min(1, maxNorm / (totalNorm + 1e-6));
  const clipped: Values = {};
  for (const [k, g] of Object.entries(grads)) clipped[k] = g.map((v) => v * coef);
  return { clipped, totalNorm };
}

/** Largest |a - b| / max(1, |b|) over two equally long arrays. */
export function maxRelDiff(a: ArrayLike<number>, b: FixtureTensor | ArrayLike<number>): number {
  const e = 'data64' in b ? b.data64 : b;
  if (a.length !== e.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - e[i]!) / Math.max(1, Math.abs(e[i]!));
    if (!(d <= m)) m = d;
  }
  return m;
}
