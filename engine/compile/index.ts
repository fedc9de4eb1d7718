// The model compiler: an analyzed experiment -> ONNX graphs for one concrete set of sizes.
//   forward(dims)   inference: data inputs + param/<name> -> every statement's tensor (+ loss and metrics)
//   trainStep(dims) forward + loss + gradients (engine/autodiff, plus the recurrent layers' weight hooks)
//                   + global-norm clip + optimizer update, all in one graph
// Graphs are built per size because every shape is static (the gradient rules read them); the runtime caches
// one session per bucket.
import type { Analysis, Shape, StateValue, TrainSettings } from '../../language/types';
import { EngineError, type ParamInit, type ParamSpec, type StateVal, type TVal } from '../layers/types';
import { Graph, type DType } from '../onnx/graph';
import { makeCtx, paramInput, type BuildCtx } from './ctx';
import { narrowGraph } from './narrow';
import { buildModel, dimSize, isState, stmtName, type ModelBuild, type ModelDescription } from './model';
import { addLossAndMetrics, addTraining, optimizerSlots } from './train';

export { EngineError };
export type { ParamSpec, ModelDescription };

export interface GraphIO { inputs: { name: string; dtype: DType; shape: number[] }[]; outputs: string[] }

export interface CompiledModel {
  params: ParamSpec[];
  optimizerSlots: string[];
  /** `carry_state = true`: the training step's recurrent-state inputs (`state/<stmt>/<h|c>`, zeros at the
   *  start), each returned as `<name>:next` after the step and fed to the next one, so no gradient flows
   *  back across batches. */
  carried?: { name: string; shape: number[] }[];
  trainStep(dims: Record<string, number>): { bytes: Uint8Array; io: GraphIO };
  forward(dims: Record<string, number>, opts?: { withLoss?: boolean; stateInputs?: boolean }): { bytes: Uint8Array; io: GraphIO };
  shapes(dims: Record<string, number>): Record<string, [string, number][]>;
  /** The parameters a graph at these sizes would have (the same as `params` unless a weight's shape depends
   *  on a padded dimension's size). Throws EngineError when the model cannot be built at these sizes. */
  paramsAt(dims: Record<string, number>): ParamSpec[];
}

/** Everything compileModel needs; an Analysis provides it through descriptionOf. */
export interface CompileInput extends ModelDescription {
  train?: TrainSettings;
  /** Named sizes known before any batch (dims block, data-derived sizes). */
  sizes: Record<string, number>;
  name?: string;
}

export function descriptionOf(a: Analysis): ModelDescription {
  return { model: a.model, dataShapes: a.data?.provides, values: a.values };
}

export function sizesOf(a: Analysis, dataDims: Record<string, number>): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const [name, d] of a.dims) if (d.size !== undefined) sizes[name] = d.size;
  return { ...sizes, ...dataDims };
}

/** Compiles an analyzed experiment. Throws EngineError (with file:line) when the analysis has errors. */
export function compileExperiment(analysis: Analysis, dataDims: Record<string, number>): CompiledModel {
  const errors = analysis.diagnostics.filter((d) => d.severity === 1);
  if (errors.length) {
    const lines = errors.slice(0, 5).map((d) => `${analysis.uri}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}${d.fix ? ` (fix: ${d.fix})` : ''}`);
    throw new EngineError(`the experiment has ${errors.length} error(s); fix them before training:\n${lines.join('\n')}`);
  }
  if (!analysis.model.some((s) => s.kind === 'op')) throw new EngineError(`${analysis.uri}: the model block has no layers to compile`);
  return compileModel({ ...descriptionOf(analysis), train: analysis.train, sizes: sizesOf(analysis, dataDims), name: analysis.experiment });
}

export function weightInitOf(train?: TrainSettings): ParamInit | 'default' {
  const init = train?.init;
  if (!init || init.name === 'default') return 'default';
  const vals = Object.values(init.params);
  const pick = (...keys: string[]) => keys.map((k) => init.params[k]).find((v) => v !== undefined) ?? vals[0];
  switch (init.name) {
    case 'xavier': return { kind: 'xavier', scale: pick('magnitude', 'scale', 'gain') };
    case 'uniform': return { kind: 'uniform', scale: pick('a', 'scale') };
    case 'normal': return { kind: 'normal', scale: pick('std', 'sigma', 'scale') };
    default: throw new EngineError(`unknown init '${init.name}' (use xavier, uniform(scale) or normal(sigma))`);
  }
}

/** The masked dimension (time under buckets): axis 1 of the first masked input. */
export function maskDim(input: Pick<CompileInput, 'model' | 'dataShapes'>): string | undefined {
  for (const st of input.model) if (st.kind === 'input' && st.shape.masked) return st.shape.dims[1]?.name;
  for (const s of Object.values(input.dataShapes ?? {})) if (s.masked) return s.dims[1]?.name;
  return undefined;
}

export function compileModel(input: CompileInput): CompiledModel {
  const weightInit = weightInitOf(input.train);
  const seed = input.train?.seed ?? 42;
  const mdim = maskDim(input);

  const build = (dims: Record<string, number>, training: boolean, opts: { stateInputs?: boolean } = {}): { g: Graph; ctx: BuildCtx; built: ModelBuild; sizes: Record<string, number> } => {
    const sizes = { ...input.sizes, ...dims };
    const g = new Graph(input.name || 'unroll');
    let mask: string | undefined;
    if (mdim) mask = g.input('mask', 'float32', [dimSize({ name: 'batch' }, sizes, 'mask'), dimSize({ name: mdim }, sizes, 'mask')]);
    const ctx = makeCtx(g, { training, weightInit, mask, maskDim: mask ? mdim : undefined, seed });
    const built = buildModel(ctx, input, sizes, opts);
    return { g, ctx, built, sizes };
  };

  // Parameter shapes do not depend on batch or time: build once with the smallest sizes to list them.
  const carry = input.train?.carryState === true;
  const probe = build(probeDims(input), false, { stateInputs: carry });
  const params = probe.ctx.params;
  const carried = carry
    ? probe.g.inputs.filter((i) => i.name.startsWith('state/')).map((i) => ({ name: i.name, shape: i.shape.map((d) => (typeof d === 'number' ? d : 1)) }))
    : undefined;
  const slots = optimizerSlots(input.train);

  const io = (g: Graph): GraphIO => ({
    inputs: g.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape.map((d) => (typeof d === 'number' ? d : -1)) })),
    outputs: g.outputs.map((o) => o.name),
  });

  return {
    params,
    optimizerSlots: slots,
    carried,
    forward(dims, opts = {}) {
      const { g, ctx, built } = build(dims, false, { stateInputs: opts.stateInputs });
      addModelOutputs(g, input, built);
      if (opts.withLoss && input.train?.loss) {
        const lm = addLossAndMetrics(ctx, built, input, input.train);
        g.output(g.alias(lm.loss, 'loss'));
        for (const [k, v] of Object.entries(lm.metrics)) g.output(g.alias(v, `metric/${k}`));
      }
      narrowGraph(g); // WebGPU's storage-buffer limit
      return { bytes: g.toBytes(), io: io(g) };
    },
    trainStep(dims) {
      if (!input.train?.loss) throw new EngineError('the experiment has no loss: add `loss = cross_entropy(logits, y)` (or mse, binary_cross_entropy) to the train block');
      const { g, ctx, built } = build(dims, true, { stateInputs: carry });
      const lm = addLossAndMetrics(ctx, built, input, input.train);
      addTraining(ctx, lm.loss, input.train, slots);
      if (carry) addStateOutputs(g, built);
      g.output(g.alias(lm.loss, 'loss'));
      for (const [k, v] of Object.entries(lm.metrics)) g.output(g.alias(v, `metric/${k}`));
      narrowGraph(g); // WebGPU's storage-buffer limit
      return { bytes: g.toBytes(), io: io(g) };
    },
    paramsAt(dims) {
      return build(dims, false, { stateInputs: carry }).ctx.params;
    },
    shapes(dims) {
      const { built } = build(dims, false);
      const out: Record<string, [string, number][]> = {};
      // An unnamed dimension (a literal size such as 128) is reported with the name '' (server/protocol.ts RuntimeDim).
      const named = (t: TVal): [string, number][] => t.shape.map((s, i) => [t.names[i] ?? '', s]);
      for (const [name, v] of built.env) {
        if (isState(v)) {
          const s = v as StateVal;
          out[`${name}.h`] = [['batch', s.batch], [s.hiddenName ?? stateSizeName(input, name) ?? '', s.hidden]];
          if (s.c) out[`${name}.c`] = out[`${name}.h`];
        } else out[name] = named(v);
      }
      return out;
    },
  };
}

/**
 * Inference outputs: every statement's tensor under its name (not calls nested inside one), each state's top-layer `<name>.h` / `.c`
 * ([batch, hidden]), and for sampling graphs the whole final state as `state/<stmt>/<f>:next`
 * ([layers*directions, batch, hidden], PyTorch's h_n layout) beside the `state/<stmt>/<f>` inputs.
 */
export function addModelOutputs(g: Graph, input: ModelDescription, built: ModelBuild): void {
  for (const st of input.model) {
    if (st.kind !== 'op' || st.nested) continue; // a nested call's value is the enclosing statement's business
    for (const o of st.outputs) {
      const v = built.env.get(o);
      if (!v || o === '_') continue;
      if (isState(v)) {
        for (const f of ['h', 'c'] as const) {
          const parts = v[f];
          if (!parts) continue;
          const top = parts[(v.layers - 1) * v.directions];
          // Declared: ONNX shape inference cannot see through the Reshape's 0 and -1.
          g.output(g.alias(g.op1('Reshape', [top, g.constInt64([0, -1])]), `${o}.${f}`), undefined, [v.batch < 0 ? 'batch' : v.batch, v.hidden]);
        }
      } else if (!g.outputs.some((x) => x.name === o)) {
        // The sizes the layers know (a free batch or time by its name), where inference past LSTM, Reshape
        // or Expand would leave '?'.
        const known = v.shape.map((s, i) => (s >= 0 ? s : v.names[i] ?? '?'));
        g.output(g.alias(v.v, o), undefined, known.every((d) => d !== '?') ? known : undefined);
      }
    }
  }
  addStateOutputs(g, built);
}

/** Each state input's final value as `state/<stmt>/<f>:next` ([layers*directions, batch, hidden]). */
function addStateOutputs(g: Graph, built: ModelBuild): void {
  for (const s of built.stateInputs) {
    const fin = built.finalStates.get(s.stmt)!;
    for (const f of ['h', 'c'] as const) {
      const parts = fin[f];
      if (!parts) continue;
      const stacked = g.op1('Concat', parts.map((p) => g.op1('Transpose', [p], { perm: [1, 0, 2] })), { axis: 0 });
      g.output(g.alias(stacked, `state/${s.stmt}/${f}:next`));
    }
  }
}

function stateSizeName(input: CompileInput, name: string): string | undefined {
  const v = input.values?.get(name) as StateValue | Shape | undefined;
  return v && (v as StateValue).kind === 'state' ? (v as StateValue).size.name : undefined;
}

function probeDims(input: CompileInput): Record<string, number> {
  const dims: Record<string, number> = {};
  const visit = (s: Shape) => {
    for (const d of s.dims) if (d.name && d.size === undefined && input.sizes[d.name] === undefined) dims[d.name] = d.sizes?.[0] ?? 1;
  };
  for (const st of input.model) if (st.kind === 'input') visit(st.shape);
  for (const s of Object.values(input.dataShapes ?? {})) visit(s);
  return dims;
}

export { paramInput, stmtName };
