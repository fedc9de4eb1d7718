// The experiment's model as a PyTorch nn.Module (model.py): one submodule per statement with parameters,
// named so its state_dict keys are the engine's parameter names (`h.weight_ih_l0`), and a forward that
// computes every statement in order with the engine's semantics (masks, dropout, broadcasting by name).
// The statements' named dimensions become comments; the static feature sizes become asserts.
import type { Dim, ModelStatement, OpStatement, Shape, TensorRef } from '../../language/types';
import { largerSide, matchAxes } from '../../language/check/broadcast';
import { asDim, dimName, dimSize, num, stmtName } from '../compile/model';
import { transposePerm } from '../layers/shape';
import { EngineError } from '../layers/types';
import { className, pyName, pyNumber } from './names';

/** A tensor as the generator tracks it: the engine's TVal without the graph (layers/types.ts). */
interface Info { names: (string | undefined)[]; sizes: number[]; masked: boolean; elem: 'int' | 'float' }
/** A recurrent state: what `enc.h` and `init = enc` need. */
interface StateInfo { state: true; cell: string; layers: number; directions: number; hidden: number; hiddenName?: string }

export interface ModelSource {
  /** model.py's text. */
  text: string;
  /** The class's name (`CharLm`). */
  className: string;
  /** Python attribute names that differ from the engine's statement names (`dense__1` for `dense#1`). */
  renamed: Record<string, string>;
}

export interface ModelInput {
  experiment: string;
  model: ModelStatement[];
  /** Every size the engine builds with (sizesOf: the dims block and the data's). */
  sizes: Record<string, number>;
  /** Shapes of data tensors the model does not declare (the loss target). */
  dataShapes: Record<string, Shape>;
  /** The padded dimension whose mask the batch carries (`time`, `src`), as compile/index.ts chooses it. */
  maskDim?: string;
  /** `carry_state = true`: a recurrent layer without `init` starts from the state it ended the last batch with. */
  carryState?: boolean;
}

/** Generates model.py. Throws EngineError for an op it cannot write (none of the language's today). */
export function generateModel(input: ModelInput): ModelSource {
  const g = new Gen(input);
  for (const st of input.model) {
    if (st.kind === 'input') g.input(st.name, st.shape);
    else g.op(st);
  }
  return g.finish();
}

class Gen {
  private readonly init: string[] = [];
  private readonly body: string[] = [];
  private readonly env = new Map<string, Info | StateInfo>();
  private readonly vars = new Map<string, string>();
  readonly renamed: Record<string, string> = {};
  private readonly used = new Set(['self', 'batch', 'mask', 'torch', 'nn', 'F', 'layers']);
  /** Inputs declared but not read yet: a line `x = batch["x"]` is written where a statement first reads one,
   *  so forward() needs only what the model uses (not the loss's target). */
  private readonly pending = new Map<string, Shape>();
  private readonly outputs: string[] = [];

  constructor(private readonly m: ModelInput) {}

  private size(d: Dim | undefined, what: string): number { return dimSize(d, this.m.sizes, what); }

  /** A Python name for a tensor (its own, unless it is a keyword or not an identifier). */
  private varOf(name: string): string {
    let v = this.vars.get(name);
    if (v) return v;
    v = pyName(name);
    while (this.used.has(v)) v += '_';
    this.used.add(v);
    this.vars.set(name, v);
    if (v !== name) this.renamed[v] = name;
    return v;
  }

  private shapeComment(t: Info): string {
    return `[${t.names.map((n, i) => n ?? t.sizes[i]).join(', ')}]`;
  }

  private emit(name: string, expr: string, t: Info | StateInfo, comment?: string): void {
    this.env.set(name, t);
    const v = this.varOf(name);
    const shape = 'state' in t ? `${t.cell} state` : this.shapeComment(t);
    this.body.push(`${v} = ${expr}  # ${shape}${comment ? `: ${comment}` : ''}`);
    if (!('state' in t)) this.assertShape(v, t);
    if (!('state' in t) && !name.includes('#')) this.outputs.push(name);
  }

  /** The sizes every batch has (not batch or the data's steps) checked as the statement runs. */
  private assertShape(v: string, t: Info): void {
    const fixed = t.sizes.map((s, i) => [i, s, t.names[i]] as const).filter(([, , n]) => !this.dynamic(n));
    const rank = `${v}.dim() == ${t.sizes.length}`;
    const sizes = fixed.map(([i, s]) => `${v}.shape[${i}] == ${s}`);
    this.body.push(`assert ${[rank, ...sizes].join(' and ')}, ${v}.shape`);
  }

  /** A dimension whose size is the batch's: batch, the data's steps (a bucket's length), or a product of them. */
  private dynamic(name: string | undefined): boolean {
    if (name === undefined) return false;
    return name.split(/[*+]/).some((f) => f === 'batch' || f === 'time' || f === 'src' || f === 'tgt' || f === this.m.maskDim);
  }

  private module(name: string, ctor: string): string {
    const attr = this.varOf(name);
    this.init.push(`self.${attr} = ${ctor}`);
    return `self.${attr}`;
  }

  input(name: string, shape: Shape): void {
    this.pending.set(name, shape);
  }

  private readInput(name: string, shape: Shape): void {
    this.pending.delete(name);
    const t: Info = { names: shape.dims.map((d) => d.name), sizes: shape.dims.map((d) => this.size(d, `input ${name}`)), masked: !!shape.masked, elem: shape.elem };
    const ids = shape.bound?.name === 'classes' ? 'class ids' : 'token ids';
    this.emit(name, `batch[${JSON.stringify(name)}]`, t, shape.elem === 'int' ? ids : undefined);
  }

  /** An operand: a tensor, or a state's field (`enc.h`: the top layer's forward h, [batch, hidden]). */
  private operand(ref: TensorRef): { code: string; t: Info } {
    let v = this.env.get(ref.name);
    if (!v) {
      const shape = this.pending.get(ref.name) ?? this.m.dataShapes[ref.name];
      if (!shape) throw new EngineError(`pytorch export: unknown tensor ${ref.name}`);
      this.readInput(ref.name, shape);
      v = this.env.get(ref.name)!;
    }
    if ('state' in v) {
      if (!ref.field) throw new EngineError(`pytorch export: ${ref.name} is a state; use ${ref.name}.h`);
      return { code: `layers.state_field(${this.varOf(ref.name)}, ${JSON.stringify(ref.field)})`, t: { names: ['batch', v.hiddenName], sizes: [this.m.sizes.batch ?? 0, v.hidden], masked: false, elem: 'float' } };
    }
    return { code: this.varOf(ref.name), t: v };
  }

  /** The batch's mask, where the engine reads it for x (stepMask): x padded along the mask's dimension. */
  private maskFor(t: Info): string {
    return t.masked && this.m.maskDim !== undefined && t.names[1] === this.m.maskDim ? 'mask' : 'None';
  }

  op(st: OpStatement): void {
    const name = stmtName(st);
    const p = st.params;
    const x = () => this.operand(st.operands[0]);
    const sz = (key: string) => this.size(asDim(p[key]), `${name} = ${st.op}(...) ${key}`);
    const nm = (key: string) => asDim(p[key])?.name;
    const keep = (t: Info, last: number, lastName?: string): Info => ({ ...t, names: [...t.names.slice(0, -1), lastName], sizes: [...t.sizes.slice(0, -1), last] });
    switch (st.op) {
      case 'embedding': {
        const a = x();
        const mod = this.module(name, `nn.Embedding(${sz('vocab')}, ${sz('size')})`);
        return this.emit(name, `${mod}(${a.code}.long())`, { ...a.t, names: [...a.t.names, nm('size')], sizes: [...a.t.sizes, sz('size')], elem: 'float' });
      }
      case 'one_hot': {
        const a = x();
        return this.emit(name, `F.one_hot(${a.code}.long(), ${sz('vocab')}).float()`, { ...a.t, names: [...a.t.names, nm('vocab')], sizes: [...a.t.sizes, sz('vocab')], elem: 'float' });
      }
      case 'lstm': case 'gru': case 'rnn': return this.recurrent(st, name);
      case 'dense': {
        const a = x();
        const inF = a.t.sizes[a.t.sizes.length - 1];
        const mod = this.module(name, `nn.Linear(${inF}, ${sz('size')})`);
        const act = typeof p.activation === 'string' && p.activation !== 'none' ? p.activation : undefined;
        const call = `${mod}(${a.code})`;
        return this.emit(name, act ? activation(act, call) : call, keep(a.t, sz('size'), nm('size')));
      }
      case 'dropout': {
        const a = x();
        return this.emit(name, `layers.dropout(${a.code}, ${pyNumber(num(p.p, 0.5))}, self.training, self.noise)`, a.t);
      }
      case 'relu': case 'tanh': case 'sigmoid': case 'softmax': {
        const a = x();
        return this.emit(name, activation(st.op, a.code), a.t);
      }
      case 'last': case 'first': {
        const a = x();
        const t: Info = { names: [a.t.names[0], ...a.t.names.slice(2)], sizes: [a.t.sizes[0], ...a.t.sizes.slice(2)], masked: false, elem: a.t.elem };
        const mask = this.maskFor(a.t);
        const fn = st.op === 'first' ? 'first_step' : 'last_step';
        const code = mask === 'None' ? `${a.code}[:, ${st.op === 'first' ? 0 : -1}]` : `layers.${fn}(${a.code}, mask)`;
        return this.emit(name, code, t, mask !== 'None' ? `each row's ${st.op} real step` : undefined);
      }
      case 'mean': case 'max': case 'sum': return this.reduce(st, name);
      case 'repeat': {
        const a = x();
        const d = asDim(p.D ?? p.dim);
        const n = this.size(d, `${name} = repeat(...)`);
        const rest = a.t.sizes.slice(1).map(() => '-1').join(', ');
        return this.emit(name, `${a.code}.unsqueeze(1).expand(-1, ${n}${rest ? `, ${rest}` : ''})`, { names: [a.t.names[0], d?.name, ...a.t.names.slice(1)], sizes: [a.t.sizes[0], n, ...a.t.sizes.slice(1)], masked: false, elem: a.t.elem });
      }
      case 'concat': {
        const ops = st.operands.map((o) => this.operand(o));
        const a = ops[0].t;
        const over = dimName(p.over);
        const ax = over ? a.names.indexOf(over) : a.names.length - 1;
        const names = [...a.names];
        names[ax] = ops.every((o) => o.t.names[ax]) ? ops.map((o) => o.t.names[ax]).join('+') : undefined;
        const sizes = [...a.sizes];
        sizes[ax] = ops.reduce((s, o) => s + o.t.sizes[ax], 0);
        return this.emit(name, `torch.cat([${ops.map((o) => o.code).join(', ')}], dim=${ax})`, { names, sizes, masked: ops.some((o) => o.t.masked) && ax !== 1, elem: a.elem });
      }
      case 'reshape': return this.reshape(st, name);
      case 'transpose': {
        const a = x();
        const dims = ((p.dims as unknown[]) ?? []).map(asDim) as Dim[];
        const perm = transposePerm(a.t.names, a.t.sizes, dims);
        return this.emit(name, `${a.code}.permute(${perm.join(', ')})`, { names: perm.map((i) => a.t.names[i]), sizes: perm.map((i) => a.t.sizes[i]), masked: a.t.masked && perm[0] === 0 && perm[1] === 1, elem: a.t.elem });
      }
      case 'attention': return this.attention(st, name);
      case 'layer_norm': {
        const a = x();
        const f = a.t.sizes[a.t.sizes.length - 1];
        const mod = this.module(name, `nn.LayerNorm(${f}, eps=1e-5)`);
        return this.emit(name, `${mod}(${a.code})`, a.t);
      }
      case 'add': case 'sub': case 'mul': case 'div': return this.arithmetic(st, name);
      case 'scalar': {
        const a = x();
        const k = pyNumber(num(p.k, 1));
        const sym = { add: '+', sub: '-', mul: '*', div: '/' }[p.op as 'add'] ?? '*';
        return this.emit(name, p.tensorFirst !== false ? `${a.code} ${sym} ${k}` : `${k} ${sym} ${a.code}`, a.t);
      }
      default:
        throw new EngineError(`the PyTorch export cannot write op '${st.op}' yet`);
    }
  }

  private recurrent(st: OpStatement, name: string): void {
    const p = st.params;
    const a = this.operand(st.operands[0]);
    const layers = num(p.layers, 1);
    const D = p.bidirectional === true ? 2 : 1;
    const H = this.size(asDim(p.size), `${name} = ${st.op}(...) size`);
    const inF = a.t.sizes[a.t.sizes.length - 1];
    const cls = { lstm: 'nn.LSTM', gru: 'nn.GRU', rnn: 'nn.RNN' }[st.op as 'lstm'];
    const opts = [`num_layers=${layers}`, 'batch_first=True'];
    if (D === 2) opts.push('bidirectional=True');
    if (num(p.dropout, 0) > 0) opts.push(`dropout=${pyNumber(num(p.dropout, 0))}`);
    if (st.op === 'rnn') opts.push(`nonlinearity=${JSON.stringify(p.activation === 'relu' ? 'relu' : 'tanh')}`);
    const mod = this.module(name, `${cls}(${inF}, ${H}, ${opts.join(', ')})`);
    const initRef = (p.init as TensorRef | undefined) ?? st.operands.find((o, i) => i > 0 && o);
    // carry_state: the state this layer ended the last training batch with (self.carried, set by train.py).
    const carried = !initRef && this.m.carryState;
    let init = carried ? `self.carried.get(${JSON.stringify(name)}) if self.carried is not None else None` : 'None';
    if (initRef) {
      const v = this.env.get(initRef.name);
      init = v && 'state' in v && !initRef.field ? this.varOf(initRef.name) : `(${this.operand(initRef).code}.unsqueeze(0),)`;
    }
    const sizeName = asDim(p.size)?.name;
    const out: Info = { names: [a.t.names[0], a.t.names[1], sizeName === undefined ? undefined : D === 2 ? `2*${sizeName}` : sizeName], sizes: [a.t.sizes[0], a.t.sizes[1], D * H], masked: a.t.masked, elem: 'float' };
    const stateName = st.outputs[1] && st.outputs[1] !== '_' ? st.outputs[1] : undefined;
    const seqName = st.outputs[0] && st.outputs[0] !== '_' ? st.outputs[0] : `${name}#seq`;
    const state: StateInfo = { state: true, cell: st.op, layers, directions: D, hidden: H, hiddenName: sizeName };
    const seqVar = this.varOf(seqName);
    const stVar = stateName ? this.varOf(stateName) : '_';
    this.env.set(seqName, out);
    if (stateName) this.env.set(stateName, state);
    if (!seqName.includes('#')) this.outputs.push(seqName);
    const stOut = carried && stVar === '_' ? this.varOf(`${name}#state`) : stVar;
    // No state read: the masked CPU training path skips computing it (layers.recurrent's `state`).
    const noState = stOut === '_' ? ', state=False' : '';
    this.body.push(`${seqVar}, ${stOut} = layers.recurrent(${mod}, ${a.code}, ${this.maskFor(a.t)}, ${init}, self.noise${noState})  # ${this.shapeComment(out)}`);
    if (carried) this.body.push(`if self.carried is not None:`, `    self.carried[${JSON.stringify(name)}] = layers.detached(${stOut})`);
    this.assertShape(seqVar, out);
  }

  private reduce(st: OpStatement, name: string): void {
    const a = this.operand(st.operands[0]);
    const over = dimName(st.params.over);
    const ax = over ? a.t.names.indexOf(over) : -1;
    if (ax < 0) throw new EngineError(`${st.op}(over=${over}): the tensor has no dimension ${over}`);
    const mask = ax === 1 ? this.maskFor(a.t) : 'None';
    const t: Info = { names: a.t.names.filter((_, i) => i !== ax), sizes: a.t.sizes.filter((_, i) => i !== ax), masked: ax === 1 ? false : a.t.masked, elem: a.t.elem };
    const code = mask === 'None' ? (st.op === 'max' ? `${a.code}.amax(dim=${ax})` : `${a.code}.${st.op}(dim=${ax})`) : `layers.masked_${st.op}(${a.code}, mask)`;
    this.emit(name, code, t, mask === 'None' ? undefined : 'over the real steps');
  }

  private reshape(st: OpStatement, name: string): void {
    const a = this.operand(st.operands[0]);
    const dims = ((st.params.dims as unknown[]) ?? []).map(asDim) as Dim[];
    // A dynamic size (batch, a bucket's time) is read from the input at run time: `h.shape[0] * h.shape[1]`.
    const factor = (f: string): string => {
      if (/^\d+$/.test(f)) return f;
      const i = a.t.names.indexOf(f);
      return i >= 0 && (f === 'batch' || f === 'time' || f === this.m.maskDim) ? `${a.code}.shape[${i}]` : String(this.size({ name: f }, `${name} = reshape(...)`));
    };
    const sizes = dims.map((d) => this.size(d, `${name} = reshape(...)`));
    const code = dims.map((d) => (d.name ? d.name.split('*').map((f) => factor(f.trim())).join(' * ') : String(d.size)));
    const masked = a.t.masked && sizes[0] === a.t.sizes[0] && sizes[1] === a.t.sizes[1] && dims[1]?.name === a.t.names[1];
    this.emit(name, `${a.code}.reshape(${code.join(', ')})`, { names: dims.map((d) => d.name), sizes, masked, elem: a.t.elem });
  }

  private attention(st: OpStatement, name: string): void {
    const q = this.operand(st.operands[0]);
    const k = this.operand(st.operands[1]);
    const v = st.operands[2] ? this.operand(st.operands[2]) : k;
    const score = (st.params.score as string) ?? 'dot';
    const fq = q.t.sizes[q.t.sizes.length - 1], fk = k.t.sizes[2];
    const mod = this.module(name, `layers.Attention(${JSON.stringify(score)}, ${fq}, ${fk})`);
    const single = q.t.sizes.length === 2;
    const steps = single ? [q.t.names[0]] : [q.t.names[0], q.t.names[1]];
    const stepSizes = single ? [q.t.sizes[0]] : [q.t.sizes[0], q.t.sizes[1]];
    const ctx: Info = { names: [...steps, v.t.names[2]], sizes: [...stepSizes, v.t.sizes[2]], masked: q.t.masked, elem: 'float' };
    const w: Info = { names: [...steps, k.t.names[1]], sizes: [...stepSizes, k.t.sizes[1]], masked: false, elem: 'float' };
    const ctxName = st.outputs[0] && st.outputs[0] !== '_' ? st.outputs[0] : `${name}#context`;
    const wName = st.outputs[1] && st.outputs[1] !== '_' ? st.outputs[1] : `${name}#weights`;
    this.env.set(ctxName, ctx);
    this.env.set(wName, w);
    for (const n of [ctxName, wName]) if (!n.includes('#')) this.outputs.push(n);
    this.body.push(`${this.varOf(ctxName)}, ${this.varOf(wName)} = ${mod}(${q.code}, ${k.code}, ${v.code}, ${this.maskFor(k.t)})  # ${this.shapeComment(ctx)}, weights ${this.shapeComment(w)}`);
    this.assertShape(this.varOf(ctxName), ctx);
    this.assertShape(this.varOf(wName), w);
  }

  /** `a + b` broadcast by name: the smaller side permuted into the larger side's order, with size-1 axes. */
  private arithmetic(st: OpStatement, name: string): void {
    const a = this.operand(st.operands[0]);
    const b = this.operand(st.operands[1]);
    const axes = (t: Info) => t.sizes.map((size, i) => ({ name: t.names[i], size }));
    const bigLeft = largerSide(axes(a.t), axes(b.t)) === 'left';
    const [big, small] = bigLeft ? [a, b] : [b, a];
    const match = matchAxes(axes(big.t), axes(small.t));
    let code = small.code;
    const order = match.map((m, i) => [m, i] as const).sort((x, y) => x[0] - y[0]).map(([, i]) => i);
    if (order.some((o, i) => o !== i)) code = `${code}.permute(${order.join(', ')})`;
    const sorted = [...match].sort((x, y) => x - y);
    // Unsqueeze each of big's axes that small lacks, in increasing order.
    for (let i = 0, k = 0; i < big.t.sizes.length; i++) {
      if (sorted[k] === i) { k++; continue; }
      code = `${code}.unsqueeze(${i})`;
    }
    const sym = { add: '+', sub: '-', mul: '*', div: '/' }[st.op as 'add'];
    const [l, r] = bigLeft ? [big.code, code] : [code, big.code];
    this.emit(name, `${l} ${sym} ${r}`, { ...big.t, masked: a.t.masked || b.t.masked });
  }

  finish(): ModelSource {
    const cls = className(this.m.experiment);
    const dims = Object.entries(this.m.sizes).map(([k, v]) => `${k} ${v}`).join(', ');
    const code = [...this.init, ...this.body].join('\n');
    const text = [
      `"""The model of experiment ${this.m.experiment}, as PyTorch: written by \`unroll export --format pytorch\`.`,
      '',
      `Sizes it was written with: ${dims}.`,
      'Every statement of the model block is one line of forward(), named as in the experiment; each line\'s',
      'comment is its shape by named dimension. The state_dict\'s keys are the engine\'s parameter names, so a',
      'run\'s checkpoint loads as it is (see run_format.py).',
      '"""',
      // Only what the code uses: pyflakes (and readers) object to unused imports.
      ...(code.includes('torch.') ? ['import torch'] : []),
      'from torch import nn',
      ...(code.includes('F.') ? ['import torch.nn.functional as F'] : []),
      '',
      'import layers',
      '',
      '',
      `class ${cls}(nn.Module):`,
      '    def __init__(self):',
      '        super().__init__()',
      '        # Tests set this to a function of a shape giving uniform [0, 1) noise, to draw the engine\'s dropout masks.',
      '        self.noise = None',
      ...(this.m.carryState ? ['        # carry_state: train.py sets a dict here; each recurrent layer then starts from its last state.', '        self.carried = None'] : []),
      ...this.init.map((l) => `        ${l}`),
      '',
      '    def forward(self, batch, mask=None):',
      '        """batch: the data\'s tensors by name; mask: [batch, steps] float, 1 on real steps (padded data)."""',
      ...this.body.map((l) => `        ${l}`),
      `        return {${this.outputs.map((n) => `${JSON.stringify(n)}: ${this.varOf(n)}`).join(', ')}}`,
      '',
      '',
      `# Parameter and tensor names that are not Python names in the experiment (a nested call's \`dense#1\`).`,
      `RENAMED = ${JSON.stringify(this.renamed)}`,
      '',
    ].join('\n');
    return { text, className: cls, renamed: this.renamed };
  }
}

function activation(act: string, code: string): string {
  switch (act) {
    case 'relu': return `torch.relu(${code})`;
    case 'tanh': return `torch.tanh(${code})`;
    case 'sigmoid': return `torch.sigmoid(${code})`;
    case 'softmax': return `torch.softmax(${code}, dim=-1)`;
  }
  throw new EngineError(`unknown activation '${act}'`);
}


