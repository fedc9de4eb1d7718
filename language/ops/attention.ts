// attention(query, keys, values = keys, score = dot | general | additive): Luong's dot and general scores,
// Bahdanau's additive score. `ctx, w = attention(...)` also gives the weights [batch, tgt, src], which sum to 1
// over src and are 0 on padded source steps (the keys' mask).
import { dimRelation, dimsText, formatDim } from '../check/dims';
import type { Dim, Shape } from '../types';
import type { OpCtx, OpDef } from './types';

export const SCORES = ['dot', 'general', 'additive'] as const;

export const attention: OpDef = {
  info: {
    name: 'attention', signature: 'attention(query, keys, values = keys, score = dot)',
    doc: 'For each query step, a softmax over the source steps of score(query, key), then the weighted sum of the values. dot: q . k (Luong; the feature sizes must be one dimension); general: q W k (Luong, a learned [f_q, f_k] matrix); additive: v . tanh(W_q q + W_k k) (Bahdanau, a learned hidden size f_k). Padded source steps get no weight.',
    rule: '[batch, tgt, f_q], [batch, src, f_k], [batch, src, f_v] -> context [batch, tgt, f_v], weights [batch, tgt, src]',
    params: [
      { name: 'query', type: 'tensor', doc: 'the decoder states, [batch, tgt, f_q] (or one step [batch, f_q])' },
      { name: 'keys', type: 'tensor', doc: 'the encoder outputs, [batch, src, f_k]' },
      { name: 'values', type: 'tensor', default: 'keys', doc: 'what is averaged, [batch, src, f_v] (default: the keys)' },
      { name: 'score', type: 'name', default: 'dot', choices: [...SCORES], doc: 'dot | general | additive' },
    ],
    outputs: ['context', 'weights'],
  },
  infer(ctx) {
    const q = ctx.tensor('query'), k = ctx.tensor('keys');
    const v = ctx.has('values') ? ctx.tensor('values') : k;
    if (!q || !k || !v) return undefined;
    for (const [p, t] of [['query', q], ['keys', k], ['values', v]] as const) if (!floatSeq(ctx, p, t, p === 'query')) return undefined;
    const [kb, ks, kf] = k.dims, [vb, vs, vf] = v.dims;
    if (dimRelation(vb, kb) !== 'same' || dimRelation(vs, ks) !== 'same') {
      ctx.report({ code: 'shape-mismatch', range: ctx.argRange('values'), message: `attention's values must have the keys' batch and source steps [${formatDim(kb)}, ${formatDim(ks)}, ..]; got ${ctx.operandText('values')}: ${dimsText(v.dims)}`, fix: 'pass values computed from the same source sequence as the keys' });
      return undefined;
    }
    const qb = q.dims[0], qf = q.dims[q.dims.length - 1];
    if (dimRelation(qb, kb) !== 'same') {
      ctx.report({ code: 'shape-mismatch', range: ctx.argRange('query'), message: `attention's query and keys need the same batch; got ${dimsText(q.dims)} and ${dimsText(k.dims)}` });
      return undefined;
    }
    const score = ctx.str('score') || 'dot';
    const params = scoreParams(ctx, score, qf, kf);
    if (params === null) return undefined;
    const steps = q.dims.length === 3 ? [qb, q.dims[1]] : [qb];
    const context: Shape = { elem: 'float', dims: [...steps, vf], ...(q.masked ? { masked: true } : {}) };
    const weights: Shape = { elem: 'float', dims: [...steps, ks] };
    return { shape: context, extra: [weights], params, paramRule: PARAM_RULES[score] };
  },
};

const PARAM_RULES: Record<string, string> = { dot: 'none', general: 'f_q*f_k (W)', additive: 'f_k*f_q + f_k*f_k + f_k (W_q, W_k, v)' };

function floatSeq(ctx: OpCtx, p: string, t: Shape, query: boolean): boolean {
  const ok = t.elem === 'float' && (t.dims.length === 3 || (query && t.dims.length === 2)) && t.dims[0].name === 'batch';
  if (!ok) {
    ctx.report({
      code: 'shape-mismatch', range: ctx.argRange(p),
      message: `attention's ${p} is a float [batch, ${p === 'query' ? 'tgt' : 'src'}, features]${query ? ' (or [batch, features])' : ''}; got ${ctx.operandText(p)}: ${t.elem}${dimsText(t.dims)}`,
      fix: t.elem === 'int' ? 'embed the ids first' : 'pass a sequence with batch first, e.g. the outputs of an lstm',
    });
  }
  return ok;
}

/** The learned parameters of a score, or null after a diagnostic (dot needs one feature dimension). */
function scoreParams(ctx: OpCtx, score: string, qf: Dim, kf: Dim): number | undefined | null {
  if (score === 'dot') {
    const rel = dimRelation(qf, kf);
    if (rel === 'same') return 0;
    ctx.report({
      code: rel === 'coincidence' ? 'dim-coincidence' : 'shape-mismatch', range: ctx.argRange('query'),
      message: `the dot score multiplies query and key features, so they must be one dimension; got ${formatDim(qf)} and ${formatDim(kf)}${rel === 'coincidence' ? ' (equal only by size)' : ''}`,
      fix: `use score = general (a learned matrix between them), or project one side to the other's size, e.g. dense(${ctx.operandText('keys')}, ${qf.name ?? qf.size})`,
    });
    return null;
  }
  if (qf.size === undefined || kf.size === undefined) return undefined;
  return score === 'general' ? qf.size * kf.size : kf.size * qf.size + kf.size * kf.size + kf.size;
}
