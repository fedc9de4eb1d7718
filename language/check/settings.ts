// Pass 4: the train, sample and predict blocks. Each setting is checked against the catalog in
// settings/index.ts; the loss reads the model's tensors (loss.ts).
import type { AssignEntry, Block, Expr } from '../syntax/tree';
import { BLOCK_KEYS, DEVICES, INITS, METRICS, OPTIMIZERS } from '../settings/index';
import type { Analysis, Shape, TrainSettings } from '../types';
import type { CheckContext } from './context';
import type { ExprChecker } from './expr';
import { checkLoss } from './loss';
import { closest } from './suggest';
import { checkKeys, numArg } from './values';

type Catalog = Record<string, { name: string; params: { name: string; type: string; default?: string }[] }>;

const DEFAULT_TRAIN = (): TrainSettings => ({
  optimizer: { name: 'adam', params: { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0 } },
  epochs: 10, metrics: [], init: { name: 'default', params: {} }, seed: 42, device: 'auto',
});

export function checkTrain(b: Block, ex: ExprChecker, provided: ReadonlyMap<string, Shape>): TrainSettings {
  const cx = ex.cx;
  const entries = b.entries.filter((e): e is AssignEntry => e.kind === 'assign');
  const keys = BLOCK_KEYS.train.map((k) => ({ ...k, type: ['call', 'names'].includes(k.type) ? 'any' : k.type, choices: k.name === 'device' ? DEVICES : undefined }));
  const seen = checkKeys(cx, entries, keys, 'train');
  const t = DEFAULT_TRAIN();
  const lossE = seen.get('loss');
  if (!lossE) cx.report('bad-argument', b.keyword, 'train needs a loss: loss = cross_entropy(logits, y), binary_cross_entropy(p, y) or mse(out, y)', { fix: 'add loss = cross_entropy(logits, y)' });
  else if (lossE.value.kind !== 'missing') {
    const r = checkLoss(lossE.value, {
      report: (c, rg, m, x) => cx.report(c, rg, m, x), src: (x) => cx.src(x), modelInsertEdit: (line) => ex.modelInsertEdit(line),
      freshName: (base) => { let n = base; for (let k = 2; ex.scope.has(n) || provided.has(n); k++) n = `${base}${k}`; return n; },
      resolve: (e) => {
        if (e.kind === 'ident' && !ex.scope.has(e.name) && provided.has(e.name)) {
          // A target straight from the data (no input declaration needed).
          cx.symbols.find((s) => s.kind === 'data')?.references.push(e.range);
          return { value: provided.get(e.name)!, ref: { name: e.name, range: e.range } };
        }
        return ex.inferExpr(e, false);
      },
    });
    if (r) t.loss = r;
  }
  const opt = seen.get('optimizer');
  if (opt && opt.value.kind !== 'missing') { const o = callParams(opt.value, OPTIMIZERS, 'optimizer', cx); if (o) t.optimizer = o; }
  const init = seen.get('init');
  if (init && init.value.kind !== 'missing') { const o = callParams(init.value, INITS, 'init', cx); if (o) t.init = o; }
  const whole = (key: string, min: number, set: (n: number) => void, fix?: string) => {
    const n = numArg(seen.get(key)?.value);
    if (n === undefined) return;
    if (n >= min && Number.isInteger(n)) set(n);
    else cx.report('bad-argument', seen.get(key)!.value.range, `${key} must be a whole number >= ${min}; got ${n}`, fix ? { fix } : {});
  };
  whole('epochs', 1, (n) => { t.epochs = n; });
  whole('steps', 1, (n) => { t.steps = n; });
  whole('threads', 1, (n) => { t.threads = n; });
  whole('valid_steps', 1, (n) => { t.validSteps = n; });
  const clip = numArg(seen.get('clip')?.value);
  if (clip !== undefined) { if (clip > 0) t.clip = clip; else cx.report('bad-argument', seen.get('clip')!.value.range, `clip must be > 0; got ${clip}`, { fix: 'use e.g. clip = 5, or remove it' }); }
  const seed = numArg(seen.get('seed')?.value);
  if (seed !== undefined) t.seed = seed;
  const dev = seen.get('device')?.value;
  if (dev && dev.kind === 'ident' && DEVICES.includes(dev.name)) t.device = dev.name;
  const every = numArg(seen.get('checkpoint_every')?.value);
  if (every !== undefined) { if (every > 0) t.checkpointEvery = every; else cx.report('bad-argument', seen.get('checkpoint_every')!.value.range, `checkpoint_every is in seconds and must be > 0; got ${every}`, { fix: 'e.g. checkpoint_every = 300 (five minutes)' }); }
  const carry = seen.get('carry_state')?.value;
  if (carry && carry.kind === 'bool') t.carryState = carry.value;
  const met = seen.get('metrics')?.value;
  if (met && met.kind !== 'missing') t.metrics = checkMetrics(met, t, cx);
  return t;
}

function checkMetrics(met: Expr, t: TrainSettings, cx: CheckContext): string[] {
  const out: string[] = [];
  for (const it of met.kind === 'list' ? met.items : [met]) {
    if (it.kind !== 'ident') { cx.report('bad-argument', it.range, `a metric is a name (${Object.keys(METRICS).join(', ')}); got ${cx.src(it)}`); continue; }
    if (!METRICS[it.name]) {
      cx.report('unknown-op', it.range, `unknown metric ${it.name}; the metrics are ${Object.keys(METRICS).join(', ')}`, cx.didYouMean(closest(it.name, Object.keys(METRICS)), it.range));
      continue;
    }
    if (it.name === 'perplexity' && t.loss && t.loss.fn !== 'cross_entropy') cx.report('bad-argument', it.range, `perplexity needs a cross_entropy loss; this experiment trains with ${t.loss.fn}`, { fix: 'use accuracy, or remove perplexity' });
    out.push(it.name);
  }
  return out;
}

/** `adam(lr = 0.01)` or `adam` against a catalog: the name, and every parameter (defaults filled in). */
function callParams(e: Expr, catalog: Catalog, what: string, cx: CheckContext): { name: string; params: Record<string, number> } | undefined {
  const name = e.kind === 'call' ? e.callee.name : e.kind === 'ident' ? e.name : undefined;
  const nameRange = e.kind === 'call' ? e.callee.range : e.range;
  if (!name) { cx.report('bad-argument', e.range, `expected a ${what} such as ${Object.keys(catalog)[0]}(...), got ${cx.src(e)}`); return undefined; }
  const entry = catalog[name];
  if (!entry) {
    cx.report('unknown-op', nameRange, `unknown ${what} ${name}; the ${what}s are ${Object.keys(catalog).join(', ')}`, cx.didYouMean(closest(name, Object.keys(catalog)), nameRange));
    return undefined;
  }
  const params: Record<string, number> = {};
  for (const p of entry.params) if (p.default !== undefined && !isNaN(Number(p.default))) params[p.name] = Number(p.default);
  if (e.kind !== 'call') return { name, params };
  let i = 0;
  const seen = new Set<string>();
  for (const a of e.args) {
    const p = a.name ? entry.params.find((q) => q.name === a.name!.name) : entry.params[i++];
    if (!p) {
      const guess = a.name ? closest(a.name.name, entry.params.map((q) => q.name)) : undefined;
      cx.report('bad-argument', (a.name ?? a.value).range, a.name ? `${name} has no argument ${a.name.name}; its arguments are ${entry.params.map((q) => q.name).join(', ') || 'none'}` : `${name} takes ${entry.params.length} argument(s)`, cx.didYouMean(guess, a.name?.range ?? a.value.range));
      continue;
    }
    if (seen.has(p.name)) { cx.report('bad-argument', a.range, `${name}: ${p.name} is given twice`); continue; }
    seen.add(p.name);
    const n = numArg(a.value);
    if (n === undefined || !(n >= 0)) { cx.report('bad-argument', a.value.range, `${name}'s ${p.name} must be a number >= 0; got ${cx.src(a.value)}`); continue; }
    params[p.name] = n;
  }
  return { name, params };
}

export function checkSample(b: Block, cx: CheckContext, train: TrainSettings | undefined): Analysis['sample'] {
  const seen = checkKeys(cx, b.entries.filter((e): e is AssignEntry => e.kind === 'assign'), BLOCK_KEYS.sample, 'sample');
  const temp = numArg(seen.get('temperature')?.value) ?? 1;
  if (temp <= 0) cx.report('bad-argument', seen.get('temperature')!.value.range, `temperature must be > 0; got ${temp}`, { fix: 'use e.g. temperature = 0.8' });
  const prime = seen.get('prime')?.value;
  if (train?.loss && train.loss.fn !== 'cross_entropy') cx.report('bad-argument', b.keyword, `sample generates tokens from a language model (a cross_entropy loss over the vocabulary); this experiment trains with ${train.loss.fn}`, { fix: 'use predict { } instead' });
  return { prime: prime?.kind === 'string' ? prime.value : '', length: numArg(seen.get('length')?.value) ?? 200, temperature: temp > 0 ? temp : 1 };
}

export function checkPredict(b: Block, cx: CheckContext): Analysis['predict'] {
  const seen = checkKeys(cx, b.entries.filter((e): e is AssignEntry => e.kind === 'assign'), BLOCK_KEYS.predict, 'predict');
  const from = seen.get('from')?.value;
  return { from: from?.kind === 'string' ? from.value : undefined };
}
