// Model statements -> graph values. One pass in statement order; every op delegates to engine/layers.
import type { Dim, ModelStatement, OpStatement, Shape, StateValue, TensorRef } from '../../language/types';
import { elementwise, scalar, type ArithOp } from '../layers/arith';
import { attention, type Score } from '../layers/attention';
import { dense } from '../layers/dense';
import { layerNorm } from '../layers/norm';
import { activation, dropout } from '../layers/elementwise';
import { embedding, oneHot } from '../layers/embedding';
import { recurrent, type Cell } from '../layers/recurrent';
import { first, last, reduce } from '../layers/reduce';
import { concat, repeat, reshape, transpose } from '../layers/shape';
import { EngineError, type LayerCtx, type StateVal, type TVal } from '../layers/types';

/** What the compiler needs of an Analysis (tests build it by hand; compileExperiment passes the Analysis). */
export interface ModelDescription {
  model: ModelStatement[];
  /** Shapes of data tensors the model does not declare as inputs (e.g. the target `y`). */
  dataShapes?: Record<string, Shape>;
  values?: Map<string, Shape | StateValue>;
}

export type Env = Map<string, TVal | StateVal>;

/** Resolves a Dim to a size: runtime sizes first (a bucket's `time`), then the Dim's own size. */
export function dimSize(d: Dim | undefined, sizes: Record<string, number>, what: string): number {
  if (!d) throw new EngineError(`${what}: missing size`);
  if (d.name !== undefined && sizes[d.name] !== undefined) return sizes[d.name];
  if (d.size !== undefined) return d.size;
  if (d.name !== undefined) {
    const v = evalDimExpr(d.name, sizes);
    if (v !== undefined) return v;
  }
  const varying = d.sizes ? ` (it varies: ${d.sizes.join('|')}; pass the size of this batch)` : '';
  throw new EngineError(`${what}: the size of ${d.name ?? '?'} is not known${varying}`);
}

/** `batch*time`, `2*hidden`, `hidden+embed` */
function evalDimExpr(text: string, sizes: Record<string, number>): number | undefined {
  let total = 0;
  for (const term of text.split('+')) {
    let p = 1;
    for (const f of term.split('*').map((s) => s.trim())) {
      const v = /^\d+$/.test(f) ? Number(f) : sizes[f];
      if (v === undefined) return undefined;
      p *= v;
    }
    total += p;
  }
  return total;
}

export function isState(v: TVal | StateVal | undefined): v is StateVal {
  return !!v && (v as StateVal).kind === 'state';
}

/** `enc.h` of a recurrent state: the top layer's (forward direction's) h as [batch, hidden]. */
function stateField(ctx: LayerCtx, s: StateVal, field: 'h' | 'c', ref: string): TVal {
  const arr = field === 'h' ? s.h : s.c;
  if (!arr) throw new EngineError(`${ref}: a ${s.cell} state has no field ${field}`);
  const top = arr[(s.layers - 1) * s.directions];
  const v = ctx.g.op1('Reshape', [top, ctx.g.constInt64([0, -1])]); // [B, 1, H] -> [B, H], batch may be symbolic
  return { v, shape: [s.batch, s.hidden], names: ['batch', s.hiddenName], elem: 'float' };
}

export function num(p: unknown, dflt: number): number {
  return typeof p === 'number' ? p : dflt;
}

export function asDim(p: unknown): Dim | undefined {
  if (typeof p === 'number') return { size: p };
  if (typeof p === 'string') return { name: p };
  if (p && typeof p === 'object') {
    const o = p as { dim?: Dim; name?: string; size?: number };
    if (o.dim) return o.dim;
    return o as Dim;
  }
  return undefined;
}

export function dimName(p: unknown): string | undefined {
  if (typeof p === 'string') return p;
  const d = asDim(p);
  return d?.name;
}

export interface ModelBuild {
  env: Env;
  /** Graph inputs made for data tensors, by name. */
  dataInputs: Map<string, TVal>;
  /** Recurrent statements: name -> initial-state inputs when `stateInputs` is on. */
  stateInputs: { stmt: string; state: StateVal; inputs: string[] }[];
  /** Every recurrent statement's final state, by statement name (also when its state output is `_`). */
  finalStates: Map<string, StateVal>;
}

export function buildModel(
  ctx: LayerCtx, desc: ModelDescription, sizes: Record<string, number>,
  opts: { stateInputs?: boolean; recurrentImpl?: typeof recurrent; symbolic?: Set<string>; inputs?: Map<string, TVal> } = {},
): ModelBuild {
  const env: Env = new Map();
  // Inputs the caller declared already (the exporter puts x before its lengths input).
  const dataInputs = opts.inputs ?? new Map<string, TVal>();
  const stateInputs: ModelBuild['stateInputs'] = [];
  const finalStates = new Map<string, StateVal>();

  const operand = (ref: TensorRef, st: OpStatement): TVal => {
    const v = env.get(ref.name) ?? dataTensor(ctx, desc, sizes, ref.name, env, dataInputs);
    if (!v) throw new EngineError(`${st.op}: unknown tensor ${ref.name}`);
    if (isState(v)) {
      if (!ref.field) throw new EngineError(`${st.op}: ${ref.name} is a state; use ${ref.name}.h`);
      return stateField(ctx, v, ref.field, `${ref.name}.${ref.field}`);
    }
    return v;
  };

  for (const st of desc.model) {
    if (st.kind === 'input') {
      env.set(st.name, makeInput(ctx, st.name, st.shape, sizes, dataInputs, opts.symbolic));
      continue;
    }
    const name = stmtName(st);
    const p = st.params;
    const x = (): TVal => operand(st.operands[0], st);
    const size = (key: string) => dimSize(asDim(p[key]), sizes, `${name} = ${st.op}(...) ${key}`);
    let out: TVal;
    switch (st.op) {
      case 'embedding':
        out = embedding(ctx, name, x(), size('vocab'), size('size'), asDim(p.size)?.name);
        break;
      case 'one_hot':
        out = oneHot(ctx, x(), size('vocab'), asDim(p.vocab)?.name);
        break;
      case 'lstm':
      case 'gru':
      case 'rnn': {
        const cell = st.op as Cell;
        const layers = num(p.layers, 1);
        const bidirectional = p.bidirectional === true;
        const hidden = size('size');
        const xin = x();
        let init: StateVal | undefined;
        const initRef = (p.init as TensorRef | undefined) ?? st.operands.find((o, i) => i > 0 && o);
        if (initRef) init = initState(ctx, env, initRef, cell);
        if (opts.stateInputs && !init) {
          // Sampling feeds the state back step by step: one [layers*directions, batch, hidden] input per field.
          const D = bidirectional ? 2 : 1;
          const B = xin.shape[0];
          const mk = (f: string) => {
            const inp = ctx.g.input(`state/${name}/${f}`, 'float32', [layers * D, B < 0 ? 'batch' : B, hidden]);
            const parts = layers * D === 1 ? [inp] : ctx.g.op('Split', [inp], { axis: 0 }, { outputs: layers * D });
            return parts.map((q) => ctx.g.op1('Transpose', [q], { perm: [1, 0, 2] })); // [1, B, H] -> [B, 1, H]
          };
          init = { kind: 'state', cell, layers, directions: D as 1 | 2, hidden, batch: B, h: mk('h'), c: cell === 'lstm' ? mk('c') : undefined };
          stateInputs.push({ stmt: name, state: init, inputs: cell === 'lstm' ? [`state/${name}/h`, `state/${name}/c`] : [`state/${name}/h`] });
        }
        const r = (opts.recurrentImpl ?? recurrent)(ctx, name, xin, {
          cell, hidden, layers, bidirectional, dropout: num(p.dropout, 0),
          activation: p.activation === 'relu' ? 'relu' : 'tanh', init,
        }, asDim(p.size)?.name);
        out = r.out;
        finalStates.set(name, r.state);
        if (st.outputs[1] && st.outputs[1] !== '_') env.set(st.outputs[1], r.state);
        break;
      }
      case 'dense':
        out = dense(ctx, name, x(), size('size'), typeof p.activation === 'string' ? p.activation : 'none', asDim(p.size)?.name);
        break;
      case 'dropout':
        out = dropout(ctx, x(), num(p.p, 0.5));
        break;
      case 'relu':
      case 'tanh':
      case 'sigmoid':
      case 'softmax':
        out = activation(ctx, st.op, x());
        break;
      case 'last':
        out = last(ctx, x());
        break;
      case 'first':
        out = first(ctx, x());
        break;
      case 'mean':
      case 'max':
      case 'sum': {
        const over = dimName(p.over);
        if (!over) throw new EngineError(`${st.op} needs over = <dimension>`);
        out = reduce(ctx, st.op, x(), over);
        break;
      }
      case 'repeat': {
        const d = asDim(p.D ?? p.dim);
        out = repeat(ctx, x(), dimSize(d, sizes, `${name} = repeat(...)`), d?.name);
        break;
      }
      case 'concat':
        out = concat(ctx, st.operands.map((o) => operand(o, st)), dimName(p.over));
        break;
      case 'reshape': {
        const dims = ((p.dims as unknown[]) ?? []).map(asDim) as Dim[];
        out = reshape(ctx, x(), dims.map((d) => dimSize(d, sizes, `${name} = reshape(...)`)), dims.map((d) => d.name));
        break;
      }
      case 'transpose': {
        const dims = ((p.dims as unknown[]) ?? []).map(asDim) as Dim[];
        out = transpose(ctx, x(), dims);
        break;
      }
      case 'attention': {
        const keys = operand(st.operands[1], st);
        const a = attention(ctx, name, x(), keys, st.operands[2] ? operand(st.operands[2], st) : keys, (p.score as Score) ?? 'dot');
        out = a.context;
        if (st.outputs[1] && st.outputs[1] !== '_') env.set(st.outputs[1], a.weights);
        break;
      }
      case 'layer_norm':
        out = layerNorm(ctx, name, x());
        break;
      case 'add':
      case 'sub':
      case 'mul':
      case 'div':
        out = elementwise(ctx, st.op, x(), operand(st.operands[1], st));
        break;
      case 'scalar':
        out = scalar(ctx, p.op as ArithOp, x(), num(p.k, 1), p.tensorFirst !== false);
        break;
      default:
        throw new EngineError(`the engine cannot build op '${st.op}' yet`);
    }
    if (st.outputs[0] && st.outputs[0] !== '_') env.set(st.outputs[0], out);
  }
  return { env, dataInputs, stateInputs, finalStates };
}

export function stmtName(st: OpStatement): string {
  return st.outputs.find((o) => o && o !== '_') ?? `${st.op}_${st.range.start.line + 1}`;
}

function initState(ctx: LayerCtx, env: Env, ref: TensorRef, cell: Cell): StateVal {
  const v = env.get(ref.name);
  if (!v) throw new EngineError(`init: unknown state ${ref.name}`);
  if (isState(v) && !ref.field) return v;
  // A plain [batch, hidden] tensor (or a state's field): the h0 of a one-layer gru/rnn.
  const t = isState(v) ? stateField(ctx, v, ref.field!, `${ref.name}.${ref.field}`) : v;
  if (cell === 'lstm') throw new EngineError(`init of an lstm needs a whole lstm state (h and c); got the tensor ${ref.name}`);
  const [B, H] = t.shape;
  const h = ctx.g.op1('Reshape', [t.v, ctx.g.constInt64([B, 1, H])]);
  return { kind: 'state', cell, layers: 1, directions: 1, hidden: H, batch: B, h: [h] };
}

export function shapeSizes(shape: Shape, sizes: Record<string, number>, what: string): number[] {
  return shape.dims.map((d) => dimSize(d, sizes, what));
}

/** symbolic: dim names left free in the graph (export: batch, time), carried as -1 in TVal shapes. */
export function makeInput(ctx: LayerCtx, name: string, shape: Shape, sizes: Record<string, number>, dataInputs: Map<string, TVal>, symbolic?: Set<string>): TVal {
  const have = dataInputs.get(name);
  if (have) return have;
  const free = (i: number) => !!symbolic && shape.dims[i].name !== undefined && symbolic.has(shape.dims[i].name!);
  const dims = shape.dims.map((d, i) => (free(i) ? -1 : dimSize(d, sizes, `input ${name}`)));
  const v = ctx.g.input(name, shape.elem === 'int' ? 'int32' : 'float32', dims.map((d, i) => (d < 0 ? shape.dims[i].name! : d)));
  const t: TVal = { v, shape: dims, names: shape.dims.map((d) => d.name), masked: !!shape.masked, elem: shape.elem };
  dataInputs.set(name, t);
  return t;
}

/** A data tensor used without an `input` statement (the loss target `y`). */
export function dataTensor(ctx: LayerCtx, desc: ModelDescription, sizes: Record<string, number>, name: string, env: Env, dataInputs: Map<string, TVal>): TVal | undefined {
  const have = dataInputs.get(name);
  if (have) return have;
  const v = desc.values?.get(name);
  const shape = desc.dataShapes?.[name] ?? (v && !isState(v as never) && (v as StateValue).kind !== 'state' ? (v as Shape) : undefined);
  if (!shape) return undefined;
  const t = makeInput(ctx, name, shape, sizes, dataInputs);
  env.set(name, t);
  return t;
}
