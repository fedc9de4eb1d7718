// lstm, gru, rnn for the engine's own graphs: unrolled over time, batch-major ([batch, time, f] in and out,
// so no Transposes), PyTorch's parameters and gate orders. Per layer and direction:
//   - the input projection of all steps is ONE MatMul ([batch, time, in] x [in, G*H]) and one Split over time;
//   - each step is one MatMul with W_hh^T for all gates, then the gate nonlinearities;
//   - with a mask, padded steps keep the state (h = m ? h_new : h_prev), so the final state and
//     `last` are the last real step's, and the reverse direction starts at each row's last real step;
//   - in training, W_hh's gradient is made by a hook as one product over all steps,
//     dW_hh = dG_all^T . H_prev_all, where dG_all is the autodiff's gradient of the (all-steps) gate input
//     and H_prev_all the states each step started from. The autodiff itself never sees W_hh, so it emits no
//     per-step weight products (the graph builder prunes what nothing reads).
import { dropoutValue } from './elementwise';
import { EngineError, stepMask, type LayerCtx, type StateVal, type TVal } from './types';

export type Cell = 'lstm' | 'gru' | 'rnn';
export const GATES: Record<Cell, number> = { lstm: 4, gru: 3, rnn: 1 };

export interface RecurrentOpts {
  cell: Cell;
  hidden: number;
  layers: number;
  bidirectional: boolean;
  /** Dropout on each layer's output except the last (training only), as PyTorch. */
  dropout: number;
  /** rnn only. */
  activation?: 'tanh' | 'relu';
  /** Initial state (same cell family, layers, directions, hidden); zeros when absent. */
  init?: StateVal;
}

export interface RecurrentResult { out: TVal; state: StateVal }

export function paramNames(stmt: string, layer: number, reverse: boolean) {
  const sfx = `_l${layer}${reverse ? '_reverse' : ''}`;
  return { wih: `${stmt}.weight_ih${sfx}`, whh: `${stmt}.weight_hh${sfx}`, bih: `${stmt}.bias_ih${sfx}`, bhh: `${stmt}.bias_hh${sfx}` };
}

export function recurrent(ctx: LayerCtx, stmt: string, x: TVal, o: RecurrentOpts, sizeName?: string): RecurrentResult {
  const { g } = ctx;
  if (x.shape.length !== 3) throw new EngineError(`${o.cell} needs [batch, time, features]; got [${x.shape}]`);
  const [B, T] = x.shape;
  const H = o.hidden;
  const D = o.bidirectional ? 2 : 1;
  if (o.init) {
    const s = o.init;
    if (s.layers !== o.layers || s.directions !== D || s.hidden !== H || (o.cell === 'lstm') !== !!s.c) {
      throw new EngineError(`${o.cell} init state has ${s.layers} layer(s), ${s.directions} direction(s), size ${s.hidden}; the layer has ${o.layers}, ${D}, ${H}`);
    }
  }
  // Per-step mask slices [B, 1, 1], shared by every layer and direction.
  let masks: string[] | undefined;
  const mask = stepMask(ctx, x);
  if (mask) {
    // bool slices for Where: one node forward and two backward per state, against five for prev + m*(new - prev).
    // The float mask is split, then each slice cast: WebGPU has no bool Split (it would run on the CPU).
    const m3 = g.op1('Unsqueeze', [mask, g.constInt64([2])]);
    const slices = T === 1 ? [m3] : g.op('Split', [m3], { axis: 1 }, { outputs: T });
    masks = slices.map((m) => g.op1('Cast', [m], { to: 9 }));
  }
  const hN: string[] = [];
  const cN: string[] = [];
  let inp = x.v;
  let inF = x.shape[2];
  for (let l = 0; l < o.layers; l++) {
    const outs: string[] = [];
    for (let d = 0; d < D; d++) {
      const k = l * D + d;
      const r = direction(ctx, stmt, o, l, d === 1, inp, B, T, inF, masks, o.init?.h[k], o.init?.c?.[k]);
      outs.push(r.out);
      hN.push(r.h);
      if (r.c) cN.push(r.c);
    }
    inp = D === 1 ? outs[0] : g.op1('Concat', outs, { axis: 2 });
    inF = D * H;
    if (l < o.layers - 1) inp = dropoutValue(ctx, inp, [B, T, inF], o.dropout);
  }
  const outName = sizeName === undefined ? undefined : D === 2 ? `2*${sizeName}` : sizeName;
  return {
    out: { v: inp, shape: [B, T, D * H], names: [x.names[0], x.names[1], outName], masked: x.masked, elem: 'float' },
    state: { kind: 'state', cell: o.cell, layers: o.layers, directions: D as 1 | 2, hidden: H, hiddenName: sizeName, batch: B, h: hN, c: o.cell === 'lstm' ? cN : undefined },
  };
}

function direction(
  ctx: LayerCtx, stmt: string, o: RecurrentOpts, layer: number, reverse: boolean, inp: string,
  B: number, T: number, inF: number, masks: string[] | undefined, h0?: string, c0?: string,
): { out: string; h: string; c?: string } {
  const { g } = ctx;
  const H = o.hidden;
  const G = GATES[o.cell];
  const n = paramNames(stmt, layer, reverse);
  const wih = ctx.param(n.wih, [G * H, inF], ctx.initFor('rnn_weight', H));
  const whh = ctx.param(n.whh, [G * H, H], ctx.initFor('rnn_weight', H));
  const bih = ctx.param(n.bih, [G * H], ctx.initFor(o.cell === 'lstm' ? 'lstm_bias_ih' : 'rnn_bias', H));
  const bhh = ctx.param(n.bhh, [G * H], ctx.initFor('rnn_bias', H));
  ctx.hookedParams.add(whh);

  // LSTM: tanh(x) = 2*sigmoid(2x) - 1, so the candidate gate's rows are scaled by 2 once per graph and all four
  // gates take one Sigmoid per step (one backward rule instead of four: about a quarter fewer nodes per step).
  let rowScale: string | undefined;
  let wihU = wih, whhU = whh;
  let biasU = o.cell === 'gru' ? bih : g.op1('Add', [bih, bhh]);
  if (o.cell === 'lstm') {
    const scale = [...new Array(2 * H).fill(1), ...new Array(H).fill(2), ...new Array(H).fill(1)];
    rowScale = g.constFloat(scale, [4 * H, 1]);
    wihU = g.op1('Mul', [wih, rowScale]);
    whhU = g.op1('Mul', [whh, rowScale]);
    biasU = g.op1('Mul', [biasU, g.constFloat(scale)]);
  }
  // Input projection for all steps at once. GRU keeps b_hh out of it: PyTorch applies r to (W_hn h + b_hn).
  const wihT = g.op1('Transpose', [wihU], { perm: [1, 0] });
  const xp = g.op1('Add', [g.op1('MatMul', [inp, wihT]), biasU]); // [B, T, G*H]
  const whhT = g.op1('Transpose', [whhU], { perm: [1, 0] }); // [H, G*H]
  const split = (v: string): string[] => (T === 1 ? [v] : g.op('Split', [v], { axis: 1 }, { outputs: T }));

  // GRU: the hidden side's bias as a [B, T, 3H] value whose gradient is dL/d(W_hh h + b_hh) for all steps.
  let gruQ: string | undefined;
  let xrz: string[] = [], xn: string[] = [], q: string[] = [];
  let xs: string[] = [];
  if (o.cell === 'gru') {
    const [a, b] = g.op('Split', [xp, g.constInt64([2 * H, H])], { axis: 2 }, { outputs: 2 });
    xrz = split(a);
    xn = split(b);
    gruQ = g.op1('Expand', [bhh, g.constInt64([B, T, G * H])]);
    q = split(gruQ);
  } else {
    xs = split(xp);
  }

  const hs: string[] = new Array(T);
  const prevs: (string | undefined)[] = new Array(T);
  let h = h0;
  let c = c0;
  const order = Array.from({ length: T }, (_, i) => (reverse ? T - 1 - i : i));
  for (const t of order) {
    prevs[t] = h;
    const m = masks?.[t];
    let hNew: string;
    let cNew: string | undefined;
    if (o.cell === 'lstm') {
      const gates = h ? g.op1('Add', [xs[t], g.op1('MatMul', [h, whhT])]) : xs[t];
      const [i, f, sg, og] = g.op('Split', [g.op1('Sigmoid', [gates])], { axis: 2 }, { outputs: 4 });
      const cand = g.op1('Sub', [g.op1('Mul', [sg, g.constFloat(2)]), g.constFloat(1)]); // = tanh of the unscaled gate
      const ig = g.op1('Mul', [i, cand]);
      cNew = c ? g.op1('Add', [g.op1('Mul', [f, c]), ig]) : ig;
      hNew = g.op1('Mul', [og, g.op1('Tanh', [cNew])]);
    } else if (o.cell === 'gru') {
      const hp = h ? g.op1('Add', [g.op1('MatMul', [h, whhT]), q[t]]) : q[t];
      const [hrz, hn] = g.op('Split', [hp, g.constInt64([2 * H, H])], { axis: 2 }, { outputs: 2 });
      const [r, z] = g.op('Split', [g.op1('Sigmoid', [g.op1('Add', [xrz[t], hrz])])], { axis: 2 }, { outputs: 2 });
      const nn = g.op1('Tanh', [g.op1('Add', [xn[t], g.op1('Mul', [r, hn])])]);
      // h' = (1 - z) * n + z * h = n + z * (h - n)
      hNew = h ? g.op1('Add', [nn, g.op1('Mul', [z, g.op1('Sub', [h, nn])])]) : g.op1('Sub', [nn, g.op1('Mul', [z, nn])]);
    } else {
      const pre = h ? g.op1('Add', [xs[t], g.op1('MatMul', [h, whhT])]) : xs[t];
      hNew = g.op1(o.activation === 'relu' ? 'Relu' : 'Tanh', [pre]);
    }
    if (m) {
      hNew = keep(ctx, m, hNew, h);
      if (cNew) cNew = keep(ctx, m, cNew, c);
    }
    h = hNew;
    c = cNew;
    hs[t] = hNew;
  }
  const out = T === 1 ? hs[0] : g.op1('Concat', hs, { axis: 1 });

  if (ctx.training) {
    const gradOf = o.cell === 'gru' ? gruQ! : xp;
    ctx.hooks.push({
      wrt: [gradOf],
      finish(gg, [dG]) {
        if (!dG) return {};
        // States each step started from, in time order; a zero start contributes nothing but keeps the layout.
        const zero = gg.constFloat(new Array(B * H).fill(0), [B, 1, H]);
        const prev = prevs.map((p) => p ?? zero);
        const hPrev = T === 1 ? prev[0] : gg.op1('Concat', prev, { axis: 1 });
        const dG2 = gg.op1('Reshape', [dG, gg.constInt64([B * T, G * H])]);
        const h2 = gg.op1('Reshape', [hPrev, gg.constInt64([B * T, H])]);
        const dW = gg.op1('Gemm', [dG2, h2], { transA: 1 });
        return { [whh]: rowScale ? gg.op1('Mul', [dW, rowScale]) : dW };
      },
    });
  }
  return { out, h: h!, c: o.cell === 'lstm' ? c : undefined };
}

/** Padded steps keep the previous state (zero when there is none yet). */
function keep(ctx: LayerCtx, m: string, next: string, prev: string | undefined): string {
  const { g } = ctx;
  return g.op1('Where', [m, next, prev ?? g.constFloat(0)]);
}
