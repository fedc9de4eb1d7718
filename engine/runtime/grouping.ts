// Whether a model may train on batches grouped by length, and what the start of a run says about the data:
// the rows read, kept, cut and dropped, and the widths batches take. A model trains at any width only when
// its weights do not depend on the width (a `reshape` that flattens time into a dense layer does): such a
// model gets every batch padded to the caps, as before, and the run says why.
import { formatLengthReport } from '../../language/data';
import type { DatasetLike, ModelLike } from './types';

/** The note that says why a model cannot train grouped, or undefined when it can (or nothing is grouped). */
export function checkGrouping(dataset: DatasetLike, model: ModelLike): string | undefined {
  const g = dataset.grouping;
  if (!g?.grouped || !model.paramsAt) return undefined;
  const narrow = Object.fromEntries(Object.entries(g.widths).map(([d, w]) => [d, w[0] === g.caps[d] ? Math.max(1, w[0] - 1) : w[0]]));
  let why: string | undefined;
  try {
    const at = new Map(model.paramsAt(narrow).map((p) => [p.name, p.shape.join('x')]));
    const changed = model.params.find((p) => at.get(p.name) !== p.shape.join('x'));
    if (changed) why = `the shape of ${changed.name} depends on ${Object.keys(g.caps).join(' and ')}`;
  } catch (e) {
    why = `it cannot be built at other sizes than ${capsText(g.caps)} (${(e as Error).message.split('\n')[0]})`;
  }
  if (!why) return undefined;
  g.padToCaps();
  return `every batch is padded to ${capsText(g.caps)}: ${why}`;
}

const capsText = (caps: Record<string, number>) => Object.entries(caps).map(([d, n]) => `${d} ${n}`).join(', ');

/** The data lines of a run's start: what the file's rows became, and how batches are grouped by length. */
export function dataNotes(dataset: DatasetLike, file?: string): string[] {
  const out: string[] = [];
  if (dataset.report) out.push(`data${file ? ` ${file}` : ''}: ${formatLengthReport(dataset.report)}`);
  const g = dataset.grouping;
  if (g?.grouped) {
    const p = g.padding();
    const widths = Object.entries(g.widths).map(([d, w]) => `${d} ${w.join('|')}`).join('; ');
    const pct = (x: number) => `${Math.round(100 * x)}%`;
    out.push(
      `batches grouped by length: ${widths} (at most ${capsText(g.caps)}); padding ${pct(p.grouped)} of the steps, against ${pct(p.full)} at ${capsText(g.caps)}; ` +
      'each width is compiled when first met (the cost is said after the first epoch, or at a stop before it)',
    );
  }
  return out;
}

/** The sizes each padded dimension takes: its smallest and largest width (for the editor's `ran:` shapes). */
export function widthRanges(dataset: DatasetLike): Record<string, [number, number]> {
  const g = dataset.grouping;
  if (g?.grouped) return Object.fromEntries(Object.entries(g.widths).map(([d, w]) => [d, [w[0], w[w.length - 1]] as [number, number]]));
  return {};
}
