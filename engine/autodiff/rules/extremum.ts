// Shared by the Max and Min rules (not a rule itself).
import type { Contribution, GradContext } from '../types';

export function binaryExtremum(c: GradContext, wins: 'Greater' | 'Less'): (Contribution | undefined)[] {
  if (c.x.length !== 2) throw new Error(`${c.node.type}: the gradient supports two inputs, got ${c.x.length}`);
  const g = c.g;
  const d = c.dy[0]!;
  const [a, b] = c.x;
  const zero = g.constFloat(0);
  const tie = g.op1('Equal', [a, b]);
  const half = g.op1('Mul', [d, g.constFloat(0.5)]);
  const share = (first: string, second: string) => g.op1('Where', [tie, half, g.op1('Where', [g.op1(wins, [first, second]), d, zero])]);
  return [
    c.needs[0] ? { unbroadcast: share(a, b), to: c.dims(a) } : undefined,
    c.needs[1] ? { unbroadcast: share(b, a), to: c.dims(b) } : undefined,
  ];
}
