// The engine process as the editor sees it: started lazily (child_process.fork of dist/engine.js over node
// IPC) on the first request, spoken to with the protocol in engine/process/protocol.ts, and restarted on the
// next request after it died. A crash never loses a run silently: pending requests reject with a message
// that says what happened, and every live run is reported as failed with where its files are and how to
// continue. No `vscode` import, so this runs (and is tested) in plain Node.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  CheckpointNotification, ExportRequest, FailedNotification, FinishedNotification, LogNotification, MetricsNotification,
  PredictRequest, ResumeRequest, RunStartedNotification, SampleNotification, SampleRequest, StopRequest, TrainRequest,
  ValidationPredictionNotification, type ValidationPredictionParams,
  type CheckpointParams, type ExportParams, type ExportResult, type FailedParams, type FinishedParams, type LogParams,
  type MetricsParams, type PredictParams, type PredictResult, type ResumeParams, type RunStartedParams,
  type SampleNotificationParams, type SampleParams, type SampleResult, type StopParams, type StopResult,
  type TrainParams, type TrainResult,
} from '../../engine/process/protocol';

export type EngineEvent =
  | { type: 'runStarted'; params: RunStartedParams }
  | { type: 'metrics'; params: MetricsParams }
  | { type: 'checkpoint'; params: CheckpointParams }
  | { type: 'log'; params: LogParams }
  | { type: 'sample'; params: SampleNotificationParams }
  | { type: 'validationPrediction'; params: ValidationPredictionParams }
  | { type: 'finished'; params: FinishedParams }
  /** A run failed: reported by the engine, or by this manager when the engine process died under it. */
  | { type: 'failed'; params: FailedParams; crashed?: boolean }
  /** The engine process ended (crash, kill, or our own dispose). */
  | { type: 'exit'; code: number | null; signal: NodeJS.Signals | null; expected: boolean; message: string }
  /** A line the engine printed on stderr (its console output; stdout is unused with IPC). */
  | { type: 'stderr'; line: string };

export interface EngineManagerOptions {
  /** dist/engine.js. */
  enginePath: string;
  /** The Node executable (the extension host's, with ELECTRON_RUN_AS_NODE, inside VS Code). */
  execPath?: string;
  env?: NodeJS.ProcessEnv;
  /** How long dispose waits for the engine to stop its runs (they checkpoint) before killing it. */
  disposeTimeoutMs?: number;
}

/** A run this manager saw start and not yet end. */
export interface LiveRun { runId: string; dir: string; file?: string; experiment?: string }

interface Started { child: ChildProcess; conn: MessageConnection; pending: Set<(e: Error) => void>; stderrTail: string[] }

export class EngineManager {
  private current: Started | undefined;
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly live = new Map<string, LiveRun>();
  private disposed = false;

  constructor(private readonly options: EngineManagerOptions) {}

  /** Subscribe to everything the engine reports; returns the unsubscribe function. */
  onEvent(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get running(): boolean { return !!this.current; }
  /** The engine process id while one runs (tests kill it to prove crash handling). */
  get pid(): number | undefined { return this.current?.child.pid; }
  liveRuns(): LiveRun[] { return [...this.live.values()]; }

  train(p: TrainParams): Promise<TrainResult> { return this.request('train', (c) => c.sendRequest(TrainRequest, p)).then((r) => this.markLive(r, p.file)); }
  resume(p: ResumeParams): Promise<TrainResult> { return this.request('resume', (c) => c.sendRequest(ResumeRequest, p)).then((r) => this.markLive(r)); }
  sample(p: SampleParams): Promise<SampleResult> { return this.request('sample', (c) => c.sendRequest(SampleRequest, p)); }
  predict(p: PredictParams): Promise<PredictResult> { return this.request('predict', (c) => c.sendRequest(PredictRequest, p)); }
  export(p: ExportParams): Promise<ExportResult> { return this.request('export', (c) => c.sendRequest(ExportRequest, p)); }

  /** Stops a run (or every run); with no engine running there is nothing to stop, so it starts none. */
  async stop(p: StopParams = {}): Promise<StopResult> {
    if (!this.current) return { stopped: [] };
    return this.request('stop', (c) => c.sendRequest(StopRequest, p));
  }

  private emit(e: EngineEvent): void {
    for (const l of [...this.listeners]) {
      try { l(e); } catch { /* a listener's bug must not stop the others or the engine's stream */ }
    }
  }

  private markLive(r: TrainResult, file?: string): TrainResult {
    // The runStarted notification may arrive before or after the answer; either one registers the run.
    if (!this.live.has(r.runId)) this.live.set(r.runId, { runId: r.runId, dir: r.dir, file });
    return r;
  }

  /** Sends one request on the (lazily started) engine; rejects clearly if the engine dies before answering. */
  private request<T>(what: string, send: (c: MessageConnection) => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new Error(`the Unroll engine was shut down; cannot ${what}`));
    let s: Started;
    try {
      s = this.ensure();
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<T>((resolve, reject) => {
      const onDeath = (e: Error) => reject(e);
      s.pending.add(onDeath);
      send(s.conn).then(
        (v) => { s.pending.delete(onDeath); resolve(v); },
        (e: unknown) => { s.pending.delete(onDeath); reject(e instanceof Error ? e : new Error(String(e))); },
      );
    });
  }

  private ensure(): Started {
    if (this.current) return this.current;
    const { enginePath } = this.options;
    if (!existsSync(enginePath)) throw new Error(`the engine bundle ${enginePath} is missing; run \`npm run build\` and reload the window`);
    const child = fork(enginePath, ['--node-ipc'], {
      execPath: this.options.execPath ?? process.execPath,
      // Inside VS Code the executable is Electron: this makes it act as plain Node.
      env: { ...(this.options.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Not the host's own flags (an extension host may carry --inspect and the like).
      execArgv: [],
    });
    const conn = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const s: Started = { child, conn, pending: new Set(), stderrTail: [] };
    this.current = s;

    let partial = '';
    const onOutput = (d: Buffer) => {
      const lines = (partial + d.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        s.stderrTail.push(line);
        if (s.stderrTail.length > 20) s.stderrTail.shift();
        this.emit({ type: 'stderr', line });
      }
    };
    child.stderr?.on('data', onOutput);
    child.stdout?.on('data', onOutput);

    conn.onNotification(RunStartedNotification, (p) => {
      this.live.set(p.runId, { runId: p.runId, dir: p.dir, file: p.file, experiment: p.experiment });
      this.emit({ type: 'runStarted', params: p });
    });
    conn.onNotification(MetricsNotification, (p) => this.emit({ type: 'metrics', params: p }));
    conn.onNotification(CheckpointNotification, (p) => this.emit({ type: 'checkpoint', params: p }));
    conn.onNotification(LogNotification, (p) => this.emit({ type: 'log', params: p }));
    conn.onNotification(SampleNotification, (p) => this.emit({ type: 'sample', params: p }));
    conn.onNotification(ValidationPredictionNotification, (p) => this.emit({ type: 'validationPrediction', params: p }));
    conn.onNotification(FinishedNotification, (p) => { this.live.delete(p.runId); this.emit({ type: 'finished', params: p }); });
    conn.onNotification(FailedNotification, (p) => { if (p.runId) this.live.delete(p.runId); this.emit({ type: 'failed', params: p }); });
    // Closing or erroring IPC is followed by the exit event, which does the cleanup.
    conn.onError(() => undefined);
    conn.onClose(() => undefined);
    child.on('error', (e) => this.ended(s, null, null, `the engine process could not be started (${e.message})`));
    child.on('exit', (code, signal) => this.ended(s, code, signal));
    conn.listen();
    return s;
  }

  /** The engine process is gone: fail what waited on it, report live runs, and forget it (next use restarts). */
  private ended(s: Started, code: number | null, signal: NodeJS.Signals | null, why?: string): void {
    if (this.current !== s) return;
    this.current = undefined;
    const expected = this.disposed;
    const how = why ?? `the engine process exited (${signal ? `signal ${signal}` : `code ${code}`})`;
    const tail = s.stderrTail.filter((l) => l.trim()).slice(-3).join(' | ');
    const detail = tail && !expected ? `; its last output: ${tail}` : '';
    for (const reject of s.pending) reject(new Error(`${how} before answering${detail}`));
    s.pending.clear();
    for (const run of this.live.values()) {
      this.emit({
        type: 'failed',
        crashed: true,
        params: { runId: run.runId, dir: run.dir, message: `${how}; the run's files are kept in ${run.dir}; Resume continues from the last checkpoint${detail}` },
      });
    }
    this.live.clear();
    try { s.conn.dispose(); } catch { /* already closed */ }
    this.emit({ type: 'exit', code, signal, expected, message: how });
  }

  /**
   * Asks the engine to stop its runs (each writes a checkpoint) and waits for it to leave, killing it after
   * disposeTimeoutMs. Later requests are refused.
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    const s = this.current;
    if (!s) return;
    const exited = new Promise<void>((r) => s.child.once('exit', () => r()));
    if (s.child.exitCode !== null || s.child.signalCode !== null) return;
    try { await Promise.race([s.conn.sendRequest(StopRequest, {}), new Promise((r) => setTimeout(r, 1000))]); } catch { /* dying anyway */ }
    // Closing the IPC channel makes the engine stop its jobs and exit (engine/process/main.ts: onClose).
    try { s.child.disconnect(); } catch { /* already disconnected */ }
    const timer = setTimeout(() => s.child.kill('SIGKILL'), this.options.disposeTimeoutMs ?? 10_000);
    await exited;
    clearTimeout(timer);
  }
}
