// Pass 3 over the model block: input declarations (checked against what the data provides) and
// statements, each `NAME[, NAME] = expression`, whose shapes the expression pass infers.
import type { AssignEntry, Block, InputEntry } from '../syntax/tree';
import { OP_DEFS, RECURRENT_OPS } from '../ops/index';
import type { DataSource, Shape, StateValue, TextEdit } from '../types';
import type { CheckContext } from './context';
import { dimRelation, formatDim, formatShape } from './dims';
import { ExprChecker, shapeDecl } from './expr';
import { closest } from './suggest';

/** What the data pass handed on: the source and the tensors it provides. */
export interface ModelInputs { data?: DataSource; provided: ReadonlyMap<string, Shape> }

export function checkModel(block: Block | undefined, inputs: ModelInputs, ex: ExprChecker): void {
  if (!block) return;
  const { cx, scope } = ex;
  for (const e of block.entries) {
    if (e.kind === 'assign') for (const t of e.targets) if (!scope.laterNames.has(t.name)) scope.laterNames.set(t.name, t.range);
    if (e.kind === 'input') scope.laterNames.set(e.name.name, e.name.range);
  }
  for (const e of block.entries) {
    try {
      if (e.kind === 'input') checkInput(e, inputs, ex);
      else checkStatement(e, ex);
    } catch (err) {
      cx.report('syntax', e.range, `internal error while checking this statement: ${(err as Error)?.message ?? err}; please report it with this file`);
      // Its names stay defined (shape unknown), so the lines below report their own problems only.
      if (e.kind === 'assign') { scope.markUsed(e.value); defineUnknown(e, 'statement', ex); }
    }
  }
}

/** An edit that inserts a line at the top of the model block (the "declare input" fix). */
export function modelInsertEdit(block: Block | undefined, cx: CheckContext, line: string): TextEdit | undefined {
  if (!block || block.open === undefined) return undefined;
  const first = block.entries[0];
  if (first) {
    const pos = { line: first.range.start.line, character: 0 };
    const indent = ' '.repeat(first.range.start.character);
    return { range: { start: pos, end: pos }, newText: `${indent}${line}\n` };
  }
  const at = cx.position(block.open + 1);
  return { range: { start: at, end: at }, newText: `\n  ${line}\n` };
}

function checkInput(e: InputEntry, { data, provided }: ModelInputs, ex: ExprChecker): void {
  const { cx, scope } = ex;
  const name = e.name.name;
  const shape = e.type ? ex.dimsOf.typeToShape(e.type, name, !data) : undefined;
  const p = provided.get(name);
  let final = shape;
  if (data && !p) {
    const names = [...provided.keys()];
    const guess = closest(name, names);
    cx.report('data-mismatch', e.name.range, `data ${data.source} does not provide ${name}; it provides ${names.map((n) => `${n}: ${formatShape(provided.get(n)!)}`).join(', ')}`, {
      fix: guess ? `did you mean ${guess}?` : `use one of ${names.join(', ')}`,
      quickFixes: cx.didYouMean(guess, e.name.range).quickFixes,
      related: [{ range: data.range, message: `data ${data.source} provides ${names.join(', ')}` }],
    });
  } else if (p && shape && e.type) {
    const { problems, coincidence } = declarationProblems(p, shape);
    if (problems.length) {
      cx.report(coincidence && problems.length === 1 ? 'dim-coincidence' : 'data-mismatch', e.type.range, `input ${name} is declared ${formatShape(shape)} but data ${data!.source} provides ${formatShape(p)}: ${problems.join('; ')}`, {
        fix: `declare it as the data provides it: input ${name}: ${shapeDecl(p)}`,
        quickFixes: [{ title: `Declare ${name} as ${shapeDecl(p)}`, edits: [{ range: e.type.range, newText: shapeDecl(p) }], preferred: true }],
        related: [{ range: data!.range, message: `data ${data!.source} provides ${name}: ${formatShape(p)}` }],
      });
    }
    // After a mismatch the data's shape flows on: the one mistake is reported here, not again downstream.
    const flows = problems.length ? p : shape;
    final = p.masked ? { ...flows, masked: true } : flows;
  }
  if (!final) final = p;
  if (!final) return;
  const value = final;
  scope.define(name, e.name.range, value, 'input', e, () => `input ${name}: ${formatShape(value)}`);
  ex.out.model.push({ kind: 'input', name, shape: value, range: e.range, nameRange: e.name.range });
  ex.out.summaries.push({ label: name, op: 'input', shape: value, params: 0, rule: p ? `provided by data ${data!.source}` : 'declared input', range: e.range, hintAt: cx.position(e.end) });
}

/** How a declared input's shape differs from the data's; `coincidence`: some dims agree only by size. */
function declarationProblems(p: Shape, shape: Shape): { problems: string[]; coincidence: boolean } {
  const problems: string[] = [];
  let coincidence = false;
  if (p.elem !== shape.elem) problems.push(`${shape.elem} instead of ${p.elem}`);
  if (p.dims.length !== shape.dims.length) problems.push(`${shape.dims.length} dimensions instead of ${p.dims.length}`);
  else p.dims.forEach((d, i) => {
    const rel = dimRelation(d, shape.dims[i]);
    if (rel === 'coincidence') { coincidence = true; problems.push(`${formatDim(shape.dims[i])} where the data has ${formatDim(d)} (equal only by size)`); }
    else if (rel === 'different') problems.push(`${formatDim(shape.dims[i])} where the data has ${formatDim(d)}${i === 0 && shape.dims[1] && dimRelation(d, shape.dims[1]) === 'same' ? ' (batch and time swapped?)' : ''}`);
  });
  if (p.bound && shape.elem === 'int') {
    if (!shape.bound) problems.push(`no bound (the data's ids are < ${formatDim(p.bound)})`);
    else {
      const rel = dimRelation(p.bound, shape.bound);
      if (rel === 'coincidence') { coincidence = true; problems.push(`bound ${formatDim(shape.bound)} where the data has < ${formatDim(p.bound)} (equal only by size)`); }
      else if (rel === 'different') problems.push(`bound ${formatDim(shape.bound)} where the data has < ${formatDim(p.bound)}`);
    }
  }
  return { problems, coincidence };
}

function checkStatement(e: AssignEntry, ex: ExprChecker): void {
  const { cx, scope } = ex;
  const v = e.value;
  if (v.kind === 'missing') return;
  if ((v.kind === 'binary' || v.kind === 'unary') && e.targets.length === 1) {
    const t = e.targets[0];
    const r = ex.arithmetic(v, { name: t.name, label: t.name, range: e.range, hintAt: cx.position(e.end) });
    if (r.value && r.value.kind !== 'state') { const shape = r.value; scope.define(t.name, t.range, shape, 'op', e, () => `${t.name} = ${cx.src(v)}: ${formatShape(shape)}`); }
    else defineUnknown(e, 'arithmetic', ex);
    return;
  }
  if (v.kind !== 'call') {
    // After a syntax error on this statement the parser kept only a prefix (`z = dec` of `z = dec ^ 2`):
    // that error is the one to report. Either way the names stay defined, so later lines add no noise.
    scope.markUsed(v);
    if (!cx.syntaxErrorIn(e.range)) cx.report('bad-argument', v.range, `a model statement is NAME = op(args) or arithmetic on tensors; got ${cx.src(v)}`, { fix: v.kind === 'ident' ? `to rename a tensor, use it directly; or write ${e.targets[0].name} = relu(${cx.src(v)})` : undefined });
    defineUnknown(e, 'statement', ex);
    return;
  }
  const opName = v.callee.name;
  const info = OP_DEFS[opName]?.info;
  if (info && e.targets.length > info.outputs.length) {
    cx.report('bad-argument', e.targets[info.outputs.length].range, `${opName} has ${info.outputs.length === 1 ? 'one output' : `${info.outputs.length} outputs (${info.outputs.join(', ')})`}; got ${e.targets.length} names`, { fix: `write ${info.outputs.length === 1 ? 'out' : info.outputs.join(', ')} = ${opName}(...)` });
  }
  const r = ex.call(v, e.targets.map((t) => t.name), e.targets.map((t) => t.range), { label: e.targets.map((t) => t.name).join(', '), range: e.range, hintAt: cx.position(e.end) });
  if (!r.known) { defineUnknown(e, opName, ex); return; }
  const { shape, state, extra } = r;
  if (!shape) { defineUnknown(e, opName, ex, state); return; }
  e.targets.forEach((t, i) => {
    if (i === 0) scope.define(t.name, t.range, shape, 'op', e, () => `${t.name} = ${opName}(...): ${formatShape(shape)}`);
    else if (extra?.[i - 1]) {
      const x = extra[i - 1];
      scope.define(t.name, t.range, x, 'op', e, () => `${t.name} = ${opName}(...)'s ${info?.outputs[i]}: ${formatShape(x)}`);
      // A secondary output (attention's weights) is named to be looked at (hover, the shapes that ran), not
      // necessarily read: no "unused" warning for it.
      const ent = scope.get(t.name);
      if (ent) ent.used = true;
    } else if (i === 1 && RECURRENT_OPS.has(opName)) {
      const st = state ?? placeholderState(opName);
      scope.define(t.name, t.range, st, 'op', e, () => `${t.name}: ${opName} state (${st.layers} layer(s), ${st.directions} direction(s), size ${formatDim(st.size)}); h${st.c ? ', c' : ''}: ${formatShape(st.h)}`);
    }
  });
}

const unknownShape = (): Shape => ({ elem: 'float', dims: [] });
const placeholderState = (op: string): StateValue => ({ kind: 'state', cell: op as StateValue['cell'], layers: 1, directions: 1, size: {}, h: unknownShape() });

/** Outputs of a statement whose shape is unknown (an error was reported): defined, so later statements
 *  report their own problems only, but without a value, so nothing checks against a made-up shape. */
function defineUnknown(e: AssignEntry, opName: string, ex: ExprChecker, state?: StateValue): void {
  const { scope } = ex;
  e.targets.forEach((t, i) => {
    if (i === 0) scope.define(t.name, t.range, unknownShape(), 'op', e, () => `${t.name} = ${opName}(...)`);
    else if (i === 1 && RECURRENT_OPS.has(opName)) scope.define(t.name, t.range, state ?? placeholderState(opName), 'op', e, () => `${t.name}: ${opName} state`);
    const ent = scope.get(t.name);
    if (ent?.stmt !== e) return;
    ent.used = true;
    ent.unknown = i === 0 || !state;
    scope.values.delete(t.name);
  });
}
