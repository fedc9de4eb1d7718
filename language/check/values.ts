// Literal values in settings and op arguments: reading them, checking their types, and checking
// `key = value` entries against a parameter list. Shared by the data, call and settings passes.
import type { AssignEntry, Expr } from '../syntax/tree';
import type { ArgValue } from '../sources/index';
import type { Value } from '../types';
import type { CheckContext } from './context';
import { closest } from './suggest';

export interface KeyParam { name: string; type: string; choices?: string[] }

export function literal(e: Expr): ArgValue | undefined {
  switch (e.kind) {
    case 'number': return e.value;
    case 'unary': { const v = literal(e.operand); return typeof v === 'number' ? -v : undefined; }
    case 'string': return e.value;
    case 'bool': return e.value;
    case 'ident': return e.name;
    case 'list': {
      const items = e.items.map(literal);
      if (items.every((i) => typeof i === 'number')) return items as number[];
      if (items.every((i) => typeof i === 'string')) return items as string[];
      return undefined;
    }
  }
  return undefined;
}

export function numArg(e: Expr | undefined): number | undefined {
  if (!e) return undefined;
  const l = literal(e);
  return typeof l === 'number' ? l : undefined;
}

/** A setting as the engine reads it (DataSource.args). */
export function toValue(e: Expr, src: (e: Expr) => string): Value {
  switch (e.kind) {
    case 'number': return { kind: 'number', value: e.value, integer: e.integer };
    case 'unary': { const v = toValue(e.operand, src); return v.kind === 'number' ? { ...v, value: -v.value } : v; }
    case 'string': return { kind: 'string', value: e.value };
    case 'bool': return { kind: 'bool', value: e.value };
    case 'ident': return { kind: 'name', name: e.name };
    case 'member': return { kind: 'name', name: `${e.object.name}.${e.field.name}` };
    case 'list': return { kind: 'list', items: e.items.map((i) => toValue(i, src)) };
    case 'call': {
      const kwargs: Record<string, Value> = {};
      const args: Value[] = [];
      for (const a of e.args) { if (a.name) kwargs[a.name.name] = toValue(a.value, src); else args.push(toValue(a.value, src)); }
      return { kind: 'call', name: e.callee.name, args, kwargs };
    }
    case 'binary': return { kind: 'dimexpr', text: src(e), factors: [] };
    default: return { kind: 'name', name: '' };
  }
}

/** What is wrong with a value for a parameter of this type, or undefined. */
export function typeProblem(v: Expr, type: string, choices?: string[]): string | undefined {
  const lit = literal(v);
  switch (type) {
    case 'int': return typeof lit === 'number' && Number.isInteger(lit) ? (lit < 0 ? 'must not be negative' : undefined) : 'must be a whole number';
    case 'float': return typeof lit === 'number' ? undefined : 'must be a number';
    case 'bool': return typeof lit === 'boolean' ? undefined : 'must be true or false';
    case 'string': return v.kind === 'string' ? undefined : 'must be a string in quotes';
    case 'name': return v.kind === 'ident' && (!choices || choices.includes(v.name)) ? undefined : `must be one of ${choices?.join(', ')}`;
    case 'ints': return Array.isArray(lit) && lit.every((x) => typeof x === 'number' && Number.isInteger(x) && x > 0) ? undefined : 'must be a list of whole numbers, e.g. [10, 20, 40]';
    case 'strings': return Array.isArray(lit) && lit.every((x) => typeof x === 'string') ? undefined : 'must be a list of strings, e.g. ["a", "b"]';
  }
  return undefined;
}

/** An op parameter's default as written in its documentation (`"dot"`, `0.5`, `true`). */
export function parseDefault(d: string): unknown {
  if (d === 'true' || d === 'false') return d === 'true';
  if (/^-?[\d.e-]+$/.test(d)) return Number(d);
  return d.replace(/^"|"$/g, '');
}

/** Checks `key = value` entries against a parameter list: unknown, duplicate and ill-typed keys. */
export function checkKeys(cx: CheckContext, entries: AssignEntry[], params: KeyParam[], where: string): Map<string, AssignEntry> {
  const seen = new Map<string, AssignEntry>();
  for (const e of entries) {
    const key = e.targets[0];
    if (e.targets.length !== 1) { cx.report('bad-argument', e.range, `${where} holds one key = value a line`); continue; }
    const p = params.find((q) => q.name === key.name);
    if (!p) {
      const guess = closest(key.name, params.map((q) => q.name));
      cx.report('bad-argument', key.range, `${where} has no key ${key.name}; its keys are ${params.map((q) => q.name).join(', ')}`, cx.didYouMean(guess, key.range));
      continue;
    }
    if (seen.has(key.name)) { cx.report('bad-argument', key.range, `${key.name} is set twice in ${where}`, { fix: 'remove one', related: [{ range: seen.get(key.name)!.targets[0].range, message: 'first set here' }] }); continue; }
    seen.set(key.name, e);
    if (e.value.kind === 'missing') continue;
    const bad = typeProblem(e.value, p.type, p.choices);
    if (bad) cx.report('bad-argument', e.value.range, `${where}: ${key.name} ${bad}; got ${cx.src(e.value)}`, { fix: p.choices ? `use one of ${p.choices.join(', ')}` : undefined });
  }
  return seen;
}
