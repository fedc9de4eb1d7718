// ONNX graph builder: the one place the engine writes ONNX. Values are named strings; the builder tracks
// every value's dtype and (static) shape so gradient rules and layers can read them without running anything.
import protobuf from 'protobufjs';
import { ONNX_PROTO } from './onnxProto';

export type DType = 'float32' | 'int64' | 'int32' | 'bool';
export type Attr =
  | number
  | number[]
  | string
  | Float32Array
  | { tensor: TensorValue }
  | { ints: number[] }
  | { floats: number[] }
  | { strings: string[] } // added: LSTM/GRU/RNN `activations`
  | { float: number }; // added: a float attribute whose value happens to be an integer
export interface TensorValue {
  dtype: DType;
  dims: number[];
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
}

/** A dimension the builder knows: a size, a symbolic name from a graph input, or '?' when it cannot tell. */
export type Dim = number | string;

export interface GraphNode {
  type: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
  name: string;
  domain: string;
}

interface ValueInfo {
  dtype: DType;
  dims?: Dim[];
}

export const ONNX_DTYPE: Record<DType, number> = { float32: 1, int32: 6, int64: 7, bool: 9 };
const DTYPE_OF_CODE: Record<number, DType> = { 1: 'float32', 6: 'int32', 7: 'int64', 9: 'bool' };

/** ONNX `to` code for Cast, e.g. g.op1('Cast', [x], { to: onnxDType('float32') }). */
export function onnxDType(d: DType): number {
  return ONNX_DTYPE[d];
}

// Attribute names ONNX defines as FLOAT / FLOATS: a JS number cannot say so itself (1 vs 1.0).
const FLOAT_ATTRS = new Set([
  'alpha', 'beta', 'gamma', 'epsilon', 'momentum', 'ratio', 'clip', 'lambd', 'bias', 'value_float',
  'mean', 'scale', 'low', 'high', 'threshold', 'spatial_scale', 'activation_alpha', 'activation_beta',
  'value_floats', 'scales', 'max', 'min', 'extrapolation_value', 'cubic_coeff_a',
]);

const UNARY_SAME = new Set([
  'Identity', 'Neg', 'Abs', 'Tanh', 'Sigmoid', 'Relu', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Sign', 'Floor', 'Ceil',
  'Round', 'Erf', 'Softmax', 'LogSoftmax', 'Clip', 'LeakyRelu', 'Elu', 'Selu', 'HardSigmoid', 'Softplus',
  'Softsign', 'Sin', 'Cos', 'CumSum', 'Trilu', 'Not', 'IsNaN', 'IsInf', 'LayerNormalization', 'ScatterND',
  'ScatterElements', 'Hardmax', 'Gelu', 'Cast', 'CastLike', 'Mish', 'HardSwish',
]);
const BROADCAST = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Equal', 'Less', 'Greater', 'LessOrEqual',
  'GreaterOrEqual', 'And', 'Or', 'Xor', 'Where', 'PRelu', 'Mod', 'BitShift',
]);
const BOOL_OUT = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'Not', 'IsNaN', 'IsInf']);
const INT64_OUT = new Set(['Shape', 'Size', 'ArgMax', 'ArgMin', 'NonZero']);
const REDUCE = new Set(['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceLogSumExp', 'ReduceL1', 'ReduceL2', 'ReduceSumSquare', 'ReduceLogSum']);

/** The IR version ONNX's release table pairs with an opset (onnx/docs/Versioning.md): IR 8 up to opset 18
 *  (onnx 1.10-1.13), IR 9 for 19-20, IR 10 from 21. A newer IR than the opset's makes older checkers refuse
 *  the file (Debian's onnx 1.12 knows IR 8 at most). */
export function irVersionFor(opset: number): number {
  return opset <= 18 ? 8 : opset <= 20 ? 9 : 10;
}

let cachedModelType: protobuf.Type | undefined;
function modelType(): protobuf.Type {
  if (!cachedModelType) cachedModelType = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return cachedModelType;
}

function isNum(d: Dim | undefined): d is number {
  return typeof d === 'number';
}

function broadcastDims(a: Dim[] | undefined, b: Dim[] | undefined): Dim[] | undefined {
  if (!a || !b) return undefined;
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const x = i < n - a.length ? 1 : a[i - (n - a.length)];
    const y = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (x === y) out.push(x);
    else if (isNum(x) && isNum(y)) throw new Error(`cannot broadcast shapes [${a}] and [${b}]`);
    else out.push(isNum(x) ? x : isNum(y) ? y : x);
  }
  return out;
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

export class Graph {
  readonly name: string;
  readonly nodes: GraphNode[] = [];
  readonly inputs: { name: string; dtype: DType; shape: Dim[] }[] = [];
  readonly outputs: { name: string; dtype: DType; shape?: Dim[] }[] = [];
  readonly initializers = new Map<string, TensorValue>();
  private readonly values = new Map<string, ValueInfo>();
  private readonly constCache = new Map<string, string>();
  private readonly producer = new Map<string, GraphNode>();
  private readonly constNodes = new Map<string, TensorValue>(); // outputs of Constant nodes
  private counter = 0;

  constructor(name = 'unroll') {
    this.name = name;
  }

  // ---- declaring values -------------------------------------------------------------------------

  input(name: string, dtype: DType, shape: (number | string)[]): string {
    this.claim(name);
    this.inputs.push({ name, dtype, shape: [...shape] });
    this.values.set(name, { dtype, dims: [...shape] });
    return name;
  }

  initializer(name: string, t: TensorValue): string {
    this.claim(name);
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new Error(`initializer ${name}: ${t.data.length} values for dims [${t.dims}]`);
    this.initializers.set(name, t);
    this.values.set(name, { dtype: t.dtype, dims: [...t.dims] });
    return name;
  }

  constFloat(values: number | number[], dims?: number[]): string {
    const arr = typeof values === 'number' ? [values] : values;
    const d = dims ?? (typeof values === 'number' ? [] : [arr.length]);
    return this.constTensor({ dtype: 'float32', dims: d, data: Float32Array.from(arr) });
  }

  constInt64(values: number | number[], dims?: number[]): string {
    const arr = typeof values === 'number' ? [values] : values;
    const d = dims ?? (typeof values === 'number' ? [] : [arr.length]);
    return this.constTensor({ dtype: 'int64', dims: d, data: BigInt64Array.from(arr.map((v) => BigInt(v))) });
  }

  /** Added: a deduplicated constant of any dtype (same dtype, dims and bytes -> same value name). */
  constTensor(t: TensorValue): string {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const key = `${t.dtype}|${t.dims.join(',')}|${Buffer.from(bytes).toString('base64')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.fresh('const');
    this.initializer(name, { dtype: t.dtype, dims: [...t.dims], data: t.data.slice() as TensorValue['data'] });
    this.constCache.set(key, name);
    return name;
  }

  // ---- nodes --------------------------------------------------------------------------------------

  /**
   * Appends a node. opts.name, when given, becomes the output value's name (single output) or the prefix
   * of the output names (`<name>_0`, ...), so callers can name graph outputs; otherwise names are generated.
   */
  op(type: string, inputs: string[], attrs: Record<string, Attr> = {}, opts: { outputs?: number; name?: string; domain?: string } = {}): string[] {
    for (const i of inputs) {
      if (i !== '' && !this.values.has(i)) throw new Error(`${type}: unknown input value '${i}'`);
    }
    const count = opts.outputs ?? 1;
    const outputs: string[] = [];
    for (let k = 0; k < count; k++) {
      let name: string;
      if (opts.name !== undefined) name = count === 1 ? opts.name : `${opts.name}_${k}`;
      else name = this.fresh(type.toLowerCase());
      this.claim(name);
      outputs.push(name);
    }
    // the first output's name is unique in the graph, so it also names the node
    const node: GraphNode = { type, inputs: [...inputs], outputs, attrs: { ...attrs }, name: outputs[0], domain: opts.domain ?? '' };
    let infos: ValueInfo[];
    try {
      infos = this.infer(node);
    } catch (e) {
      throw new Error(`${type} (${inputs.join(', ')}): ${(e as Error).message}`);
    }
    outputs.forEach((o, k) => {
      this.values.set(o, infos[k] ?? { dtype: 'float32' });
      this.producer.set(o, node);
    });
    if (type === 'Constant' && node.attrs.value && typeof node.attrs.value === 'object' && 'tensor' in node.attrs.value) {
      this.constNodes.set(outputs[0], node.attrs.value.tensor);
    }
    this.nodes.push(node);
    return outputs;
  }

  op1(type: string, inputs: string[], attrs?: Record<string, Attr>): string {
    return this.op(type, inputs, attrs)[0];
  }

  /** Added: an Identity whose output carries exactly `name` (e.g. 'loss', 'param/w:next'). */
  alias(value: string, name: string): string {
    return this.op('Identity', [value], {}, { name })[0];
  }

  output(name: string, dtype?: DType, shape?: (number | string)[]): void {
    const info = this.values.get(name);
    if (!info) throw new Error(`output: unknown value '${name}'`);
    if (this.outputs.some((o) => o.name === name)) return;
    this.outputs.push({ name, dtype: dtype ?? info.dtype, shape: shape ? [...shape] : info.dims });
  }

  // ---- what the builder knows ---------------------------------------------------------------------

  shapeOf(name: string): number[] | undefined {
    const d = this.values.get(name)?.dims;
    if (!d || !d.every(isNum)) return undefined;
    return d as number[];
  }

  /** Added: the dims with symbolic names ('batch') or '?' where a size is not known statically. */
  dimsOf(name: string): Dim[] | undefined {
    return this.values.get(name)?.dims;
  }

  /** Added. */
  dtypeOf(name: string): DType {
    const v = this.values.get(name);
    if (!v) throw new Error(`unknown value '${name}'`);
    return v.dtype;
  }

  /** Added. */
  has(name: string): boolean {
    return this.values.has(name);
  }

  /** Added: the node that produced a value (undefined for inputs and initializers). */
  producerOf(name: string): GraphNode | undefined {
    return this.producer.get(name);
  }

  /** Added: a constant's value when it is an initializer or a Constant node's output. */
  constValue(name: string): TensorValue | undefined {
    return this.initializers.get(name) ?? this.constNodes.get(name);
  }

  /** Added: a constant int64/int32 tensor as plain numbers. */
  constInts(name: string): number[] | undefined {
    const t = this.constValue(name);
    if (!t || (t.dtype !== 'int64' && t.dtype !== 'int32')) return undefined;
    return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
  }

  /** Added: a fresh value name with this prefix (for callers that build names themselves). */
  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.values.has(name));
    return name;
  }

  // ---- serialization ------------------------------------------------------------------------------

  /**
   * ONNX ModelProto bytes. Nodes and initializers that no graph output depends on are left out; with
   * `pruneInputs`, so are graph inputs that nothing reads (an exported model asks only for what it uses).
   */
  toBytes(opset = 17, opts: { pruneInputs?: boolean; metadata?: Record<string, string>; docs?: Record<string, string>; docString?: string } = {}): Uint8Array {
    if (this.outputs.length === 0) throw new Error('graph has no outputs');
    const keep = this.liveNodes().nodes;
    const domains = new Set(keep.map((n) => n.domain).filter((d) => d !== ''));
    const irVersion = irVersionFor(opset);
    const extra = new Map<string, TensorValue>(); // initializers added while lowering to the opset
    const nodes = keep.flatMap((n) => narrowWide(n, extra, this)).map((n) => ({ n, ...lowerForOpset(n, opset, extra) }));
    // initializers that a written node reads (narrowing can replace a node's size input)
    const read = new Set<string>(this.outputs.map((o) => o.name));
    for (const { inputs } of nodes) for (const x of inputs) read.add(x);
    const model = {
      ir_version: irVersion,
      producer_name: 'unroll',
      ...(opts.docString ? { doc_string: opts.docString } : {}),
      metadata_props: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
      opset_import: [{ domain: '', version: opset }, ...[...domains].map((d) => ({ domain: d, version: 1 }))],
      graph: {
        name: this.name,
        node: nodes.map(({ n, inputs, attrs }) => ({
          input: inputs,
          output: n.outputs,
          name: n.name,
          op_type: n.type,
          domain: n.domain,
          attribute: Object.entries(attrs).map(([k, v]) => encodeAttr(k, v)),
        })),
        initializer: [
          ...[...this.initializers].filter(([k]) => read.has(k)).map(([k, t]) => encodeTensor(k, t)),
          ...[...extra].filter(([k]) => read.has(k)).map(([k, t]) => encodeTensor(k, t)),
        ],
        input: this.inputs.filter((i) => !opts.pruneInputs || read.has(i.name)).map((i) => valueInfo(i.name, i.dtype, i.shape, opts.docs?.[i.name])),
        output: this.outputs.map((o) => valueInfo(o.name, o.dtype, o.shape, opts.docs?.[o.name])),
      },
    };
    const T = modelType();
    const err = T.verify(model);
    if (err) throw new Error(`ONNX model does not verify: ${err}`);
    return T.encode(T.fromObject(model)).finish();
  }

  /** Graph inputs some output depends on (what toBytes keeps with pruneInputs), in declaration order. */
  liveInputNames(): string[] {
    const { values } = this.liveNodes();
    return this.inputs.map((i) => i.name).filter((n) => values.has(n));
  }

  /** Added: node count after pruning to the outputs (what runtime cost scales with). */
  liveNodeCount(): number {
    return this.liveNodes().nodes.length;
  }

  /** The nodes some output depends on, in graph order, and every value they read or write. */
  private liveNodes(): { nodes: GraphNode[]; values: Set<string> } {
    const values = new Set<string>(this.outputs.map((o) => o.name));
    const nodes: GraphNode[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i];
      if (!n.outputs.some((o) => values.has(o))) continue;
      nodes.push(n);
      for (const x of n.inputs) if (x !== '') values.add(x);
    }
    return { nodes: nodes.reverse(), values };
  }

  // ---- internals ----------------------------------------------------------------------------------

  private claim(name: string): void {
    if (name === '') throw new Error('empty value name');
    if (this.values.has(name)) throw new Error(`value name '${name}' is already used in graph ${this.name}`);
  }

  private dims(name: string): Dim[] | undefined {
    return name === '' ? undefined : this.values.get(name)?.dims;
  }

  private axesOf(node: GraphNode, inputIndex: number): number[] | undefined {
    const a = node.attrs.axes;
    if (a !== undefined) return attrInts(a);
    const src = node.inputs[inputIndex];
    if (src === undefined || src === '') return undefined;
    return this.constInts(src) ?? undefined;
  }

  private infer(node: GraphNode): ValueInfo[] {
    const { type, inputs, attrs } = node;
    const in0 = inputs[0] !== undefined ? this.values.get(inputs[0]) : undefined;
    let dtype: DType = in0?.dtype ?? 'float32';
    if (BOOL_OUT.has(type)) dtype = 'bool';
    else if (INT64_OUT.has(type)) dtype = 'int64';
    else if (type === 'Where') dtype = this.values.get(inputs[1])!.dtype;
    else if (type === 'Cast') dtype = DTYPE_OF_CODE[attrNum(attrs.to)] ?? 'float32';
    else if (type === 'CastLike') dtype = this.values.get(inputs[1])!.dtype;
    else if (type === 'Constant' || type === 'ConstantOfShape') {
      const v = attrs.value;
      dtype = v && typeof v === 'object' && 'tensor' in v ? v.tensor.dtype : 'float32';
    } else if (type === 'OneHot') dtype = this.values.get(inputs[2])!.dtype;
    const d0 = this.dims(inputs[0] ?? '');
    const one = (dims: Dim[] | undefined): ValueInfo[] => [{ dtype, dims }];

    if (UNARY_SAME.has(type)) return one(d0 && [...d0]);
    if (BROADCAST.has(type)) {
      let d: Dim[] | undefined = d0;
      for (const i of inputs.slice(1)) d = broadcastDims(d, this.dims(i));
      return one(d);
    }
    if (REDUCE.has(type)) {
      if (!d0) return one(undefined);
      const keep = attrs.keepdims === undefined ? 1 : attrNum(attrs.keepdims);
      let axes = this.axesOf(node, 1);
      const explicitAxes = attrs.axes !== undefined || (inputs[1] !== undefined && inputs[1] !== '');
      if (explicitAxes && axes === undefined) return one(undefined); // axes from a runtime value
      if (!axes || axes.length === 0) {
        if (attrs.noop_with_empty_axes !== undefined && attrNum(attrs.noop_with_empty_axes) === 1) return one([...d0]);
        axes = d0.map((_, i) => i);
      }
      const set = new Set(axes.map((a) => normAxis(a, d0.length)));
      const out: Dim[] = [];
      d0.forEach((d, i) => {
        if (!set.has(i)) out.push(d);
        else if (keep) out.push(1);
      });
      return one(out);
    }
    switch (type) {
      case 'MatMul': {
        const a = d0, b = this.dims(inputs[1]);
        if (!a || !b) return one(undefined);
        const a2 = a.length === 1 ? [1, a[0]] : a;
        const b2 = b.length === 1 ? [b[0], 1] : b;
        const batch = broadcastDims(a2.slice(0, -2), b2.slice(0, -2))!;
        const k1 = a2[a2.length - 1], k2 = b2[b2.length - 2];
        if (isNum(k1) && isNum(k2) && k1 !== k2) throw new Error(`MatMul inner sizes differ: [${a}] x [${b}]`);
        const out = [...batch, a2[a2.length - 2], b2[b2.length - 1]];
        if (a.length === 1) out.splice(out.length - 2, 1);
        if (b.length === 1) out.splice(out.length - 1, 1);
        return one(out);
      }
      case 'Gemm': {
        const a = d0, b = this.dims(inputs[1]);
        if (!a || !b) return one(undefined);
        const ta = attrs.transA ? attrNum(attrs.transA) : 0, tb = attrs.transB ? attrNum(attrs.transB) : 0;
        return one([ta ? a[1] : a[0], tb ? b[0] : b[1]]);
      }
      case 'Concat': {
        const all = inputs.map((i) => this.dims(i));
        if (all.some((d) => !d)) return one(undefined);
        const ds = all as Dim[][];
        const ax = normAxis(attrNum(attrs.axis), ds[0].length);
        const out = [...ds[0]];
        out[ax] = ds.every((d) => isNum(d[ax])) ? ds.reduce((s, d) => s + (d[ax] as number), 0) : '?';
        return one(out);
      }
      case 'Split': {
        const count = node.outputs.length;
        if (!d0) return node.outputs.map(() => ({ dtype }));
        const ax = normAxis(attrs.axis === undefined ? 0 : attrNum(attrs.axis), d0.length);
        let sizes: number[] | undefined = attrs.split !== undefined ? attrInts(attrs.split) : inputs[1] ? this.constInts(inputs[1]) : undefined;
        if (!sizes && isNum(d0[ax])) {
          const n = d0[ax] as number;
          const chunk = Math.ceil(n / count);
          sizes = Array.from({ length: count }, (_, k) => Math.max(0, Math.min(chunk, n - k * chunk)));
        }
        return node.outputs.map((_, k) => {
          const d = [...d0];
          d[ax] = sizes ? sizes[k] : '?';
          return { dtype, dims: d };
        });
      }
      case 'Slice': {
        if (!d0) return one(undefined);
        const starts = this.constInts(inputs[1]), ends = this.constInts(inputs[2]);
        const axes = inputs[3] ? this.constInts(inputs[3]) : starts?.map((_, i) => i);
        const steps = inputs[4] ? this.constInts(inputs[4]) : starts?.map(() => 1);
        if (!starts || !ends || !axes || !steps) return one(d0.map(() => '?'));
        const out = [...d0];
        axes.forEach((a, i) => {
          const ax = normAxis(a, d0.length);
          const n = d0[ax];
          if (!isNum(n)) {
            out[ax] = '?';
            return;
          }
          out[ax] = sliceLen(n, starts[i], ends[i], steps[i]);
        });
        return one(out);
      }
      case 'Gather': {
        const idx = this.dims(inputs[1]);
        if (!d0 || !idx) return one(undefined);
        const ax = normAxis(attrs.axis === undefined ? 0 : attrNum(attrs.axis), d0.length);
        return one([...d0.slice(0, ax), ...idx, ...d0.slice(ax + 1)]);
      }
      case 'GatherElements':
        return one(this.dims(inputs[1]) && [...this.dims(inputs[1])!]);
      case 'GatherND': {
        const idx = this.dims(inputs[1]);
        const bd = attrs.batch_dims ? attrNum(attrs.batch_dims) : 0;
        if (!d0 || !idx || !isNum(idx[idx.length - 1])) return one(undefined);
        return one([...idx.slice(0, -1), ...d0.slice(bd + (idx[idx.length - 1] as number))]);
      }
      case 'Reshape': {
        const shape = this.constInts(inputs[1]);
        if (!shape) return one(undefined);
        const out: Dim[] = shape.map((s, i) => (s === 0 && !(attrs.allowzero && attrNum(attrs.allowzero)) ? (d0 ? d0[i] : '?') : s));
        const neg = out.indexOf(-1);
        if (neg >= 0) {
          const total = d0 && d0.every(isNum) ? (d0 as number[]).reduce((a, b) => a * b, 1) : undefined;
          const rest = out.filter((_, i) => i !== neg);
          out[neg] = total !== undefined && rest.every(isNum) ? total / (rest as number[]).reduce((a, b) => a * b, 1) : '?';
        }
        return one(out);
      }
      case 'Flatten': {
        if (!d0) return one(undefined);
        const ax = normAxis(attrs.axis === undefined ? 1 : attrNum(attrs.axis), d0.length);
        const prod = (ds: Dim[]): Dim => (ds.every(isNum) ? (ds as number[]).reduce((a, b) => a * b, 1) : '?');
        return one([prod(d0.slice(0, ax)), prod(d0.slice(ax))]);
      }
      case 'Transpose': {
        if (!d0) return one(undefined);
        const perm = attrs.perm !== undefined ? attrInts(attrs.perm) : d0.map((_, i) => d0.length - 1 - i);
        return one(perm.map((p) => d0[p]));
      }
      case 'Squeeze': {
        if (!d0) return one(undefined);
        const axes = this.axesOf(node, 1);
        if (!axes) return one(d0.every(isNum) ? d0.filter((d) => d !== 1) : undefined);
        const set = new Set(axes.map((a) => normAxis(a, d0.length)));
        return one(d0.filter((_, i) => !set.has(i)));
      }
      case 'Unsqueeze': {
        if (!d0) return one(undefined);
        const axes = this.axesOf(node, 1);
        if (!axes) return one(undefined);
        const rank = d0.length + axes.length;
        const set = new Set(axes.map((a) => normAxis(a, rank)));
        const out: Dim[] = [];
        let j = 0;
        for (let i = 0; i < rank; i++) out.push(set.has(i) ? 1 : d0[j++]);
        return one(out);
      }
      case 'Expand': {
        const shape = this.constInts(inputs[1]);
        return one(shape ? broadcastDims(d0, shape) : undefined);
      }
      case 'Pad': {
        const pads = this.constInts(inputs[1]);
        if (!d0 || !pads) return one(undefined);
        const axes = inputs[3] ? this.constInts(inputs[3]) : d0.map((_, i) => i);
        if (!axes) return one(undefined);
        const out = [...d0];
        axes.forEach((a0, i) => {
          const a = normAxis(a0, d0.length);
          const d = out[a];
          out[a] = isNum(d) ? d + pads[i] + pads[i + axes.length] : '?';
        });
        return one(out);
      }
      case 'Range': {
        // [ceil((limit - start) / delta)], known only when all three are constants
        const [a, b, c] = [1, 2, 3].map((k) => this.constInts(inputs[k - 1])?.[0]);
        const dt = this.values.get(inputs[0])?.dtype ?? 'int64';
        return [{ dtype: dt, dims: [a !== undefined && b !== undefined && c ? Math.max(0, Math.ceil((b - a) / c)) : '?'] }];
      }
      case 'Tile': {
        const reps = this.constInts(inputs[1]);
        if (!d0 || !reps) return one(undefined);
        return one(d0.map((d, i) => (isNum(d) ? d * reps[i] : '?')));
      }
      case 'ArgMax':
      case 'ArgMin': {
        if (!d0) return one(undefined);
        const ax = normAxis(attrs.axis === undefined ? 0 : attrNum(attrs.axis), d0.length);
        const keep = attrs.keepdims === undefined ? 1 : attrNum(attrs.keepdims);
        const out = [...d0];
        if (keep) out[ax] = 1;
        else out.splice(ax, 1);
        return one(out);
      }
      case 'Shape':
        return one(d0 ? [d0.length] : undefined);
      case 'Size':
        return one([]);
      case 'ConstantOfShape': {
        const s = this.constInts(inputs[0]);
        return one(s);
      }
      case 'Constant': {
        const v = attrs.value;
        return one(v && typeof v === 'object' && 'tensor' in v ? [...v.tensor.dims] : undefined);
      }
      case 'OneHot': {
        const depth = this.constValue(inputs[1]);
        if (!d0 || !depth) return one(undefined);
        const dv = Number(depth.data[0]);
        const ax = attrs.axis === undefined ? -1 : attrNum(attrs.axis);
        const out = [...d0];
        out.splice(ax < 0 ? out.length + 1 + ax : ax, 0, dv);
        return one(out);
      }
      case 'Dropout':
        return ([{ dtype, dims: d0 && [...d0] }, { dtype: 'bool', dims: d0 && [...d0] }] as ValueInfo[]).slice(0, node.outputs.length);
      case 'LSTM':
      case 'GRU':
      case 'RNN': {
        const hidden = attrNum(attrs.hidden_size);
        const dirs = attrs.direction === 'bidirectional' ? 2 : 1;
        const layout = attrs.layout ? attrNum(attrs.layout) : 0;
        if (!d0) return node.outputs.map(() => ({ dtype }));
        const [T, B] = layout ? [d0[1], d0[0]] : [d0[0], d0[1]];
        const y: Dim[] = layout ? [B, T, dirs, hidden] : [T, dirs, B, hidden];
        const h: Dim[] = layout ? [B, dirs, hidden] : [dirs, B, hidden];
        return [{ dtype, dims: y }, { dtype, dims: h }, { dtype, dims: [...h] }].slice(0, node.outputs.length);
      }
      default:
        return node.outputs.map(() => ({ dtype }));
    }
  }
}

/**
 * WebGPU shaders bind at most 16 storage buffers, so onnxruntime's WebGPU Concat and Split fail beyond 15
 * inputs or outputs ("Too many storage buffers in shader"). Wider ones (a Concat or Split over 100 time steps)
 * are written as a two-level tree of narrower ones: the same values, a few more nodes.
 */
export const MAX_OPERANDS = 15;

interface ShapeSource { dimsOf(v: string): Dim[] | undefined; constInts(v: string): number[] | undefined }

function narrowWide(n: GraphNode, extra: Map<string, TensorValue>, src: ShapeSource): GraphNode[] {
  if (n.domain !== '') return [n];
  if (n.type === 'Concat' && n.inputs.length > MAX_OPERANDS) {
    const groups = chunk(n.inputs, Math.ceil(n.inputs.length / Math.ceil(n.inputs.length / MAX_OPERANDS)));
    const mids = groups.map((grp, k) => (grp.length === 1 ? grp[0] : `${n.name}__cat${k}`));
    const parts = groups.flatMap((grp, k) => (grp.length === 1 ? [] : narrowWide({ ...n, inputs: grp, outputs: [mids[k]], name: mids[k] }, extra, src)));
    return [...parts, ...narrowWide({ ...n, inputs: mids }, extra, src)];
  }
  if (n.type === 'Split' && n.outputs.length > MAX_OPERANDS) {
    const d = src.dimsOf(n.inputs[0]);
    const rank = d?.length ?? 0;
    const axisAttr = n.attrs.axis === undefined ? 0 : attrNum(n.attrs.axis);
    const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
    let sizes: number[] | undefined;
    if (n.attrs.split !== undefined) sizes = attrInts(n.attrs.split);
    else if (n.inputs[1]) sizes = src.constInts(n.inputs[1]);
    else if (d && typeof d[axis] === 'number' && (d[axis] as number) % n.outputs.length === 0) {
      sizes = n.outputs.map(() => (d[axis] as number) / n.outputs.length);
    }
    if (!sizes) return [n]; // sizes unknown here: leave it (fine on the CPU)
    const per = Math.ceil(n.outputs.length / Math.ceil(n.outputs.length / MAX_OPERANDS));
    const outGroups = chunk(n.outputs, per);
    const sizeGroups = chunk(sizes, per);
    const mids = outGroups.map((grp, k) => (grp.length === 1 ? grp[0] : `${n.name}__part${k}`));
    const topSizes = `${n.name}__sizes`;
    extra.set(topSizes, { dtype: 'int64', dims: [mids.length], data: BigInt64Array.from(sizeGroups.map((g) => BigInt(g.reduce((a, b) => a + b, 0)))) });
    const top: GraphNode = { ...n, inputs: [n.inputs[0], topSizes], outputs: mids, attrs: { axis }, name: `${n.name}__top` };
    const parts = outGroups.flatMap((grp, k) => {
      if (grp.length === 1) return [];
      const sz = `${mids[k]}__sizes`;
      extra.set(sz, { dtype: 'int64', dims: [grp.length], data: BigInt64Array.from(sizeGroups[k].map((v) => BigInt(v))) });
      return narrowWide({ ...n, inputs: [mids[k], sz], outputs: grp, attrs: { axis }, name: mids[k] }, extra, src);
    });
    return [...narrowWide(top, extra, src), ...parts];
  }
  return [n];
}

function chunk<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/**
 * Rewrites the few ops whose signature changed at opset 18, so graphs built in opset-17 form (what the engine
 * writes) also serialize for 18+: Reduce* `axes` moves from an attribute to an input, and Split without a
 * `split` input states `num_outputs`.
 */
function lowerForOpset(n: GraphNode, opset: number, extra: Map<string, TensorValue>): { inputs: string[]; attrs: Record<string, Attr> } {
  if (opset < 18 || n.domain !== '') return { inputs: n.inputs, attrs: n.attrs };
  if (REDUCE.has(n.type) && n.type !== 'ReduceSum' && n.attrs.axes !== undefined) {
    const { axes, ...rest } = n.attrs;
    const name = `${n.name}__axes`;
    extra.set(name, { dtype: 'int64', dims: [attrInts(axes).length], data: BigInt64Array.from(attrInts(axes).map((a) => BigInt(a))) });
    return { inputs: [n.inputs[0], name], attrs: rest };
  }
  if (n.type === 'Split' && (n.inputs.length < 2 || n.inputs[1] === '') && n.attrs.num_outputs === undefined) {
    if (n.attrs.split !== undefined) {
      const { split, ...rest } = n.attrs;
      const name = `${n.name}__split`;
      extra.set(name, { dtype: 'int64', dims: [attrInts(split).length], data: BigInt64Array.from(attrInts(split).map((a) => BigInt(a))) });
      return { inputs: [n.inputs[0], name], attrs: rest };
    }
    return { inputs: n.inputs, attrs: { ...n.attrs, num_outputs: n.outputs.length } };
  }
  return { inputs: n.inputs, attrs: n.attrs };
}

function sliceLen(n: number, start: number, end: number, step: number): number {
  const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
  let s = start < 0 ? start + n : start;
  let e = end < 0 ? end + n : end;
  if (step > 0) {
    s = clamp(s, 0, n);
    e = clamp(e, 0, n);
    return Math.max(0, Math.ceil((e - s) / step));
  }
  s = clamp(s, -1, n - 1);
  e = clamp(e, -1, n - 1);
  return Math.max(0, Math.ceil((s - e) / -step));
}

function attrNum(a: Attr | undefined): number {
  if (typeof a === 'number') return a;
  if (a && typeof a === 'object' && 'float' in a) return a.float;
  throw new Error(`expected a number attribute, got ${JSON.stringify(a)}`);
}

function attrInts(a: Attr): number[] {
  if (Array.isArray(a)) return a;
  if (typeof a === 'object' && a !== null && 'ints' in a) return a.ints;
  throw new Error(`expected an integer list attribute, got ${JSON.stringify(a)}`);
}

function encodeTensor(name: string, t: TensorValue): Record<string, unknown> {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return { name, dims: t.dims, data_type: ONNX_DTYPE[t.dtype], raw_data: bytes };
}

function valueInfo(name: string, dtype: DType, shape?: Dim[], doc?: string): Record<string, unknown> {
  const tensor: Record<string, unknown> = { elem_type: ONNX_DTYPE[dtype] };
  if (shape) {
    tensor.shape = { dim: shape.map((d) => (isNum(d) ? { dim_value: d } : d === '?' ? {} : { dim_param: d })) };
  }
  return { name, type: { tensor_type: tensor }, ...(doc ? { doc_string: doc } : {}) };
}

function encodeAttr(name: string, v: Attr): Record<string, unknown> {
  if (typeof v === 'number') {
    if (FLOAT_ATTRS.has(name) || !Number.isInteger(v)) return { name, type: 1, f: v };
    return { name, type: 2, i: v };
  }
  if (typeof v === 'string') return { name, type: 3, s: Buffer.from(v, 'utf8') };
  if (v instanceof Float32Array) return { name, type: 6, floats: Array.from(v) };
  if (Array.isArray(v)) {
    if (FLOAT_ATTRS.has(name) || v.some((x) => !Number.isInteger(x))) return { name, type: 6, floats: v };
    return { name, type: 7, ints: v };
  }
  if ('tensor' in v) return { name, type: 4, t: encodeTensor('', v.tensor) };
  if ('ints' in v) return { name, type: 7, ints: v.ints };
  if ('floats' in v) return { name, type: 6, floats: v.floats };
  if ('strings' in v) return { name, type: 8, strings: v.strings.map((s) => Buffer.from(s, 'utf8')) };
  if ('float' in v) return { name, type: 1, f: v.float };
  throw new Error(`attribute ${name}: unsupported value`);
}
