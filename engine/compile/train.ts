// The training half of a step graph: loss and metrics on the model's tensors, gradients (the autodiff plus
// the layers' hooks), global-norm clipping and the optimizer update.
import type { TrainSettings } from '../../language/types';
import { gradients } from '../autodiff/index';
import { binaryCrossEntropy, crossEntropy, mse } from '../losses/index';
import { applyOptimizer, clipGlobalNorm, globalNorm, optimizerSlots as slotsOf, type OptimizerName } from '../optim/index';
import { EngineError, prod, type TVal } from '../layers/types';
import type { BuildCtx } from './ctx';
import { dataTensor, isState, type ModelBuild, type ModelDescription } from './model';

export function optimizerSlots(train?: TrainSettings): string[] {
  if (!train) return [];
  return slotsOf({ name: train.optimizer.name as OptimizerName, params: train.optimizer.params });
}

function tensorOf(ctx: BuildCtx, built: ModelBuild, desc: ModelDescription, sizes: Record<string, number>, ref: { name: string; field?: 'h' | 'c' }): TVal {
  const v = built.env.get(ref.name) ?? dataTensor(ctx, desc, sizes, ref.name, built.env, built.dataInputs);
  if (!v) throw new EngineError(`loss: unknown tensor ${ref.name}`);
  if (isState(v)) {
    if (!ref.field) throw new EngineError(`loss: ${ref.name} is a recurrent state; use ${ref.name}.h`);
    const arr = v[ref.field]!;
    const top = arr[(v.layers - 1) * v.directions];
    return { v: ctx.g.op1('Reshape', [top, ctx.g.constInt64([v.batch, v.hidden])]), shape: [v.batch, v.hidden], names: ['batch', v.hiddenName], elem: 'float' };
  }
  return v;
}

/** The prediction in the target's shape when they differ only by unit axes ([batch, 1] vs [batch]). */
function like(ctx: BuildCtx, p: TVal, y: TVal, fn: string): string {
  if (p.shape.length === y.shape.length && p.shape.every((s, i) => s === y.shape[i])) return p.v;
  if (prod(p.shape) !== prod(y.shape)) {
    throw new EngineError(`${fn}: the prediction [${p.shape}] and the target [${y.shape}] do not have the same number of values`);
  }
  return ctx.g.op1('Reshape', [p.v, ctx.g.constInt64(y.shape)]);
}

export interface LossAndMetrics { loss: string; metrics: Record<string, string> }

export function addLossAndMetrics(ctx: BuildCtx, built: ModelBuild, desc: ModelDescription & { sizes: Record<string, number> }, train: TrainSettings): LossAndMetrics {
  const { g } = ctx;
  const spec = train.loss!;
  if (spec.operands.length !== 2) throw new EngineError(`${spec.fn} takes (prediction, target); got ${spec.operands.length} operand(s)`);
  const sizes = { ...desc.sizes };
  for (const [k, t] of built.dataInputs) t.names.forEach((n, i) => { if (n) sizes[n] = t.shape[i]; void k; });
  const pred = tensorOf(ctx, built, desc, sizes, spec.operands[0]);
  const y = tensorOf(ctx, built, desc, sizes, spec.operands[1]);
  const mask = y.masked ? targetMask(ctx, y) : undefined;
  const metrics: Record<string, string> = {};
  let loss: string;
  const want = new Set(train.metrics);
  if (spec.fn === 'cross_entropy') {
    if (y.elem !== 'int') throw new EngineError('cross_entropy needs integer class ids as the target');
    const tgt = y.v;
    const r = crossEntropy(g, pred.v, tgt, mask);
    loss = r.loss;
    if (want.has('accuracy')) metrics.accuracy = pair(ctx, r.correct!, r.count);
    if (want.has('exact_match')) {
      // Per position: the target's logit is the largest (crossEntropy's hits, [..., 1]; no int64 ArgMax, whose
      // comparison would run on the CPU under WebGPU).
      const hit = g.op1('Squeeze', [r.hits!, g.constInt64([-1])]);
      metrics.exact_match = exactMatch(ctx, hit, mask, y.shape);
    }
  } else if (spec.fn === 'binary_cross_entropy' || spec.fn === 'mse') {
    const yv = y.elem === 'int' ? g.op1('Cast', [y.v], { to: 1 }) : y.v;
    const p = like(ctx, pred, y, spec.fn);
    const r = spec.fn === 'mse' ? mse(g, p, yv) : binaryCrossEntropy(g, p, yv);
    loss = r.loss;
    if (r.correct && want.has('accuracy')) metrics.accuracy = pair(ctx, r.correct, r.count);
    if (spec.fn === 'binary_cross_entropy' && want.has('exact_match')) {
      const hit = g.op1('Cast', [g.op1('Equal', [g.op1('Greater', [p, g.constFloat(0.5)]), g.op1('Greater', [yv, g.constFloat(0.5)])])], { to: 1 });
      metrics.exact_match = exactMatch(ctx, hit, undefined, y.shape);
    }
  } else {
    throw new EngineError(`unknown loss '${spec.fn}' (use cross_entropy, binary_cross_entropy or mse)`);
  }
  return { loss, metrics };
}

/**
 * The mask of the target's padded steps. x's dimension has the graph's `mask`; another one (pairs: `tgt`,
 * where y is padded after `</s>`) gets its own input `mask/<dim>`, which the data gives as a batch tensor,
 * so padded target positions count in neither the loss nor the metrics.
 */
function targetMask(ctx: BuildCtx, y: TVal): string | undefined {
  const dim = y.names[1];
  if (ctx.mask && (ctx.maskDim === undefined || dim === ctx.maskDim)) return ctx.mask;
  if (dim === undefined) return undefined;
  const name = `mask/${dim}`;
  return ctx.g.has(name) ? name : ctx.g.input(name, 'float32', [y.shape[0], y.shape[1]]);
}

/** Two scalars as the [sum, count] pair the runtime's metric accumulator reads. */
function pair(ctx: BuildCtx, sum: string, count: string): string {
  const { g } = ctx;
  const one = g.constInt64([1]);
  return g.op1('Concat', [g.op1('Reshape', [sum, one]), g.op1('Reshape', [count, one])], { axis: 0 });
}

/** [correct, count] over real tokens. */
function sumCount(ctx: BuildCtx, hit: string, mask: string | undefined, shape: number[]): string {
  const { g } = ctx;
  const h = mask ? g.op1('Mul', [hit, mask]) : hit;
  const s = g.op1('ReduceSum', [h], { keepdims: 0 });
  const n = mask ? g.op1('ReduceSum', [mask], { keepdims: 0 }) : g.constFloat(prod(shape));
  return pair(ctx, s, n);
}

/** [rows whose every real token is right, rows]. */
function exactMatch(ctx: BuildCtx, hit: string, mask: string | undefined, shape: number[]): string {
  const { g } = ctx;
  if (shape.length < 2) return sumCount(ctx, hit, undefined, shape);
  // A padded token counts as right: hit*m + (1-m).
  const h = mask ? g.op1('Add', [g.op1('Mul', [hit, mask]), g.op1('Sub', [g.constFloat(1), mask])]) : hit;
  const rowOk = g.op1('ReduceMin', [h], { axes: shape.slice(1).map((_, i) => i + 1), keepdims: 0 });
  return sumCount(ctx, rowOk, undefined, [shape[0]]);
}

/** Gradients, clipping and the optimizer update; adds the step's outputs. */
export function addTraining(ctx: BuildCtx, loss: string, train: TrainSettings, slots: string[]): void {
  const { g } = ctx;
  const params = ctx.params.map((p) => ({ spec: p, value: `param/${p.name}` }));
  const direct = params.filter((p) => !ctx.hookedParams.has(p.value)).map((p) => p.value);
  const hookWrt = ctx.hooks.flatMap((h) => h.wrt);
  const raw = gradients(g, loss, [...direct, ...hookWrt]);
  const byValue: Record<string, string> = {};
  for (const v of direct) byValue[v] = raw[v];
  for (const h of ctx.hooks) Object.assign(byValue, h.finish(g, h.wrt.map((w) => raw[w])));
  let grads = params.map((p) => byValue[p.value] ?? g.constFloat(new Array(prod(p.spec.shape)).fill(0), p.spec.shape));
  let norm: string;
  if (train.clip !== undefined && train.clip > 0) {
    const c = clipGlobalNorm(g, grads, train.clip);
    grads = c.grads;
    norm = c.norm;
  } else {
    norm = globalNorm(g, grads);
  }
  g.output(g.alias(norm, 'grad_norm'));
  const lr = g.input('lr', 'float32', []);
  const step = g.input('step', 'float32', []);
  const items = params.map((p, i) => ({
    param: p.value,
    grad: grads[i],
    state: slots.map((s) => g.input(`opt/${p.spec.name}/${s}`, 'float32', p.spec.shape)),
  }));
  const { next, nextState } = applyOptimizer(g, { name: train.optimizer.name as OptimizerName, params: train.optimizer.params }, items, lr, step);
  params.forEach((p, i) => {
    g.output(g.alias(next[i], `param/${p.spec.name}:next`));
    slots.forEach((s, k) => g.output(g.alias(nextState[i][k], `opt/${p.spec.name}/${s}:next`)));
  });
}
