// Jobs the engine runs off the main thread, and the sink they report through. The worker (worker.ts) and
// the in-process runner both drive runJob() with one of these.
import type { ExportParams, PredictParams, ResumeParams, SampleParams, TrainParams } from '../process/protocol';

export type Job =
  | { kind: 'train'; params: TrainParams }
  | { kind: 'resume'; params: ResumeParams }
  | { kind: 'sample'; params: SampleParams }
  | { kind: 'predict'; params: PredictParams }
  | { kind: 'export'; params: ExportParams };

/** Notification methods, by their protocol names without the `unroll/` prefix. */
export type JobEvent = 'runStarted' | 'metrics' | 'checkpoint' | 'log' | 'finished' | 'failed' | 'sample' | 'validationPrediction' | 'validating' | 'sampleText';

export interface JobSink {
  notify(event: JobEvent, params: unknown): void;
  /** The request's answer. A train job answers as soon as its run folder exists and keeps going. */
  result(value: unknown): void;
  /** True once a stop was requested; checked between steps. */
  shouldStop(): boolean;
}

/** An error whose message is already what a person should read (no stack trace needed). */
export class UserError extends Error {
  constructor(message: string, readonly file?: string, readonly line?: number) {
    super(message);
  }
}

export type WorkerMessage =
  | { type: 'notify'; event: JobEvent; params: unknown }
  | { type: 'result'; value: unknown }
  | { type: 'error'; message: string; file?: string; line?: number }
  | { type: 'done' };
