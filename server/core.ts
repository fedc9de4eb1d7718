// The one place the server imports the language core from, so the rest of server/ reads as an adapter.
export {
  analyze, tokenize, formatShape, formatSummary, formatDim, formatLengthReport, OPS, SOURCES, BLOCK_KEYS, LOSSES, OPTIMIZERS, METRICS, INITS, DEVICES,
} from '../language/index';
export type { Token, OpInfo, ParamInfo, AnalyzeOptions } from '../language/index';
export type {
  Analysis, Diagnostic as CoreDiagnostic, DataHost, Dim, DimInfo, Position, Range, Shape, StateValue,
  StatementSummary, SymbolInfo, TextEdit as CoreTextEdit, ModelStatement, OpStatement, QuickFix,
} from '../language/types';
