// Owns the language client: start, orderly restart (serialised; stop with a timeout, then dispose), and the
// settings the server sees (initializationOptions at start, workspace/didChangeConfiguration on change).
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { normaliseSettings, type ClientSettings } from './settings';
import { Serialiser, withTimeout } from './serialise';
import { Commands, SERVER_NODE_ARGS } from '../server/protocol';

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed';

const STOP_TIMEOUT_MS = 3000;

export function readSettings(): ClientSettings {
  const section = vscode.workspace.getConfiguration('unroll');
  // get() of each top-level key yields nested objects (`inlayHints` -> { enabled, runtime }).
  return normaliseSettings({
    inlayHints: section.get('inlayHints'),
    shapeStyle: section.get('shapeStyle'),
    diagnostics: section.get('diagnostics'),
    trace: section.get('trace'),
  });
}

export class ServerController implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly restarts = new Serialiser(() => this.cycle());
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.stateEmitter.event;
  private current: ServerState = 'stopped';
  private lastError: string | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly output: vscode.LogOutputChannel,
    private readonly traceOutput: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      this.stateEmitter,
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('unroll')) void this.pushSettings(); }),
    );
  }

  get state(): ServerState { return this.current; }
  get error(): string | undefined { return this.lastError; }
  /** The running client, or undefined while (re)starting or after a failure. */
  get running(): LanguageClient | undefined { return this.current === 'running' ? this.client : undefined; }

  start(): Promise<void> { return this.restarts.request(); }
  /** Restart requests made while one is under way join the next restart instead of interleaving. */
  restart(): Promise<void> { return this.restarts.request(); }

  private setState(s: ServerState, error?: string): void {
    this.current = s;
    this.lastError = error;
    this.stateEmitter.fire(s);
  }

  /** One restart: stop and dispose the old client (bounded by a timeout), then start a fresh one. */
  private async cycle(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    if (old) {
      this.setState('starting');
      try {
        await withTimeout(old.stop(STOP_TIMEOUT_MS), STOP_TIMEOUT_MS + 1000, `the server did not stop within ${STOP_TIMEOUT_MS} ms`);
      } catch (e) {
        this.output.appendLine(`[client] stopping the language server: ${message(e)}; disposing it anyway`);
      }
      try { await withTimeout(old.dispose(1000), 2000, 'dispose timed out'); } catch (e) {
        this.output.appendLine(`[client] disposing the old language client: ${message(e)}`);
      }
    }
    await this.launch();
  }

  private async launch(): Promise<void> {
    const module = this.context.asAbsolutePath('dist/server.js');
    if (!existsSync(module)) {
      const why = `The language server bundle is missing: ${module}. Run \`npm run build\` in ${this.context.extensionPath} and reload the window.`;
      this.output.appendLine(`[client] ${why}`);
      this.setState('failed', why);
      return;
    }
    const settings = readSettings();
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_ARGS] } },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_ARGS, '--nolazy', '--inspect=6009'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'rnn' }, { scheme: 'untitled', language: 'rnn' }],
      initializationOptions: { unroll: settings, commands: Object.values(Commands) },
      outputChannel: this.output,
      traceOutputChannel: this.traceOutput,
    };
    // Id `unroll` makes the client honour the `unroll.trace.server` setting itself.
    const client = new LanguageClient('unroll', 'Unroll Language Server', serverOptions, clientOptions);
    this.client = client;
    client.onDidChangeState((e) => {
      if (this.client !== client) return; // a disposed client's late events say nothing about the new one
      if (e.newState === State.Running) this.setState('running');
      else if (e.newState === State.Starting) this.setState('starting');
      else if (this.current !== 'failed') this.setState('stopped');
    });
    this.setState('starting');
    this.output.info(`[client] starting the language server (${module}, IPC)`);
    try {
      await client.start();
      this.output.info('[client] language server running');
      this.setState('running');
    } catch (e) {
      const why = `The Unroll language server failed to start: ${message(e)}. See the "Unroll Language Server" output.`;
      this.output.appendLine(`[client] ${why}`);
      this.setState('failed', why);
    }
  }

  /** Sends the current settings; a no-op while the server is not running (it reads them at start). */
  private async pushSettings(): Promise<void> {
    const client = this.running;
    if (!client) return;
    try {
      await client.sendNotification('workspace/didChangeConfiguration', { settings: { unroll: readSettings() } });
    } catch (e) {
      this.output.appendLine(`[client] sending settings: ${message(e)}`);
    }
  }

  async dispose(): Promise<void> {
    for (const s of this.subscriptions) s.dispose();
    const client = this.client;
    this.client = undefined;
    if (client) {
      try { await withTimeout(client.dispose(STOP_TIMEOUT_MS), STOP_TIMEOUT_MS + 1000, 'dispose timed out'); } catch { /* shutting down anyway */ }
    }
  }
}

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
