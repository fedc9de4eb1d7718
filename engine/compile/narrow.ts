// Keeps every node of a compiled graph within WebGPU's storage-buffer limit. A WebGPU shader binds each
// input and output of a node as a storage buffer; the WebGPU spec guarantees only 8 per shader stage
// (maxStorageBuffersPerShaderStage), and on the H200 test machine onnxruntime failed a per-step Split
// ("storage buffers 17 > 16"). So no node may have more than MAX_NODE_OPERANDS inputs + outputs (a
// constant size input counted too, to be safe). The only wide nodes the compiler makes are Concat and
// Split over time (per-step values, their gradients, the optimizer's norm over all parameters); each
// becomes a tree of narrower ones: the same values, a copy per extra level.
import type { GraphNode, Graph } from '../onnx/graph';
import { EngineError } from '../layers/types';

export const MAX_NODE_OPERANDS = 8;

/** Rewrites g's wide Concat and Split nodes in place, in topological order. Call it last, before toBytes. */
export function narrowGraph(g: Graph, max = MAX_NODE_OPERANDS): void {
  const out: GraphNode[] = [];
  for (const n of g.nodes) {
    if (n.domain === '' && n.type === 'Concat' && n.inputs.length + 1 > max) out.push(...concatTree(g, n, max));
    else if (n.domain === '' && n.type === 'Split' && n.outputs.length + 2 > max) out.push(...splitTree(g, n, max));
    else out.push(n);
  }
  g.nodes.splice(0, g.nodes.length, ...out);
}

/** Contiguous groups of at most `per` items, as even as possible. */
function groups<T>(xs: T[], per: number): T[][] {
  const k = Math.ceil(xs.length / per);
  const size = Math.ceil(xs.length / k);
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

function concatTree(g: Graph, n: GraphNode, max: number): GraphNode[] {
  const per = max - 1;
  if (n.inputs.length <= per) return [n];
  const nodes: GraphNode[] = [];
  const mids = groups(n.inputs, per).map((grp) => {
    if (grp.length === 1) return grp[0];
    const mid = g.fresh(`${n.name}__cat`);
    nodes.push(...concatTree(g, { ...n, inputs: grp, outputs: [mid], name: mid }, max));
    return mid;
  });
  return [...nodes, ...concatTree(g, { ...n, inputs: mids }, max)];
}

function splitSizes(g: Graph, n: GraphNode): { axis: number; sizes: number[] } {
  const dims = g.dimsOf(n.inputs[0]);
  const rank = dims?.length ?? 0;
  const a = typeof n.attrs.axis === 'number' ? n.attrs.axis : 0;
  const axis = a < 0 ? a + rank : a;
  let sizes: number[] | undefined;
  const attr = n.attrs.split;
  if (Array.isArray(attr)) sizes = attr;
  else if (attr && typeof attr === 'object' && 'ints' in attr) sizes = attr.ints;
  else if (n.inputs[1]) sizes = g.constInts(n.inputs[1]);
  else if (dims && typeof dims[axis] === 'number' && (dims[axis] as number) % n.outputs.length === 0) {
    sizes = n.outputs.map(() => (dims[axis] as number) / n.outputs.length);
  }
  if (!sizes) throw new EngineError(`internal: the Split '${n.name}' has ${n.outputs.length} outputs whose sizes are not known when the graph is built`);
  return { axis, sizes };
}

function splitTree(g: Graph, n: GraphNode, max: number): GraphNode[] {
  const { axis, sizes } = splitSizes(g, n);
  const build = (input: string, outs: string[], sz: number[], name: string): GraphNode[] => {
    const per = max - 2; // the input and the sizes
    if (outs.length <= per) {
      return [{ ...n, inputs: [input, g.constInt64(sz)], outputs: outs, attrs: { axis }, name }];
    }
    const idx = groups(outs.map((_, i) => i), per);
    const mids = idx.map((grp) => (grp.length === 1 ? outs[grp[0]] : g.fresh(`${n.name}__part`)));
    const top = build(input, mids, idx.map((grp) => grp.reduce((s, i) => s + sz[i], 0)), `${name}__top`);
    const parts = idx.flatMap((grp, k) => (grp.length === 1 ? [] : build(mids[k], grp.map((i) => outs[i]), grp.map((i) => sz[i]), mids[k])));
    return [...top, ...parts];
  };
  return build(n.inputs[0], n.outputs, sizes, n.name);
}
