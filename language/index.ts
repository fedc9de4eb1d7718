// The language core's public API. Pure functions over text: no VS Code, LSP or ONNX Runtime.
import { check } from './check/checker';
import { LineMap, tokenize as lex, type Token } from './syntax/lexer';
import { parse } from './syntax/parser';
import type { Analysis, DataHost, Diagnostic } from './types';

export interface AnalyzeOptions {
  uri: string;
  /** File-system path of the experiment, for resolving data paths. */
  path?: string;
  host?: DataHost;
}

/** Parses and checks an experiment. Never throws: an internal failure becomes a diagnostic. */
export function analyze(text: string, opts: AnalyzeOptions): Analysis {
  const map = new LineMap(text);
  try {
    const tree = parse(text, map);
    const analysis = check(tree, map, opts);
    // The editor colours and navigates from the same tokens: handing them over saves lexing twice a keystroke.
    analysis.tokens = tree.tokens;
    return analysis;
  } catch (err) {
    const d: Diagnostic = {
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 1, code: 'syntax',
      message: `internal error in the checker: ${(err as Error)?.stack ?? err}. Please report it with this file.`,
    };
    return {
      uri: opts.uri, diagnostics: [d], experiment: '', dims: new Map(), model: [], summaries: [], values: new Map(),
      symbols: [], pending: false, blocks: [],
    };
  }
}

export function tokenize(text: string): Token[] { return lex(text); }

export { parse } from './syntax/parser';
export { LineMap, KEYWORDS, type Token, type TokenKind } from './syntax/lexer';
export type * from './syntax/tree';
export { OPS, OP_DEFS, RECURRENT_OPS, recurrentParams } from './ops/index';
export type { OpInfo, ParamInfo } from './ops/types';
export { SOURCES, sourceDims, arithmeticDims, type SourceInfo } from './sources/index';
export { BLOCK_KEYS, LOSSES, OPTIMIZERS, METRICS, INITS, DEVICES } from './settings/index';
export { formatShape, formatDim, dimsText, dimRelation } from './check/dims';
export { closest, editDistance } from './check/suggest';
export { formatSummary, summaryRows } from './summary';
export { formatLengthReport } from './data/lengths';
export type * from './types';
export { trainStepMemory, formatBytes, type MemoryEstimate } from './check/memory';
