// The engine process's JSON-RPC protocol, shared by the engine (engine/process/main.ts) and the VS Code
// client: one definition of every request and notification so both ends agree at compile time.
// Transport: vscode-jsonrpc over stdio (`node dist/engine.js --stdio`) or node IPC (`--node-ipc`).
import { NotificationType, RequestType } from 'vscode-jsonrpc';

export type Device = 'auto' | 'cpu' | 'webgpu' | 'cuda';

/** A run reference: a run directory, `<experiment>` (its latest run) or `<experiment>/<run-id>`. */
export type RunRef = string;

// ---------------------------------------------------------------------------------------------------------
// Requests

export interface TrainParams {
  /** Absolute path of the `.rnn` file. */
  file: string;
  /** The file's text when the editor has unsaved changes; read from `file` otherwise. */
  text?: string;
  /** Where `.unroll/runs` lives; defaults to the experiment file's folder. */
  workspaceRoot?: string;
  /** The editor's workspace folder: data must stay inside it. Without it, the command line's rule: the
   *  nearest folder above the experiment holding `.unroll/`, else the experiment's folder. */
  workspaceFolder?: string;
  /** Override the train block's epochs / steps / device / threads. */
  epochs?: number;
  steps?: number;
  device?: Device;
  threads?: number;
}
/** Answered as soon as the run directory exists (training goes on; watch the notifications). */
export interface TrainResult { runId: string; dir: string }
export const TrainRequest = new RequestType<TrainParams, TrainResult, void>('unroll/train');

export interface ResumeParams {
  run: RunRef;
  workspaceRoot?: string;
  /** As in TrainParams. */
  workspaceFolder?: string;
  /** Train up to this many epochs in total (default: the run's own setting). */
  epochs?: number;
  steps?: number;
  device?: Device;
  threads?: number;
}
export const ResumeRequest = new RequestType<ResumeParams, TrainResult, void>('unroll/resume');

/** Stop a run after its current step; the last checkpoint stays intact and a new one is written. */
export interface StopParams { runId?: string }
export interface StopResult { stopped: string[] }
export const StopRequest = new RequestType<StopParams, StopResult, void>('unroll/stop');

export interface SampleParams {
  run: RunRef;
  workspaceRoot?: string;
  prime?: string;
  length?: number;
  temperature?: number;
  seed?: number;
  device?: Device;
  /** Send the text as it is generated (`unroll/sampleText` notifications) before the answer. */
  stream?: boolean;
}
/** A piece of a streamed sample, in order; the pieces joined are the answer's text. */
export interface SampleTextParams { text: string }
export interface SampleResult { runId: string; text: string; prime: string }
export const SampleRequest = new RequestType<SampleParams, SampleResult, void>('unroll/sample');

export interface PredictParams {
  run: RunRef;
  workspaceRoot?: string;
  /** Omitted: the experiment's `predict { from = ... }`. */
  input?: string;
  device?: Device;
}
export interface PredictResult {
  runId: string;
  /** What a person reads: the decoded sequence, the label, or the numbers. */
  output: string;
  /** Class probabilities for classifiers (label -> probability), highest first. */
  probabilities?: [string, number][];
  values?: number[];
}
export const PredictRequest = new RequestType<PredictParams, PredictResult, void>('unroll/predict');

export interface ExportParams {
  run: RunRef;
  workspaceRoot?: string;
  /** Default: model.onnx in the run folder (replaced freely). */
  out?: string;
  /** Replace an existing file at `out`. */
  force?: boolean;
  /** onnx (default): a model file; pytorch: a folder with the model as an nn.Module and the run's weights. */
  format?: 'onnx' | 'pytorch';
  /** pytorch only: export this experiment file (no run: the engine's initial weights) instead of `run`. */
  file?: string;
}
export interface ExportResult {
  runId: string;
  path: string;
  bytes: number;
  /** `<path>.json`: vocabulary, labels, tokenizer, inputs and outputs (what metadata_props hold). */
  about?: string;
}
export const ExportRequest = new RequestType<ExportParams, ExportResult, void>('unroll/export');

// ---------------------------------------------------------------------------------------------------------
// Notifications (engine -> client)

export interface RunStartedParams {
  runId: string;
  dir: string;
  experiment: string;
  file: string;
  /** Resolved runtime shape of every statement: name -> [[dim, size], ...]; a dimension whose size varies
   *  (batches grouped by length) is [dim, largest, smallest] (server/protocol.ts RuntimeDim). */
  shapes: Record<string, [string, number, number?][]>;
  device: string;
  /** What a batch's `tokens` count: tokens (language models, sequences) or examples (classify, adding). */
  counts?: 'tokens' | 'examples';
  /** Why this device ("asked for", or what `auto` found), and the WebGPU adapter when known. */
  deviceReason?: string;
  adapter?: string;
  threads?: number;
  params: number;
  epochs: number;
  stepsPerEpoch: number;
  /** The train block's `steps`: the run stops at this global step, before its epochs end. */
  maxSteps?: number;
  resumedFrom?: { epoch: number; step: number };
}
export const RunStartedNotification = new NotificationType<RunStartedParams>('unroll/runStarted');

/** One line of metrics.jsonl, as written. */
export interface StepMetrics {
  /** The loss has stayed far above its start (engine/runtime/divergence.ts). */
  diverging?: boolean;
  kind: 'step';
  runId?: string;
  epoch: number;
  /** Global step, 1-based. */
  step: number;
  loss: number;
  gradNorm?: number;
  tokens: number;
  tokensPerSec: number;
  ms: number;
  lr: number;
  time: number;
  metrics?: Record<string, number>;
}
export interface EpochMetrics {
  kind: 'epoch';
  /** Validation of an epoch cut short by the step limit (a resume drops it: the full epoch's line follows). */
  partial?: boolean;
  runId?: string;
  epoch: number;
  step: number;
  trainLoss: number;
  validLoss?: number;
  /** Training and validation metrics by name (accuracy, perplexity, exact_match). */
  train: Record<string, number>;
  valid?: Record<string, number>;
  seconds: number;
  time: number;
}
export type MetricsParams = StepMetrics | EpochMetrics;
export const MetricsNotification = new NotificationType<MetricsParams>('unroll/metrics');

export interface CheckpointParams { runId: string; epoch: number; step: number; path: string }
export const CheckpointNotification = new NotificationType<CheckpointParams>('unroll/checkpoint');

export interface LogParams { runId?: string; level: 'info' | 'warn' | 'error'; message: string }
export const LogNotification = new NotificationType<LogParams>('unroll/log');

export interface FinishedParams {
  runId: string;
  dir: string;
  /** completed: all epochs; steps: the step limit; stopped: on request; nan: loss became NaN (see message). */
  reason: 'completed' | 'steps' | 'stopped';
  epoch: number;
  step: number;
  checkpoint?: string;
  /** The loss diverged during the run: it ended, but not as a success (what happened and what to change). */
  diverged?: string;
  /** The signal that stopped it (SIGINT, SIGTERM, SIGHUP), when a signal did. */
  signal?: string;
}
export const FinishedNotification = new NotificationType<FinishedParams>('unroll/finished');

/** A started run failed. (A train or resume request that fails before its run folder exists is answered
 *  with a JSON-RPC error instead, carrying the same kind of message.) */
export interface FailedParams {
  runId?: string;
  dir?: string;
  /** What went wrong and how to fix it, naming the file and line where there is one. */
  message: string;
  file?: string;
  line?: number;
  /** The last good checkpoint, when the run had one (e.g. after a NaN loss). */
  checkpoint?: string;
}
export const FailedNotification = new NotificationType<FailedParams>('unroll/failed');

/** Text a language model generated after an epoch's validation (experiments with a `sample` block), from
 *  the weights of that epoch's checkpoint: a quick look at what the model has learnt so far. */
/** Validation progress of a run: `done` of `total` batches. */
export interface ValidatingParams { runId: string; done: number; total: number }
export const ValidatingNotification = new NotificationType<ValidatingParams>('unroll/validating');

/** A regression's prediction and its target on validation data, after each validation (the loss panel's
 *  "prediction on validation data" chart): the first values in data order. */
export interface ValidationPredictionParams { runId: string; epoch: number; step: number; output: string; target: string; truth: number[]; predicted: number[] }
export const ValidationPredictionNotification = new NotificationType<ValidationPredictionParams>('unroll/validationPrediction');

export interface SampleNotificationParams { runId: string; epoch: number; text: string; prime: string }
export const SampleNotification = new NotificationType<SampleNotificationParams>('unroll/sample');
