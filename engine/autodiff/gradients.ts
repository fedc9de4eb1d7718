// Reverse-mode autodiff over a Graph: appends the backward pass of a scalar loss as plain ONNX ops.
import type { Attr, Dim, Graph } from '../onnx/graph';
import { RULES } from './rules/index';
import type { Contribution, GradContext } from './types';
import { numericDims, sameDims, unbroadcast, zeros } from './util';

export { RULES };

/**
 * Appends the gradient of `loss` with respect to each value in `wrt` and returns their value names.
 * Only nodes that lie between a `wrt` value and the loss are differentiated; a `wrt` value the loss does not
 * depend on gets zeros.
 */
export function gradients(g: Graph, loss: string, wrt: string[]): Record<string, string> {
  if (!g.has(loss)) throw new Error(`gradients: unknown loss value '${loss}'`);
  for (const w of wrt) {
    if (!g.has(w)) throw new Error(`gradients: unknown value '${w}'`);
    if (g.dtypeOf(w) !== 'float32') throw new Error(`gradients: '${w}' is ${g.dtypeOf(w)}, not a float tensor`);
  }
  const forward = g.nodes.slice();
  // values that depend on some wrt value through float outputs
  const dep = new Set<string>(wrt);
  for (const n of forward) {
    if (n.inputs.some((i) => dep.has(i))) for (const o of n.outputs) if (g.dtypeOf(o) === 'float32') dep.add(o);
  }
  // values the loss depends on
  const need = new Set<string>([loss]);
  for (let i = forward.length - 1; i >= 0; i--) {
    const n = forward[i];
    if (n.outputs.some((o) => need.has(o))) for (const x of n.inputs) if (x !== '') need.add(x);
  }
  const contributions = new Map<string, Contribution[]>();
  const totals = new Map<string, string | undefined>();
  const cache = new Map<string, string>();
  const add = (v: string, c: Contribution) => {
    const list = contributions.get(v);
    if (list) list.push(c);
    else contributions.set(v, [c]);
  };
  const total = (v: string): string | undefined => {
    if (totals.has(v)) return totals.get(v);
    const t = accumulate(g, contributions.get(v) ?? [], v);
    totals.set(v, t);
    return t;
  };

  const lossDims = numericDims(g.dimsOf(loss) ?? [], 'loss');
  const n = lossDims.reduce((a, b) => a * b, 1);
  add(loss, g.constFloat(new Array<number>(n).fill(1), lossDims));

  const dims = (v: string): Dim[] => {
    const d = g.dimsOf(v);
    if (!d) throw new Error(`gradients: the shape of '${v}' is not known statically`);
    return d;
  };
  for (let i = forward.length - 1; i >= 0; i--) {
    const node = forward[i];
    if (!node.outputs.some((o) => dep.has(o) && need.has(o))) continue;
    const dy = node.outputs.map((o) => (dep.has(o) ? total(o) : undefined));
    if (dy.every((d) => d === undefined)) continue;
    const rule = RULES[node.type];
    if (!rule) {
      throw new Error(`gradients: no gradient rule for ${node.type} (node '${node.name}'); add engine/autodiff/rules/${node.type}.ts`);
    }
    const needs = node.inputs.map((x) => x !== '' && dep.has(x));
    const ctx: GradContext = {
      g,
      node,
      x: node.inputs,
      y: node.outputs,
      dy,
      needs,
      dims,
      shape: (v) => numericDims(dims(v), `gradient of ${node.type} '${node.name}'`),
      cached: (type, inputs, attrs = {}) => {
        const key = `${type}|${inputs.join(',')}|${JSON.stringify(attrs)}`;
        let v = cache.get(key);
        if (!v) {
          v = g.op1(type, inputs, attrs as Record<string, Attr>);
          cache.set(key, v);
        }
        return v;
      },
    };
    let out: (Contribution | undefined)[];
    try {
      out = rule(ctx);
    } catch (e) {
      throw new Error(`gradient of ${node.type} '${node.name}': ${(e as Error).message}`);
    }
    out.forEach((c, k) => {
      if (c !== undefined && needs[k]) add(node.inputs[k], c);
    });
  }
  const result: Record<string, string> = {};
  for (const w of wrt) result[w] = total(w) ?? zeros(g, dims(w));
  return result;
}

/** Sums the contributions to one value with as few nodes as possible. */
function accumulate(g: Graph, list: Contribution[], target: string): string | undefined {
  if (list.length === 0) return undefined;
  const plain: string[] = [];
  const unb = new Map<string, { from: Dim[]; to: Dim[]; terms: string[] }>();
  const mm = new Map<boolean, { a: string; dy: string }[]>();
  for (const c of list) {
    if (typeof c === 'string') plain.push(c);
    else if ('unbroadcast' in c) {
      const from = g.dimsOf(c.unbroadcast);
      if (!from) throw new Error(`gradients: unknown shape of '${c.unbroadcast}'`);
      const key = from.join(',');
      const e = unb.get(key);
      if (e) e.terms.push(c.unbroadcast);
      else unb.set(key, { from, to: c.to, terms: [c.unbroadcast] });
    } else {
      const t = c.matmulWeight.transposed === true;
      const e = mm.get(t);
      if (e) e.push(c.matmulWeight);
      else mm.set(t, [c.matmulWeight]);
    }
  }
  for (const { from, to, terms } of unb.values()) {
    if (terms.length > 3 && from.length > 0) {
      // many uses of one broadcast value (a bias at every step): stack them and reduce once
      const stacked = g.op1('Reshape', [g.op1('Concat', terms, { axis: 0 }), g.constInt64(numericDims([terms.length, ...from], 'gradient sum'))]);
      plain.push(unbroadcast(g, stacked, [terms.length, ...from], to));
    } else {
      plain.push(unbroadcast(g, sumOf(g, terms), from, to));
    }
  }
  for (const [transposed, items] of mm) {
    const flat = (v: string): string => {
      const known = g.dimsOf(v);
      if (!known) throw new Error(`gradients: the shape of '${v}' is not known statically`);
      const d = numericDims(known, `weight gradient of '${target}'`);
      if (d.length === 2) return v;
      const rows = d.slice(0, -1).reduce((a, b) => a * b, 1);
      return g.op1('Reshape', [v, g.constInt64([rows, d[d.length - 1]])]);
    };
    const as = items.map((i) => flat(i.a));
    const ds = items.map((i) => flat(i.dy));
    const A = as.length === 1 ? as[0] : g.op1('Concat', as, { axis: 0 });
    const D = ds.length === 1 ? ds[0] : g.op1('Concat', ds, { axis: 0 });
    plain.push(transposed ? g.op1('Gemm', [D, A], { transA: 1 }) : g.op1('Gemm', [A, D], { transA: 1 }));
  }
  const out = sumOf(g, plain);
  const want = g.dimsOf(target);
  const got = g.dimsOf(out);
  if (want && got && !sameDims(want, got)) {
    throw new Error(`gradients: gradient of '${target}' has shape [${got}] but the value has [${want}]`);
  }
  return out;
}

/**
 * Sums same-shaped terms with ops that have WebGPU kernels (ONNX Sum has none in onnxruntime's WebGPU
 * provider): a chain of Adds for a few terms, else Concat + Reshape + ReduceSum (3 nodes for any count).
 */
export function sumOf(g: Graph, terms: string[]): string {
  if (terms.length === 1) return terms[0];
  const dims = terms.map((t) => g.shapeOf(t));
  const same = dims.every((d) => d && dims[0] && d.length === dims[0].length && d.every((x, i) => x === dims[0]![i]));
  if (terms.length <= 3 || !same || dims[0]!.length === 0) {
    let acc = terms[0];
    for (const t of terms.slice(1)) acc = g.op1('Add', [acc, t]);
    return acc;
  }
  const d = dims[0]!;
  const cat = g.op1('Concat', terms, { axis: 0 });
  const stacked = g.op1('Reshape', [cat, g.constInt64([terms.length, ...d])]);
  return g.op1('ReduceSum', [stacked, g.constInt64([0])], { keepdims: 0 });
}

