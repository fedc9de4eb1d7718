// exportOnnx: the trained model as a plain inference ONNX file that any runtime (and Netron) reads. Recurrent
// layers become ONNX's own LSTM / GRU / RNN operators with PyTorch's conventions mapped over: gate blocks
// reordered (LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h), both biases kept (B = [Wb, Rb]), GRU with
// linear_before_reset = 1. Weights are initializers; batch and the time dimensions stay free.
// Padded data (classify, bucketed text) is exported with ONNX's own mechanism: rows left-aligned (real tokens
// first, as ONNX and PyTorch's pack_padded_sequence expect) and an int32 `lengths` input that becomes each
// recurrent op's `sequence_lens` and the mask `last`/`mean`/`max` read; the engine's front-padded, masked
// rows give the same answers. The model asks only for the inputs its outputs read (no training target).
import type { Analysis } from '../../language/types';
import { buildModel, makeInput, type ModelDescription } from '../compile/model';
import { makeCtx } from '../compile/ctx';
import { addModelOutputs, descriptionOf, sizesOf } from '../compile/index';
import { GATES, paramNames, type RecurrentOpts, type RecurrentResult } from '../layers/recurrent';
import { EngineError, prod, stepMask, type LayerCtx, type StateVal, type TVal } from '../layers/types';
import { Graph } from '../onnx/graph';

/** ONNX block order expressed as PyTorch block indices. */
const ONNX_ORDER: Record<string, number[]> = { lstm: [0, 3, 1, 2], gru: [1, 0, 2], rnn: [0] };

function reorder(w: Float32Array, cell: string): Float32Array {
  const order = ONNX_ORDER[cell];
  const block = w.length / order.length; // H rows (times the row length) per gate
  const out = new Float32Array(w.length);
  order.forEach((src, dst) => out.set(w.subarray(src * block, (src + 1) * block), dst * block));
  return out;
}

export interface ExportOptions {
  /** Dimension names left free (default: batch and every data input's second dimension, e.g. time). */
  free?: string[];
  /** Add initial-state inputs and final-state outputs to every recurrent layer without `init` (sampling). */
  stateInputs?: boolean;
  /** Metadata_props and doc strings for the model, given its (pruned) input names. */
  describe?: (inputs: string[]) => { metadata: Record<string, string>; docs: Record<string, string>; docString: string };
}

/** The name of the lengths input of an exported model whose data is padded. */
export const LENGTHS_INPUT = 'lengths';

export function exportOnnx(
  analysis: Analysis | ModelDescription, dataDims: Record<string, number>, weights: Record<string, Float32Array>,
  opts: ExportOptions = {},
): Uint8Array {
  const desc = 'uri' in analysis ? descriptionOf(analysis as Analysis) : analysis;
  const sizes = 'uri' in analysis ? sizesOf(analysis as Analysis, dataDims) : { ...dataDims };
  const free = new Set(opts.free ?? defaultFree(desc));
  const g = new Graph('uri' in analysis ? (analysis as Analysis).experiment || 'unroll' : 'unroll');
  const ctx = makeCtx(g, { training: false, weightInit: { kind: 'zeros' } });
  const inputs = new Map<string, TVal>();
  const lengths = addLengths(ctx, desc, sizes, free, inputs);
  const used = new Set<string>();
  const weight = (name: string, shape: number[]): Float32Array => {
    const w = weights[name];
    if (!w) throw new EngineError(`export: no weights for parameter ${name}; export a trained run (its checkpoint has every parameter)`);
    if (w.length !== prod(shape)) throw new EngineError(`export: parameter ${name} has ${w.length} values; the model needs [${shape}] = ${prod(shape)}`);
    used.add(name);
    return w;
  };
  ctx.param = (name, shape) => {
    ctx.params.push({ name, shape, init: { kind: 'zeros' } });
    return g.initializer(name, { dtype: 'float32', dims: shape, data: weight(name, shape) });
  };
  const recurrentImpl = (c: LayerCtx, stmt: string, x: TVal, o: RecurrentOpts, sizeName?: string) =>
    onnxRecurrent(c, stmt, x, o, weight, sizeName, stepMask(c, x) ? lengths : undefined);
  const built = buildModel(ctx, desc, sizes, { recurrentImpl, symbolic: free, stateInputs: opts.stateInputs, inputs });
  addModelOutputs(g, desc, built);
  const unused = Object.keys(weights).filter((k) => !used.has(k));
  if (unused.length) throw new EngineError(`export: weights ${unused.join(', ')} belong to no layer of this model; was the checkpoint made from another experiment?`);
  const about = opts.describe?.(g.liveInputNames());
  return g.toBytes(17, { pruneInputs: true, ...about });
}

/**
 * For a model whose data input is padded: declares that input first, then `lengths` (int32 [batch]), and
 * gives the context the [batch, time] mask `t < lengths[b]` that the mask-aware layers read.
 */
function addLengths(ctx: LayerCtx, desc: ModelDescription, sizes: Record<string, number>, free: Set<string>, inputs: Map<string, TVal>): string | undefined {
  const st = desc.model.find((s) => s.kind === 'input' && s.shape.masked);
  if (!st || st.kind !== 'input') return undefined;
  const { g } = ctx;
  const x = makeInput(ctx, st.name, st.shape, sizes, inputs, free);
  const lengths = g.input(LENGTHS_INPUT, 'int32', [typeof x.shape[0] === 'number' && x.shape[0] >= 0 ? x.shape[0] : 'batch']);
  const T = g.op1('Gather', [g.op1('Shape', [x.v]), g.constInt64(1)], { axis: 0 });
  const steps = g.op1('Range', [g.constInt64(0), T, g.constInt64(1)]); // [time]
  const lens = g.op1('Unsqueeze', [g.op1('Cast', [lengths], { to: 7 }), g.constInt64([1])]); // [batch, 1]
  ctx.mask = g.op1('Cast', [g.op1('Less', [steps, lens])], { to: 1 });
  ctx.maskDim = st.shape.dims[1]?.name;
  return lengths;
}

function defaultFree(desc: ModelDescription): string[] {
  const free = new Set<string>(['batch']);
  for (const st of desc.model) if (st.kind === 'input' && st.shape.dims.length >= 2 && st.shape.dims[1].name) free.add(st.shape.dims[1].name);
  // A dimension that sizes a layer (repeat(h, tgt)) must stay fixed.
  for (const st of desc.model) {
    if (st.kind !== 'op') continue;
    for (const v of Object.values(st.params)) {
      const n = typeof v === 'object' && v && 'name' in v ? (v as { name?: string }).name : undefined;
      if (n) free.delete(n);
    }
  }
  return [...free];
}

function onnxRecurrent(
  ctx: LayerCtx, stmt: string, x: TVal, o: RecurrentOpts, weight: (name: string, shape: number[]) => Float32Array, sizeName?: string,
  lengths?: string,
): RecurrentResult {
  const { g } = ctx;
  const H = o.hidden;
  const G = GATES[o.cell];
  const D = o.bidirectional ? 2 : 1;
  const type = o.cell === 'lstm' ? 'LSTM' : o.cell === 'gru' ? 'GRU' : 'RNN';
  let seq = g.op1('Transpose', [x.v], { perm: [1, 0, 2] }); // ONNX's default layout is [time, batch, f]
  let inF = x.shape[2];
  const hN: string[] = [];
  const cN: string[] = [];
  for (let l = 0; l < o.layers; l++) {
    const W = new Float32Array(D * G * H * inF);
    const R = new Float32Array(D * G * H * H);
    const Bv = new Float32Array(D * 2 * G * H);
    for (let d = 0; d < D; d++) {
      const n = paramNames(stmt, l, d === 1);
      W.set(reorder(weight(n.wih, [G * H, inF]), o.cell), d * G * H * inF);
      R.set(reorder(weight(n.whh, [G * H, H]), o.cell), d * G * H * H);
      Bv.set(reorder(weight(n.bih, [G * H]), o.cell), d * 2 * G * H);
      Bv.set(reorder(weight(n.bhh, [G * H]), o.cell), d * 2 * G * H + G * H);
    }
    const w = g.initializer(`${stmt}.W_l${l}`, { dtype: 'float32', dims: [D, G * H, inF], data: W });
    const r = g.initializer(`${stmt}.R_l${l}`, { dtype: 'float32', dims: [D, G * H, H], data: R });
    const b = g.initializer(`${stmt}.B_l${l}`, { dtype: 'float32', dims: [D, 2 * G * H], data: Bv });
    const stack = (vs: string[] | undefined) =>
      vs ? g.op1('Concat', vs.slice(l * D, l * D + D).map((v) => g.op1('Transpose', [v], { perm: [1, 0, 2] })), { axis: 0 }) : '';
    const inputs = [seq, w, r, b, lengths ?? '', stack(o.init?.h)];
    if (o.cell === 'lstm') inputs.push(stack(o.init?.c));
    while (inputs[inputs.length - 1] === '') inputs.pop();
    const attrs: Record<string, import('../onnx/graph').Attr> = { hidden_size: H, direction: D === 2 ? 'bidirectional' : 'forward' };
    if (o.cell === 'gru') attrs.linear_before_reset = 1;
    if (o.cell === 'rnn') attrs.activations = { strings: new Array(D).fill(o.activation === 'relu' ? 'Relu' : 'Tanh') };
    const outs = g.op(type, inputs, attrs, { outputs: o.cell === 'lstm' ? 3 : 2 });
    // Y [T, D, B, H] -> [T, B, D*H]
    seq = g.op1('Reshape', [g.op1('Transpose', [outs[0]], { perm: [0, 2, 1, 3] }), g.constInt64([0, 0, -1])]);
    inF = D * H;
    const perDir = (v: string) => {
      const parts = D === 1 ? [v] : g.op('Split', [v], { axis: 0 }, { outputs: D });
      return parts.map((p) => g.op1('Transpose', [p], { perm: [1, 0, 2] })); // [1, B, H] -> [B, 1, H]
    };
    hN.push(...perDir(outs[1]));
    if (o.cell === 'lstm') cN.push(...perDir(outs[2]));
  }
  const out = g.op1('Transpose', [seq], { perm: [1, 0, 2] });
  const outName = sizeName === undefined ? undefined : D === 2 ? `2*${sizeName}` : sizeName;
  const state: StateVal = { kind: 'state', cell: o.cell, layers: o.layers, directions: D as 1 | 2, hidden: H, hiddenName: sizeName, batch: x.shape[0], h: hN, c: o.cell === 'lstm' ? cN : undefined };
  return { out: { v: out, shape: [x.shape[0], x.shape[1], D * H], names: [x.names[0], x.names[1], outName], masked: x.masked, elem: 'float' }, state };
}
