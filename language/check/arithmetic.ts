// The shape of `a + b`, `a - b`, `a * b`, `a / b`, `2 * a`, `-a` (language.md, "Expressions"): elementwise,
// dimensions matched by name, the smaller side broadcast, the result in the larger side's order.
import type { BinaryExpr, Expr, UnaryExpr } from '../syntax/tree';
import type { Diagnostic, Range, Shape, StateValue, TensorRef } from '../types';
import { largerSide, matchAxes } from './broadcast';
import { formatDim, formatShape } from './dims';

export type ArithOp = 'add' | 'sub' | 'mul' | 'div';
/** The dimensions the data sets per batch (its steps): never a feature size to project onto. */
export const STEP_DIMS: ReadonlySet<string> = new Set(['time', 'src', 'tgt']);
export const ARITH_OPS: Record<'+' | '-' | '*' | '/', ArithOp> = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div' };
export const ARITH_RULE = 'elementwise; dimensions matched by name, the smaller side broadcast';

export interface Operand { value?: Shape | StateValue; ref?: TensorRef; def?: Range }

/** What the checker lends this rule: resolving an operand (a name, a call, another expression) and reporting. */
export interface ArithHooks {
  tensor(e: Expr): Operand;
  report(code: Diagnostic['code'], range: Range, message: string, extra?: { fix?: string }): void;
  src(e: Expr): string;
}

/** The result of one arithmetic expression, or undefined (an error was reported, or an operand had one). */
export type ArithResult =
  | { kind: 'tensors'; op: ArithOp; shape: Shape; left: TensorRef; right: TensorRef }
  | { kind: 'scalar'; op: ArithOp; shape: Shape; tensor: TensorRef; k: number; tensorFirst: boolean };

export function inferArithmetic(e: BinaryExpr | UnaryExpr, h: ArithHooks): ArithResult | undefined {
  if (e.kind === 'unary') {
    const x = h.tensor(e.operand);
    const shape = floatShape(x, e.operand, h);
    return shape && x.ref ? { kind: 'scalar', op: 'mul', shape, tensor: x.ref, k: -1, tensorFirst: true } : undefined;
  }
  const op = ARITH_OPS[e.op];
  const ln = numberOf(e.left), rn = numberOf(e.right);
  if (ln !== undefined && rn !== undefined) {
    h.report('bad-argument', e.range, `${h.src(e)} is a number; arithmetic in the model needs a tensor on one side`, { fix: 'write a tensor on one side, e.g. 0.5 * h' });
    return undefined;
  }
  if (op === 'div' && rn === 0) {
    h.tensor(e.left); // read: its tensors are not "unused"
    h.report('bad-argument', e.right.range, `${h.src(e)} divides by 0: every value becomes infinite or NaN`, { fix: 'divide by a number other than 0' });
    return undefined;
  }
  if (ln !== undefined || rn !== undefined) {
    const side = ln !== undefined ? e.right : e.left;
    const x = h.tensor(side);
    const shape = floatShape(x, side, h);
    return shape && x.ref ? { kind: 'scalar', op, shape, tensor: x.ref, k: (ln ?? rn)!, tensorFirst: ln === undefined } : undefined;
  }
  const a = h.tensor(e.left), b = h.tensor(e.right);
  const sa = floatShape(a, e.left, h), sb = floatShape(b, e.right, h);
  if (!sa || !sb || !a.ref || !b.ref) return undefined;
  const shape = broadcast(e, sa, sb, h, [e.left, e.right]);
  return shape ? { kind: 'tensors', op, shape, left: a.ref, right: b.ref } : undefined;
}

/** `[batch, time, hidden] + [batch, hidden]`: the larger side's shape, or a diagnostic naming both. */
function broadcast(e: BinaryExpr, a: Shape, b: Shape, h: ArithHooks, sides: [Expr, Expr]): Shape | undefined {
  const bigLeft = largerSide(a.dims, b.dims) === 'left';
  const smallText = h.src(bigLeft ? sides[1] : sides[0]);
  const [big, small] = bigLeft ? [a, b] : [b, a];
  const match = matchAxes(big.dims, small.dims);
  const missing = small.dims.filter((_, i) => match[i] < 0);
  if (missing.length) {
    const free = big.dims.filter((_, i) => !match.includes(i));
    const twin = missing.map((d) => free.find((f) => f.size !== undefined && f.size === d.size)).find(Boolean);
    const what = `${h.src(e)}: ${formatShape(a)} ${e.op} ${formatShape(b)}`;
    if (twin) {
      const d = missing.find((m) => m.size === twin.size)!;
      // Projecting onto the data's steps (time, src, tgt) would tie weights to a sequence length: not a fix.
      const steps = twin.name !== undefined && STEP_DIMS.has(twin.name);
      h.report('dim-coincidence', e.range, `${what}: ${formatDim(d)} and ${formatDim(twin)} have the same size but are different dimensions; arithmetic matches dimensions by name`, {
        fix: steps
          ? `${d.name ?? d.size} is not the data's ${twin.name} (its steps): combine tensors whose named dimensions agree`
          : `if they are the same dimension, give them one name; otherwise project one side first, e.g. dense(${smallText}, ${twin.name ?? twin.size})`,
      });
    } else {
      h.report('shape-mismatch', e.range, `${what}: ${missing.map((d) => formatDim(d)).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in ${bigLeft ? 'the left' : 'the right'} side; arithmetic matches dimensions by name and broadcasts only the ones a side lacks`, {
        fix: 'give both sides the same named dimensions (dense, reshape or a reduction such as mean(x, over = time))',
      });
    }
    return undefined;
  }
  return { elem: 'float', dims: big.dims, ...(a.masked || b.masked ? { masked: true } : {}) };
}

function floatShape(x: Operand, e: Expr, h: ArithHooks): Shape | undefined {
  const v = x.value;
  if (!v || v.kind === 'state') return undefined;
  if (v.elem !== 'float') {
    h.report('shape-mismatch', e.range, `arithmetic takes float tensors; ${h.src(e)} is ${formatShape(v)} (token ids)`, { fix: `turn the ids into vectors first: embedding(${h.src(e)}, vocab, size) or one_hot(${h.src(e)}, vocab)` });
    return undefined;
  }
  return v;
}

/** The value of a number-only expression (`2`, `-0.5`, `(1 - 0.5) * 2`), else undefined. Iterative and
 *  bounded: it runs before the operation-depth limit is checked. */
export function numberOf(root: Expr): number | undefined {
  const vals: number[] = [];
  const stack: { e: Expr; done: boolean }[] = [{ e: root, done: false }];
  for (let steps = 0; stack.length; steps++) {
    if (steps > 10_000) return undefined;
    const top = stack.pop()!;
    const e = top.e;
    if (e.kind === 'number') { vals.push(e.value); continue; }
    if (e.kind !== 'unary' && e.kind !== 'binary') return undefined;
    if (!top.done) {
      stack.push({ e, done: true });
      if (e.kind === 'unary') stack.push({ e: e.operand, done: false });
      else stack.push({ e: e.right, done: false }, { e: e.left, done: false });
      continue;
    }
    if (e.kind === 'unary') { vals.push(-vals.pop()!); continue; }
    const r = vals.pop()!, l = vals.pop()!;
    vals.push(e.op === '+' ? l + r : e.op === '-' ? l - r : e.op === '*' ? l * r : l / r);
  }
  return vals.length === 1 && Number.isFinite(vals[0]) ? vals[0] : undefined;
}
