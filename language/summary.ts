// The Keras-like model summary: one row per statement (shape, parameters), used by `unroll summary`,
// hover and code lens.
import { formatShape } from './check/dims';
import { formatBytes, trainStepMemory } from './check/memory';
import { formatLengthReport } from './data/lengths';
import { OPS } from './ops/index';
import type { Analysis } from './types';

export interface SummaryRow { line: number; name: string; op: string; shape: string; params: string }

export function summaryRows(a: Analysis): SummaryRow[] {
  return a.summaries.map((s) => ({
    line: s.range.start.line + 1,
    name: s.label,
    op: s.op,
    shape: (s.shape && s.shape.dims.length ? formatShape(s.shape) : '(unknown)') + (s.extra ?? []).map((x, i) => `; ${(!s.nested && s.label.split(',')[i + 1]?.trim()) || OPS[s.op]?.outputs[i + 1] || 'out'}: ${formatShape(x)}`).join(''),
    params: s.params === undefined ? '?' : s.params.toLocaleString('en-US'),
  }));
}

export function formatSummary(a: Analysis): string {
  const rows = summaryRows(a);
  const head = { line: 0, name: 'statement', op: 'op', shape: 'output shape', params: 'params' };
  const w = {
    name: Math.max(head.name.length, ...rows.map((r) => r.name.length)),
    op: Math.max(head.op.length, ...rows.map((r) => r.op.length)),
    shape: Math.max(head.shape.length, ...rows.map((r) => r.shape.length)),
    params: Math.max(head.params.length, ...rows.map((r) => r.params.length)),
  };
  const fmt = (r: typeof head) => `${r.name.padEnd(w.name)}  ${r.op.padEnd(w.op)}  ${r.shape.padEnd(w.shape)}  ${r.params.padStart(w.params)}`;
  const rule = '-'.repeat(w.name + w.op + w.shape + w.params + 6);
  const lines = [`experiment ${a.experiment}`, rule, fmt(head), rule, ...rows.map(fmt), rule];
  lines.push(`total parameters: ${a.totalParams === undefined ? 'unknown (a size is not known yet)' : a.totalParams.toLocaleString('en-US')}`);
  const dims = [...a.dims.values()].map((d) => `${d.name} = ${d.size ?? (d.sizes ? d.sizes.join('|') : '?')}`);
  if (dims.length) lines.push(`dims: ${dims.join(', ')}`);
  const mem = trainStepMemory(a);
  const data = a.data?.lengths;
  if (data) lines.push(`data ${a.data!.path ?? a.data!.source}: ${formatLengthReport(data)}`);
  const which = mem?.widest ? `the widest batch (${Object.entries(mem.widest).map(([d, n]) => `${d} ${n}`).join(', ')}; batches are grouped by length)` : 'one batch';
  if (mem) lines.push(`training step memory: about ${formatBytes(mem.total)} (weights ${formatBytes(mem.weights)}, gradients and optimizer state ${formatBytes(mem.optimizer)}, activations of ${which} ${formatBytes(mem.activations)})`);
  return lines.join('\n');
}
