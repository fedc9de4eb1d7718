// Arithmetic between tensors broadcasts by name (language.md, "Expressions"): each dimension of the smaller
// side is the larger side's dimension of the same name; one it lacks is broadcast. The checker and the
// engine both align operands with matchAxes, so what is checked is what runs.

export interface AxisInfo { name?: string; size?: number }

/**
 * For each axis of `small`, the axis of `big` it is (same name; an unnamed axis is an unnamed one of the same
 * size, taken in order), or -1 where `big` has none.
 */
export function matchAxes(big: readonly AxisInfo[], small: readonly AxisInfo[]): number[] {
  const used = new Set<number>();
  return small.map((d) => {
    const i = big.findIndex((b, k) => !used.has(k) && (d.name !== undefined ? b.name === d.name : b.name === undefined && b.size === d.size));
    if (i >= 0) used.add(i);
    return i;
  });
}

/** Which side sets the result's order: the one with more dimensions, the left one on a tie. */
export function largerSide(a: readonly AxisInfo[], b: readonly AxisInfo[]): 'left' | 'right' {
  return b.length > a.length ? 'right' : 'left';
}
