// Experiment names as Python names: a tensor or module name, a class name, a number literal.

const KEYWORDS = new Set(('False None True and as assert async await break class continue def del elif else except finally for from '
  + 'global if import in is lambda nonlocal not or pass raise return try while with yield').split(' '));

/** `dense#1` (a nested call's generated name) -> `dense__1`; a keyword gets a trailing underscore. */
export function pyName(name: string): string {
  let n = name.replace(/#/g, '__').replace(/[^A-Za-z0-9_]/g, '_');
  if (/^\d/.test(n)) n = `_${n}`;
  return KEYWORDS.has(n) ? `${n}_` : n;
}

/** `char_lm` -> `CharLm`. */
export function className(experiment: string): string {
  const c = experiment.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  return /^[A-Za-z]/.test(c) ? c : `Model${c}`;
}

/** A number as Python writes it (1e-09, 0.5, 2). */
export function pyNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  return Number.isInteger(n) && Math.abs(n) < 1e15 ? String(n) : String(n).replace(/e\+?/, 'e');
}
