// Loss checks: the prediction and the target must fit, and the fix says how (usually `last(...)`).
import type { Expr } from '../syntax/tree';
import { LOSSES } from '../settings/index';
import type { Diagnostic, QuickFix, Range, Related, Shape, StateValue, TensorRef, TextEdit, TrainSettings } from '../types';
import { dimRelation, dimsText, formatDim } from './dims';
import { closest } from './suggest';

interface LossHost {
  report(code: Diagnostic['code'], range: Range, message: string, extra?: { fix?: string; quickFixes?: QuickFix[]; related?: Related[] }): void;
  src(n: { start: number; end: number }): string;
  resolve(e: Expr): { value?: Shape | StateValue; ref?: TensorRef; def?: Range };
  modelInsertEdit(line: string): TextEdit | undefined;
  /** A tensor name the model does not use yet, for a fix that adds a statement. */
  freshName(base: string): string;
}

export function checkLoss(e: Expr, h: LossHost): TrainSettings['loss'] | undefined {
  if (e.kind !== 'call') {
    h.report('bad-argument', e.range, `loss is a call such as cross_entropy(logits, y); got ${h.src(e)}`);
    return undefined;
  }
  const fn = e.callee.name;
  if (!LOSSES[fn]) {
    const guess = closest(fn, Object.keys(LOSSES));
    h.report('unknown-op', e.callee.range, `unknown loss ${fn}; the losses are ${Object.keys(LOSSES).join(', ')}`, {
      fix: guess ? `did you mean ${guess}?` : undefined,
      quickFixes: guess ? [{ title: `Change to ${guess}`, edits: [{ range: e.callee.range, newText: guess }] }] : undefined,
    });
    return undefined;
  }
  if (e.args.length !== 2 || e.args.some((a) => a.name)) {
    h.report('bad-argument', e.range, `${fn} takes two tensors: ${fn}(${LOSSES[fn].params.map((p) => p.name).join(', ')})`);
    return undefined;
  }
  // The prediction may be wrapped in last(...) / first(...).
  const ops: { shape: Shape; ref: TensorRef; def?: Range; expr: Expr }[] = [];
  let failed = false;
  for (const a of e.args) {
    let ex = a.value;
    let wrap: 'last' | 'first' | undefined;
    if (ex.kind === 'call' && (ex.callee.name === 'last' || ex.callee.name === 'first') && ex.args.length === 1) { wrap = ex.callee.name; ex = ex.args[0].value; }
    // A loss reads tensors the model computed: an expression here would be a layer outside the model, which
    // predict and the export would not have.
    if (ex.kind === 'call' || ex.kind === 'binary' || ex.kind === 'unary') {
      readNames(ex, h); // its names are read (no "unused" on the statements that make them)
      const name = h.freshName('pred');
      h.report('bad-argument', ex.range, `${fn}'s operands are tensors of the model (optionally in last(...) or first(...)); got ${h.src(ex)}`, { fix: `compute it in the model block, e.g. ${name} = ${h.src(ex)}, and write ${fn}(${name}, ...)` });
      failed = true;
      continue;
    }
    const r = h.resolve(ex);
    // Resolve both operands before giving up, so the second one still counts as used.
    if (!r.value || !r.ref || r.value.kind === 'state') { failed = true; continue; }
    let shape = r.value;
    if (wrap) {
      if (shape.dims.length < 2) { h.report('loss-shape', a.value.range, `${wrap}(...) drops time, but ${h.src(ex)}: ${dimsText(shape.dims)} has none`, { fix: `remove ${wrap}(...)` }); return undefined; }
      shape = { elem: shape.elem, dims: [shape.dims[0], ...shape.dims.slice(2)], bound: shape.bound };
      r.ref.wrap = wrap;
    }
    if (shape.dims.length === 0) { failed = true; continue; } // its statement already reported
    ops.push({ shape, ref: r.ref, def: r.def, expr: a.value });
  }
  if (failed) return undefined;
  const [pred, tgt] = ops;
  const pt = h.src(pred.expr), tt = h.src(tgt.expr);
  const related = (o: typeof pred, what: string) => (o.def ? [{ range: o.def, message: `${what} ${h.src(o.expr)} gets its shape here` }] : undefined);
  const wrapLast: QuickFix = { title: `Wrap in last(...): ${fn}(last(${pt}), ${tt})`, edits: [{ range: pred.expr.range, newText: `last(${pt})` }], preferred: true };

  if (fn === 'cross_entropy') {
    if (pred.shape.elem !== 'float') { h.report('loss-shape', pred.expr.range, `cross_entropy needs float logits [.., classes]; got ${pt}: int${dimsText(pred.shape.dims)}`, { fix: 'feed the output of dense(..., classes)' }); return undefined; }
    if (tgt.shape.elem !== 'int') { h.report('loss-shape', tgt.expr.range, `cross_entropy needs integer class ids as the target; got ${tt}: float${dimsText(tgt.shape.dims)}`, { fix: 'use mse for float targets, or binary_cross_entropy for 0/1' }); return undefined; }
    const lead = pred.shape.dims.slice(0, -1);
    const classes = pred.shape.dims[pred.shape.dims.length - 1];
    const want = `${tt} with exactly the dimensions of ${pt} without its last (classes), i.e. ${dimsText(lead)}`;
    if (lead.length === tgt.shape.dims.length + 1 && lead[0] && dimRelation(lead[0], tgt.shape.dims[0]) === 'same' && tgt.shape.dims.every((d, i) => dimRelation(d, lead[i === 0 ? 0 : i + 1]) === 'same')) {
      h.report('loss-shape', pred.expr.range, `cross_entropy needs ${want}; but ${tt} is ${dimsText(tgt.shape.dims)}: the logits still have ${formatDim(lead[1])}, one prediction per step, while the target has one label per example`, {
        fix: `take the last step: ${fn}(last(${pt}), ${tt})`, quickFixes: [wrapLast], related: related(pred, 'the logits'),
      });
      return undefined;
    }
    if (tgt.shape.dims.length === lead.length + 1) {
      h.report('loss-shape', tgt.expr.range, `cross_entropy needs ${want}; but ${tt} is ${dimsText(tgt.shape.dims)}: the target still has ${formatDim(tgt.shape.dims[1] ?? tgt.shape.dims[0])} while the logits have one prediction per example`, {
        fix: `predict every step: remove the last(...)/pooling before the dense layer, or use a target without time`, related: related(pred, 'the logits'),
      });
      return undefined;
    }
    const ok = lead.length === tgt.shape.dims.length && lead.every((d, i) => dimRelation(d, tgt.shape.dims[i]) === 'same');
    if (!ok) {
      const coincidence = lead.length === tgt.shape.dims.length && lead.every((d, i) => dimRelation(d, tgt.shape.dims[i]) !== 'different');
      h.report(coincidence ? 'dim-coincidence' : 'loss-shape', tgt.expr.range, `cross_entropy needs ${want}; got ${tt}: ${dimsText(tgt.shape.dims)}${coincidence ? ' (equal only by size)' : ''}`, {
        fix: lead.length === tgt.shape.dims.length && lead.length >= 2 && dimRelation(lead[0], tgt.shape.dims[1]) === 'same' ? 'batch and time are swapped in one of them: keep [batch, time] everywhere' : 'make the logits and the target share their leading dimensions',
        related: related(pred, 'the logits'),
      });
      return undefined;
    }
    // The class count must cover the target ids.
    if (tgt.shape.bound) {
      const b = tgt.shape.bound;
      const rel = dimRelation(classes, b);
      if (rel === 'coincidence') {
        h.report('dim-coincidence', pred.expr.range, `the logits have ${formatDim(classes)} classes, equal to ${tt}'s bound ${formatDim(b)} only by size`, { fix: b.name ? `size the last dense layer with ${b.name}: dense(..., ${b.name})` : undefined, related: related(pred, 'the logits') });
      } else if (rel === 'different' && classes.size !== undefined && b.size !== undefined && classes.size < b.size) {
        h.report('index-range', pred.expr.range, `the logits have ${formatDim(classes)} classes but ${tt}'s ids go up to ${b.size - 1} (< ${formatDim(b)})`, { fix: b.name ? `size the last dense layer with ${b.name}: dense(..., ${b.name})` : `use ${b.size} classes`, related: related(pred, 'the logits') });
      } else if (rel === 'different' && (classes.size === undefined || b.size === undefined) && classes.name && b.name) {
        h.report('index-range', pred.expr.range, `the logits have ${formatDim(classes)} classes but ${tt}'s ids are < ${formatDim(b)}: nothing says ${classes.name} covers ${b.name}`, { fix: `size the last dense layer with ${b.name}`, related: related(pred, 'the logits') });
      }
    }
  } else if (fn === 'binary_cross_entropy') {
    const p = pred.shape.dims;
    const okP = p.length === 1 || (p.length === 2 && p[1].size === 1 && p[1].name === undefined);
    if (!okP || p[0].name !== 'batch') {
      const seq = p.length === 3 && p[0].name === 'batch';
      h.report('loss-shape', pred.expr.range, `binary_cross_entropy needs one probability per example, [batch] or [batch, 1]; got ${pt}: ${dimsText(p)}`, {
        fix: seq ? `take the last step: binary_cross_entropy(last(${pt}), ${tt})` : 'end the model with dense(..., 1, activation = sigmoid)', quickFixes: seq ? [wrapLast] : undefined, related: related(pred, 'the prediction'),
      });
      return undefined;
    }
    if (tgt.shape.dims.length !== 1 || dimRelation(tgt.shape.dims[0], p[0]) !== 'same') {
      h.report('loss-shape', tgt.expr.range, `binary_cross_entropy needs a target [batch] of 0/1; got ${tt}: ${dimsText(tgt.shape.dims)}`, { fix: 'use a classify source (y: int[batch] < classes)' });
      return undefined;
    }
    if (tgt.shape.bound && tgt.shape.bound.size !== undefined && tgt.shape.bound.size > 2) {
      h.report('index-range', tgt.expr.range, `binary_cross_entropy needs 0/1 labels; ${tt} has ${tgt.shape.bound.size} classes`, { fix: `use cross_entropy with dense(..., classes)` });
    }
  } else if (fn === 'mse') {
    const a = pred.shape.dims, b = tgt.shape.dims;
    const squeeze = (d: typeof a) => (d.length > 1 && d[d.length - 1].name === undefined && d[d.length - 1].size === 1 ? d.slice(0, -1) : d);
    const sa = squeeze(a), sb = squeeze(b);
    const same = sa.length === sb.length && sa.every((d, i) => dimRelation(d, sb[i]) === 'same');
    if (!same) {
      const seq = a.length === b.length + 2 || (a.length === b.length + 1 && sa.length === sb.length + 1);
      h.report('loss-shape', pred.expr.range, `mse needs ${pt} and ${tt} to have the same dimensions; got ${pt}: ${dimsText(a)} and ${tt}: ${dimsText(b)}`, {
        fix: seq ? `take the last step: mse(last(${pt}), ${tt})` : 'make the prediction and the target match (a trailing 1 is ignored)', quickFixes: seq ? [wrapLast] : undefined, related: related(pred, 'the prediction'),
      });
      return undefined;
    }
    if (pred.shape.elem !== 'float') h.report('loss-shape', pred.expr.range, `mse needs float predictions; got ${pt}: int${dimsText(a)}`);
  }
  return { fn, operands: ops.map((o) => o.ref), range: e.range };
}

/** Resolves every name inside a refused loss expression, so the tensors it reads count as used. */
function readNames(e: Expr, h: { resolve(e: Expr): unknown }): void {
  const stack: Expr[] = [e];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.kind === 'ident' || x.kind === 'member') h.resolve(x);
    else if (x.kind === 'binary') stack.push(x.left, x.right);
    else if (x.kind === 'unary') stack.push(x.operand);
    else if (x.kind === 'call') for (const a of x.args) stack.push(a.value);
  }
}
