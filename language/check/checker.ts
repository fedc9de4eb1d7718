// The checker: resolves names, infers shapes and reports diagnostics, in passes that hand each other plain
// data. It works on whatever the parser recovered, so a broken line never hides the problems below it, and
// it never throws.
//
//   1. blocks.ts      the blocks, one of each kind, and the experiment's name
//      dataBlock.ts   the data source: its settings, its file's sizes, the tensors it provides
//   2. dimensions.ts  the dims block, and every dimension a type or an argument names
//   3. model.ts       inputs and statements; expr.ts infers each expression's shape (nested calls and
//                     arithmetic included) and call.ts runs an op's shape rule (ops/)
//   4. settings.ts    the train, sample and predict blocks
import type { LineMap } from '../syntax/lexer';
import type { SyntaxTree } from '../syntax/tree';
import type { Analysis, StatementSummary } from '../types';
import { readBlocks } from './blocks';
import { CheckContext, type CheckOptions } from './context';
import { checkData } from './dataBlock';
import { DimResolver, checkDimsBlock } from './dimensions';
import { ExprChecker } from './expr';
import { formatBytes } from './memory';
import { checkModel, modelInsertEdit } from './model';
import { Scope } from './scope';
import { checkPredict, checkSample, checkTrain } from './settings';

export type { CheckOptions } from './context';
export { MAX_DIM_SIZE } from './dimensions';

/** The most parameters a model may have (2 GB of float32 weights, 6 GB with Adam's state). */
export const MAX_PARAMS = 500_000_000;

export function check(tree: SyntaxTree, map: LineMap, opts: CheckOptions): Analysis {
  const cx = new CheckContext(tree.text, map, opts);
  for (const e of tree.errors) cx.report('syntax', map.range(e.start, e.end), e.message, { fix: e.fix });

  const blocks = readBlocks(tree, cx);
  const block = (kind: string) => blocks.byKind.get(kind);
  const dimsBlock = block('dims');
  if (dimsBlock) checkDimsBlock(dimsBlock, cx);
  const { data, provided, pending } = checkData(block('data'), cx);

  const modelBlock = block('model');
  const scope = new Scope(cx);
  const ex = new ExprChecker(cx, scope, new DimResolver(cx, dimsBlock), provided, (line) => modelInsertEdit(modelBlock, cx, line));
  if (modelBlock) checkModel(modelBlock, { data, provided }, ex);
  else if (blocks.any && block('train')) cx.report('bad-argument', block('train')!.keyword, 'there is no model block for train to train', { fix: 'add model { ... } with the inputs and layers' });

  const trainBlock = block('train');
  const train = trainBlock ? checkTrain(trainBlock, ex, provided) : undefined;
  const sampleBlock = block('sample');
  const sample = sampleBlock ? checkSample(sampleBlock, cx, train) : undefined;
  const predictBlock = block('predict');
  const predict = predictBlock ? checkPredict(predictBlock, cx) : undefined;

  scope.reportUnused(!!trainBlock);
  const { model, summaries } = ex.out;
  const totalParams = checkParamCount(summaries, cx, modelBlock?.keyword);

  cx.diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return {
    uri: opts.uri, diagnostics: cx.diagnostics, experiment: blocks.experiment, data, dims: cx.dims, model, summaries,
    values: scope.values, train, sample, predict, symbols: cx.symbols, totalParams, pending,
    blocks: tree.items.map((i) => ({ kind: i.kind === 'experiment' ? 'experiment' as const : i.block, range: i.range, keywordRange: i.keyword })),
  };
}

/** The model's parameter count (undefined if any layer's is unknown), refused past MAX_PARAMS. */
function checkParamCount(summaries: StatementSummary[], cx: CheckContext, at: Analysis['blocks'][number]['keywordRange'] | undefined): number | undefined {
  if (!summaries.length) return undefined;
  let total: number | undefined = 0;
  for (const s of summaries) total = total !== undefined && s.params !== undefined ? total + s.params : undefined;
  if (total === undefined || total <= MAX_PARAMS || !at) return total;
  const biggest = summaries.reduce<StatementSummary | undefined>((b, s) => (s.params !== undefined && s.params > (b?.params ?? 0) ? s : b), undefined);
  cx.report('bad-argument', at, `the model has ${fmtCount(total)} parameters (${formatBytes(total * 4)} of float32 weights, before optimizer state); Unroll trains at most ${fmtCount(MAX_PARAMS)}`, {
    fix: biggest ? `make ${biggest.label} (${fmtCount(biggest.params!)} parameters) smaller` : 'use smaller sizes',
  });
  return total;
}

function fmtCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'too many';
}
