// The language core's public data types. Plain data only: the server, the CLI and the engine all consume
// these, so nothing here knows about LSP, VS Code or ONNX Runtime. Positions follow LSP (0-based line and
// UTF-16 character) so the server can pass them through untouched.

import type { Token } from './syntax/lexer';

export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }

/** Diagnostic codes: the table in design/language.md. */
export type DiagnosticCode =
  | 'syntax' | 'unknown-name' | 'unknown-op' | 'bad-argument' | 'shape-mismatch' | 'dim-coincidence'
  | 'data-mismatch' | 'index-range' | 'loss-shape' | 'state-mismatch' | 'missing-file' | 'unused'
  /** Extension: static and runtime shapes disagree (reported once the engine has run the model). */
  | 'runtime-shape';

/** LSP severities: 1 error, 2 warning, 3 information, 4 hint. */
export type Severity = 1 | 2 | 3 | 4;

export interface TextEdit { range: Range; newText: string }
export interface QuickFix { title: string; edits: TextEdit[]; preferred?: boolean }
export interface Related { range: Range; message: string }

export interface Diagnostic {
  range: Range;
  severity: Severity;
  code: DiagnosticCode;
  /** What the op needs, what it got (shapes with names and sizes). */
  message: string;
  /** How to fix it, in words (the CLI prints it as `fix: ...`). */
  fix?: string;
  /** Where the other side of a mismatch came from. */
  related?: Related[];
  /** Machine-applicable fixes (the server turns them into code actions). */
  quickFixes?: QuickFix[];
}

// ---------------------------------------------------------------------------------------------------------
// Dimensions and shapes

/**
 * One dimension of a shape. Identity is the name: two named dims are the same only if the names are equal.
 * An unnamed dim is a bare number. A compound name (`batch*time`, `2*hidden`, `hidden+embed`) is produced
 * by reshape, bidirectional layers and concat; it is still compared by name.
 */
export interface Dim {
  name?: string;
  /** Known size. Undefined while unknown (e.g. `vocab` before the corpus is read): never a guess. */
  size?: number;
  /** A varying dimension (buckets): every size it can take. `size` is then undefined. */
  sizes?: readonly number[];
}

export type ElemType = 'int' | 'float';

export interface Shape {
  /** Tells a Shape from a StateValue (`value.kind === 'state'`); absent on plain shapes. */
  kind?: 'tensor';
  elem: ElemType;
  dims: Dim[];
  /** For int tensors of ids: the exclusive upper bound (`< vocab`). */
  bound?: Dim;
  /** True for padded sequences (buckets, ragged data): `last`/`first` and losses use the mask. */
  masked?: boolean;
}

/** A recurrent layer's final state (`out, state = lstm(...)`). `h`/`c` are the top layer's. */
export interface StateValue {
  kind: 'state';
  cell: 'lstm' | 'gru' | 'rnn';
  layers: number;
  directions: 1 | 2;
  size: Dim;
  h: Shape;
  c?: Shape;
}

/** Where a named dimension gets its size. */
export interface DimInfo {
  name: string;
  size?: number;
  sizes?: readonly number[];
  /** `dims` block, a data source, or an op's size argument. */
  origin: 'dims' | 'data' | 'op';
  /** Where it is bound (the `dims` entry, the data block, or the op call). */
  range: Range;
  /** Human text: "counted from data/tiny.txt (chars)", "dims block", "seq_len of data text". */
  detail: string;
}

// ---------------------------------------------------------------------------------------------------------
// The checked experiment: what the engine compiles and what hover/inlay/summary show.

export type Value =
  | { kind: 'number'; value: number; integer: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'name'; name: string }
  | { kind: 'list'; items: Value[] }
  | { kind: 'call'; name: string; args: Value[]; kwargs: Record<string, Value> }
  | { kind: 'dimexpr'; text: string; factors: Dim[] };

/** A reference to a tensor in scope: `x`, or a field of a state, `enc.h`. */
export interface TensorRef {
  name: string;
  field?: 'h' | 'c';
  range: Range;
  /** A loss operand wrapped in `last(...)`/`first(...)` (train block only). */
  wrap?: 'last' | 'first';
}

export interface InputStatement {
  kind: 'input';
  name: string;
  shape: Shape;
  range: Range;
  nameRange: Range;
}

export interface OpStatement {
  kind: 'op';
  /** Output names in order; `_` discards. A recurrent op's outputs are (sequence, state). */
  outputs: string[];
  outputRanges: Range[];
  op: string;
  /** Tensor operands, in the op's parameter order (`x` for lstm, `a, b` for concat). */
  operands: TensorRef[];
  /**
   * Resolved arguments by parameter name, defaults filled in: numbers, bools, strings, and sizes as Dims
   * (`size: {name: 'hidden', size: 256}`), dim lists for reshape/transpose, `init` as a TensorRef.
   */
  params: Record<string, unknown>;
  /** A call nested in another's arguments; its one output has a generated name (`last#1`). */
  nested?: boolean;
  range: Range;
  /** The op name's range (hover shows the op's doc here). */
  opRange: Range;
}

export type ModelStatement = InputStatement | OpStatement;

/** One row of `unroll summary`, one hover, one inlay hint. */
export interface StatementSummary {
  /** The statement's name(s) as written (`out, state`). */
  label: string;
  op: string;
  /** Output shape (the sequence output for recurrent ops); undefined when inference failed. */
  shape?: Shape;
  state?: StateValue;
  /** The shapes of outputs after the first (attention's weights), in output order. */
  extra?: Shape[];
  /** Trainable parameters; undefined while a size is unknown. */
  params?: number;
  /** The shape rule that produced it, e.g. "[batch, time, f] -> [batch, time, size]". */
  rule: string;
  /** How the numbers were obtained, e.g. "4*(I*H + H*H + 2*H) per layer and direction". */
  paramRule?: string;
  range: Range;
  /** Where an inlay hint goes (end of the statement line). */
  hintAt: Position;
  /** A call nested in another's arguments: the name the engine knows its output by, and the op name's range
   *  (hover). It has no inlay hint of its own. */
  nested?: { output: string; opRange: Range };
}

export interface DataSource {
  source: string;
  path?: string;
  /** Absolute path, resolved against the experiment file. */
  resolvedPath?: string;
  args: Record<string, Value>;
  /** Tensors the source provides, with shapes. */
  provides: Record<string, Shape>;
  range: Range;
  /** Extension: what the file's rows became (probe.lengths), once the file has been read. */
  lengths?: LengthReport;
}

export interface TrainSettings {
  loss?: { fn: string; operands: TensorRef[]; range: Range };
  optimizer: { name: string; params: Record<string, number> };
  epochs: number;
  /** Stop after this many steps (optional). */
  steps?: number;
  clip?: number;
  metrics: string[];
  init: { name: string; params: Record<string, number> };
  seed: number;
  device: string;
  threads?: number;
  /** Extension (`carry_state = true`): each batch starts from the previous batch's final state, detached. */
  carryState?: boolean;
  /** Extension: seconds between checkpoints inside an epoch (default 300). */
  checkpointEvery?: number;
  /** Extension: validation batches read at most per validation (default 200). */
  validSteps?: number;
}

export interface SampleSettings { prime: string; length: number; temperature: number }
export interface PredictSettings { from?: string }

/** A symbol (tensor, dim, state, data source) definition and its uses: go-to-definition, rename, references. */
export interface SymbolInfo {
  kind: 'tensor' | 'dim' | 'state' | 'data';
  name: string;
  definition: Range;
  references: Range[];
  /** Hover text for the definition (markdown). */
  detail?: string;
}

export interface Analysis {
  uri: string;
  diagnostics: Diagnostic[];
  experiment: string;
  data?: DataSource;
  dims: Map<string, DimInfo>;
  model: ModelStatement[];
  summaries: StatementSummary[];
  /** Every tensor's value after inference (state values for recurrent states). */
  values: Map<string, Shape | StateValue>;
  train?: TrainSettings;
  sample?: SampleSettings;
  predict?: PredictSettings;
  symbols: SymbolInfo[];
  /** Total trainable parameters, undefined if any layer's count is unknown. */
  totalParams?: number;
  /** True when some data-derived size is still being read (the host will call back). */
  pending: boolean;
  /** Top-level items (folding, outline, code lens). */
  blocks: BlockInfo[];
  /**
   * The lossless token stream the parser read (comments and newlines included), so an editor can colour and
   * navigate without lexing the text again. Absent when analysis failed.
   */
  tokens?: Token[];
}

export interface BlockInfo {
  kind: 'experiment' | 'dims' | 'data' | 'model' | 'train' | 'sample' | 'predict';
  range: Range;
  keywordRange: Range;
}

// ---------------------------------------------------------------------------------------------------------
// Data-derived sizes: the core asks a host (so the core itself stays free of I/O policy).

export interface DataRequest {
  source: string;
  /** Absolute path of the data file. */
  path: string;
  /** The data block's arguments, as literal values. */
  args: Record<string, string | number | boolean | string[] | number[]>;
}

export interface DataProbe {
  /** Sizes the file implies: `vocab`, `classes`, `src`, `tgt`, `features`, ... */
  dims: Record<string, number>;
  /** A problem reading the file: missing, empty, malformed row (line is 1-based). */
  error?: { message: string; line?: number; code: 'missing-file' | 'data-mismatch' | 'bad-argument' };
  /** Readable, but worth a warning (a few bytes that are not UTF-8). */
  warning?: { message: string; code: 'data-mismatch' };
  /** Extension (data helper): counts for hover/info only, never dims: `lines`, `tokens`, `rows`, `distinct`. */
  info?: Record<string, number>;
  /** Extension: what the rows became (classify, pairs, text with buckets): read, kept, cut, dropped, lengths. */
  lengths?: LengthReport;
}

export interface LengthSpread { median: number; p95: number; longest: number }

/** What a data file's rows became: `check`, `summary` and `train` say it (language/data/lengths.ts). */
export interface LengthReport {
  /** What a row is: `row` (tables) or `sentence` (text with buckets). */
  what?: string;
  /** The length's unit: `words`, `characters`, `tokens`. */
  unit: string;
  rows: number;
  kept: number;
  /** Rows made shorter, and by what (`max_len = 200`, `the largest bucket (80)`). */
  cut: number;
  cutBy?: string;
  dropped: number;
  droppedWhy?: string;
  /** Kept rows with no token (a classifier reads one as a single padding step). */
  empty?: number;
  /** Lengths as read, before any cut. */
  spread: LengthSpread;
  /** pairs: the target side. */
  target?: { unit: string; spread: LengthSpread };
}

export interface DataHost {
  /** Sizes for a data file, or undefined while it is still being read in the background. */
  probe(req: DataRequest): DataProbe | undefined;
  /** Does this path exist (and is it a file)? */
  exists(path: string): boolean;
  /** The workspace root data paths must stay inside; undefined means the experiment file's folder. */
  workspaceRoot?: string;
  /** The folder an experiment's data must stay inside, when the host decides it per file (the workspace
   *  rule, language/data/root.ts); overrides workspaceRoot. */
  rootFor?(experimentPath: string): string;
  /** The editor's workspace folder holding the experiment, when there is one (else rootFor is the command
   *  line's rule). */
  workspaceFolderFor?(experimentPath: string): string | undefined;
  /** The real path (symlinks resolved) of an existing path; the path itself otherwise. */
  realPath?(path: string): string;
}
