// lstm, gru, rnn: shape rules, parameter counts (PyTorch's formulas) and the checks for the bugs RNN users
// hit most: batch and time swapped, an initial state that does not fit the layer it starts.
import { dimRelation, dimsText, formatDim, scaleDim } from '../check/dims';
import type { Dim, Shape, StateValue } from '../types';
import type { OpCtx, OpDef, ParamInfo } from './types';
import type { Related } from '../types';

type Cell = 'lstm' | 'gru' | 'rnn';
const GATES: Record<Cell, number> = { lstm: 4, gru: 3, rnn: 1 };

export function recurrentParams(cell: Cell, input: number, hidden: number, layers: number, directions: number): number {
  const g = GATES[cell];
  let total = 0;
  for (let l = 0; l < layers; l++) {
    const inp = l === 0 ? input : hidden * directions;
    total += directions * g * (inp * hidden + hidden * hidden + 2 * hidden);
  }
  return total;
}

function params(cell: Cell): ParamInfo[] {
  const ps: ParamInfo[] = [
    { name: 'x', type: 'tensor', doc: 'the sequence, [batch, time, features]' },
    { name: 'size', type: 'size', doc: 'hidden size (a number or a named dim)' },
    { name: 'layers', type: 'int', default: '1', doc: 'stacked layers' },
    { name: 'dropout', type: 'float', default: '0', doc: 'dropout between stacked layers (training only)' },
    { name: 'bidirectional', type: 'bool', default: 'false', doc: 'also run backwards; the output has 2*size features' },
    { name: 'init', type: 'state', doc: 'initial state: the state of another recurrent op with the same layers, directions and size' },
  ];
  if (cell === 'rnn') ps.push({ name: 'activation', type: 'name', default: 'tanh', choices: ['tanh', 'relu'], doc: 'tanh or relu' });
  return ps;
}

function infer(cell: Cell, ctx: OpCtx) {
  const x = ctx.tensor('x');
  const size = ctx.dim('size');
  if (!x || !size) return undefined;
  const layers = ctx.num('layers');
  const bidi = ctx.bool('bidirectional');
  const directions = bidi ? 2 : 1;
  const dropout = ctx.num('dropout');
  if (!Number.isInteger(layers) || layers < 1) {
    ctx.report({ code: 'bad-argument', range: ctx.argRange('layers'), message: `${cell} needs layers to be a whole number >= 1; got ${layers}`, fix: 'use layers = 1 or more' });
    return undefined;
  }
  if (!(dropout >= 0 && dropout < 1)) {
    ctx.report({ code: 'bad-argument', range: ctx.argRange('dropout'), message: `${cell}'s dropout is a probability in [0, 1); got ${dropout}`, fix: 'use e.g. dropout = 0.5' });
  }
  if (x.elem === 'int') {
    ctx.report({
      code: 'shape-mismatch', range: ctx.argRange('x'),
      message: `${cell} needs float features [batch, time, features]; got ids ${ctx.operandText('x')}: int${dimsText(x.dims)}`,
      fix: `embed the ids first: e = embedding(${ctx.operandText('x')}, vocab, 64), or one_hot(${ctx.operandText('x')}, vocab)`,
    });
    return undefined;
  }
  if (x.dims.length !== 3) {
    const fix = x.dims.length === 2
      ? `for one vector per example, repeat it over time first: repeat(${ctx.operandText('x')}, time)`
      : 'reshape the input to [batch, time, features]';
    ctx.report({
      code: 'shape-mismatch', range: ctx.argRange('x'),
      message: `${cell} runs over the middle dimension of [batch, time, features]; got ${ctx.operandText('x')}: ${dimsText(x.dims)} (${x.dims.length} dimensions)`,
      fix,
    });
    return undefined;
  }
  const [b, t, f] = x.dims;
  if (b.name !== 'batch') {
    const swapped = t.name === 'batch';
    ctx.report({
      code: 'shape-mismatch', range: ctx.argRange('x'),
      message: swapped
        ? `${cell} needs [batch, time, features] with batch first; got ${ctx.operandText('x')}: ${dimsText(x.dims)}, so batch and ${b.name ?? b.size} are swapped`
        : `${cell} needs [batch, time, features] with the data's batch first; got ${ctx.operandText('x')}: ${dimsText(x.dims)}`,
      fix: swapped ? swapFix(ctx, String(b.name ?? b.size), String(f.name ?? f.size)) : 'keep batch as the first dimension',
      related: swapRelated(ctx, dimsText(x.dims)),
    });
    return undefined;
  }
  if (t.name === 'batch') return undefined;
  const out = scaleDim(size, directions);
  const stateShape: Shape = { elem: 'float', dims: [b, size] };
  const state: StateValue = { kind: 'state', cell, layers, directions, size, h: stateShape, c: cell === 'lstm' ? stateShape : undefined };

  if (ctx.has('init')) {
    const init = ctx.stateArg('init');
    if (init) checkInit(cell, ctx, init, layers, directions, size);
  }
  const I = f.size;
  const H = size.size;
  const count = I !== undefined && H !== undefined ? recurrentParams(cell, I, H, layers, directions) : undefined;
  const g = GATES[cell];
  const gateText = g === 1 ? '' : `${g}*`;
  return {
    shape: { elem: 'float' as const, dims: [b, t, out], masked: x.masked },
    state,
    params: count,
    paramRule: `${gateText}(I*H + H*H + 2*H) per layer and direction (I = input features, ${layers > 1 ? 'H*directions for layers above the first, ' : ''}H = size)`,
  };
}

function checkInit(cell: Cell, ctx: OpCtx, init: StateValue | Shape, layers: number, directions: number, size: Dim) {
  const range = ctx.argRange('init');
  const name = ctx.operandText('init');
  const related = ctx.operandDefinition('init') ? [{ range: ctx.operandDefinition('init')!, message: `${name} is made here` }] : undefined;
  if (init.kind !== 'state') {
    // A plain tensor: only a one-layer, one-direction [batch, size] state works, and only for gru/rnn (lstm also needs c).
    const want = `a ${cell} state with ${layers} layer(s), ${directions} direction(s) and size ${formatDim(size)} (the second output of lstm/gru/rnn)`;
    if (cell === 'lstm' || layers !== 1 || directions !== 1 || init.dims.length !== 2 || init.dims[0].name !== 'batch' || dimRelation(init.dims[1], size) !== 'same') {
      ctx.report({
        code: 'state-mismatch', range,
        message: `init needs ${want}; got the tensor ${name}: ${dimsText(init.dims)}, which has no layer or direction axis${cell === 'lstm' ? ' and no cell state c' : ''}`,
        fix: 'pass the whole state of the encoder: `_, enc = lstm(...)` then `init = enc`',
        related,
      });
    }
    return;
  }
  if (init.cell !== cell && (cell === 'lstm' || init.cell === 'lstm')) {
    ctx.report({
      code: 'state-mismatch', range,
      message: `init of ${cell} needs a ${cell === 'lstm' ? 'state with h and c' : 'state with h only'}; got ${name}, the state of a ${init.cell}`,
      fix: `use the same cell type for both layers (${cell})`, related,
    });
    return;
  }
  const problems: string[] = [];
  const fixes: { title: string; edits: ReturnType<OpCtx['setArg']>[] }[] = [];
  if (init.layers !== layers) {
    problems.push(`${init.layers} layer(s) where this ${cell} has ${layers}`);
    fixes.push({ title: `Set layers = ${init.layers} to match ${name}`, edits: [ctx.setArg('layers', String(init.layers))] });
  }
  if (init.directions !== directions) {
    problems.push(init.directions === 2 ? `2 directions (a bidirectional encoder) where this ${cell} has 1` : `1 direction where this bidirectional ${cell} has 2`);
    fixes.push({ title: `Set bidirectional = ${init.directions === 2} to match ${name}`, edits: [ctx.setArg('bidirectional', String(init.directions === 2))] });
  }
  const rel = dimRelation(init.size, size);
  if (rel !== 'same') {
    problems.push(`size ${formatDim(init.size)} where this ${cell} has ${formatDim(size)}${rel === 'coincidence' ? ' (equal only by size)' : ''}`);
    fixes.push({ title: `Set the size to ${init.size.name ?? init.size.size}`, edits: [ctx.setArg('size', String(init.size.name ?? init.size.size))] });
  }
  if (problems.length) {
    ctx.report({
      code: rel === 'coincidence' && problems.length === 1 ? 'dim-coincidence' : 'state-mismatch', range,
      message: `init must match the ${cell} it starts (${layers} layer(s), ${directions} direction(s), size ${formatDim(size)}); ${name} has ${problems.join(', ')}`,
      fix: fixes.map((f) => f.title.toLowerCase()).join(' and '),
      quickFixes: fixes.length === 1 ? [{ ...fixes[0], preferred: true }] : [...fixes, { title: 'Make layers, directions and size fit ' + name, edits: fixes.flatMap((f) => f.edits) }],
      related,
    });
  }
}

function def(cell: Cell, doc: string): OpDef {
  return {
    info: {
      name: cell,
      signature: `${cell}(x, size, layers=1, dropout=0, bidirectional=false, init=state${cell === 'rnn' ? ', activation=tanh' : ''})`,
      doc,
      rule: `[batch, time, f] -> [batch, time, size] (2*size if bidirectional); state.h${cell === 'lstm' ? ', state.c' : ''}: [batch, size] of the top layer`,
      params: params(cell),
      outputs: ['out', 'state'],
    },
    infer: (ctx) => infer(cell, ctx),
  };
}

export const lstm = def('lstm', 'Long short-term memory layer(s) over the time dimension. Returns the output at every step and the final state (h, c).');
export const gru = def('gru', 'Gated recurrent unit layer(s) over the time dimension (PyTorch\'s formulation). Returns the output at every step and the final state (h).');
export const rnn = def('rnn', 'Plain (Elman) recurrent layer(s) with tanh or relu. Returns the output at every step and the final state (h).');

/** How to put batch first, said about what actually put `first` there: a transpose, a reshape or the input. */
function swapFix(ctx: OpCtx, first: string, features: string): string {
  const origin = ctx.layoutOrigin('x');
  // A statement of its own: a call inside another call's arguments is not part of the language (yet).
  const write = `add xt = transpose(${ctx.operandText('x')}, [batch, ${first}, ${features}]) and pass xt`;
  if (origin?.kind === 'transpose') return `drop the transpose that put ${first} first (line ${origin.range.start.line + 1}), or give it [batch, ${first}, ${features}]`;
  if (origin?.kind === 'reshape') return `reshape to batch first (line ${origin.range.start.line + 1}), or ${write}`;
  if (origin?.kind === 'input') return `declare input ${origin.name} with batch first (line ${origin.range.start.line + 1}), e.g. [batch, ${first}], or ${write}`;
  return write;
}

function swapRelated(ctx: OpCtx, shape: string): Related[] | undefined {
  const out: Related[] = [];
  const def = ctx.operandDefinition('x');
  if (def) out.push({ range: def, message: `${ctx.operandText('x')} gets its shape ${shape} here` });
  const origin = ctx.layoutOrigin('x');
  if (origin && (!def || origin.range.start.line !== def.start.line)) {
    out.push({ range: origin.range, message: origin.kind === 'input' ? `input ${origin.name} is declared with this dimension order` : `this ${origin.kind} sets the dimension order` });
  }
  return out.length ? out : undefined;
}
