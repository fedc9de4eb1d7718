// Starts the real bundled server (dist/server.js --stdio) and speaks LSP to it with vscode-jsonrpc.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { SERVER_NODE_ARGS } from '../../server/protocol';

const ROOT = join(__dirname, '..', '..');
export const SERVER_JS = join(ROOT, 'dist', 'server.js');

let built: Promise<void> | undefined;
/**
 * Bundles server/main.ts to dist/server.js once per test process, as esbuild.mjs does. Written to a
 * temporary name and renamed, so test files running in parallel never start a half-written bundle.
 */
export function buildServer(): Promise<void> {
  built ??= (async () => {
    const esbuild = await import('esbuild');
    const r = await esbuild.build({
      entryPoints: [join(ROOT, 'server', 'main.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20',
      sourcemap: false, write: false, logLevel: 'silent', outfile: SERVER_JS,
    });
    mkdirSync(dirname(SERVER_JS), { recursive: true });
    const tmp = `${SERVER_JS}.${process.pid}.tmp`;
    writeFileSync(tmp, r.outputFiles[0].contents);
    renameSync(tmp, SERVER_JS);
  })();
  return built;
}

export interface PublishedDiagnostics { uri: string; version?: number; diagnostics: LspDiagnostic[] }
export interface LspDiagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity?: number; code?: string | number; source?: string; message: string;
  relatedInformation?: { location: { uri: string; range: unknown }; message: string }[]; data?: unknown;
}

export const VSCODE_CAPABILITIES = {
  workspace: { configuration: true, workspaceFolders: true, inlayHint: { refreshSupport: true }, codeLens: { refreshSupport: true } },
  textDocument: {
    publishDiagnostics: { relatedInformation: true, versionSupport: true },
    rename: { prepareSupport: true },
    completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
    hover: { contentFormat: ['markdown', 'plaintext'] },
    signatureHelp: { signatureInformation: { documentationFormat: ['markdown', 'plaintext'] } },
    codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } }, isPreferredSupport: true },
  },
};

export class LspClient {
  readonly conn: MessageConnection;
  readonly diagnostics = new Map<string, PublishedDiagnostics>();
  readonly published: PublishedDiagnostics[] = [];
  readonly logs: { type: number; message: string }[] = [];
  readonly shown: { type: number; message: string }[] = [];
  /** What the client answers to workspace/configuration (section `unroll`). */
  configuration: unknown = {};
  /** workspace/applyEdit requests the server sent (code actions run as commands). */
  readonly applied: unknown[] = [];
  private waiters: (() => void)[] = [];
  private stderr = '';

  private constructor(readonly proc: ChildProcess) {
    this.conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    proc.stderr!.on('data', (d) => { this.stderr += String(d); });
    this.conn.onNotification('textDocument/publishDiagnostics', (p: PublishedDiagnostics) => {
      this.diagnostics.set(p.uri, p);
      this.published.push(p);
      this.wake();
    });
    this.conn.onNotification('window/logMessage', (p: { type: number; message: string }) => { this.logs.push(p); this.wake(); });
    this.conn.onNotification('window/showMessage', (p: { type: number; message: string }) => { this.shown.push(p); this.wake(); });
    this.conn.onRequest('window/showMessageRequest', (p: { type: number; message: string }) => { this.shown.push(p); this.wake(); return null; });
    this.conn.onRequest('workspace/configuration', () => [this.configuration]);
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.onRequest('workspace/inlayHint/refresh', () => null);
    this.conn.onRequest('workspace/codeLens/refresh', () => null);
    this.conn.onRequest('workspace/semanticTokens/refresh', () => null);
    this.conn.onRequest('workspace/applyEdit', (p: unknown) => { this.applied.push(p); this.wake(); return { applied: true }; });
    this.conn.listen();
  }

  /**
   * Starts the server and initializes it. `capabilities` defaults to what VS Code advertises for the features
   * the server has (snippets, markdown, related information, versions, code action literals).
   */
  static async start(initializationOptions: unknown = {}, rootUri: string | null = null,
    capabilities: unknown = VSCODE_CAPABILITIES, workspaceFolders?: { uri: string; name: string }[] | null, configuration: unknown = {}): Promise<LspClient> {
    const c = await LspClient.launch();
    c.configuration = configuration;
    await c.conn.sendRequest('initialize', {
      processId: process.pid, rootUri, initializationOptions,
      workspaceFolders: workspaceFolders !== undefined ? workspaceFolders : rootUri ? [{ uri: rootUri, name: 'ws' }] : null,
      capabilities,
    });
    await c.conn.sendNotification('initialized', {});
    return c;
  }

  /** Starts the server process without initializing it (lifecycle tests). */
  static async launch(): Promise<LspClient> {
    await buildServer();
    // UNROLL_SERVER_NODE_ARGS: extra Node flags for the server process (profiling the bench: --cpu-prof);
    // UNROLL_SERVER_PLAIN_NODE=1 leaves out the flags the editor starts it with (the bench compares both).
    const base = process.env.UNROLL_SERVER_PLAIN_NODE === '1' ? [] : SERVER_NODE_ARGS;
    const nodeArgs = [...base, ...(process.env.UNROLL_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
    return new LspClient(spawn(process.execPath, [...nodeArgs, SERVER_JS, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  /** The server process's resident memory now and at its peak, in MB (Linux /proc; undefined elsewhere). */
  memory(): { rssMb: number; peakMb: number } | undefined {
    try {
      const status = readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
      const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1]);
      return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
    } catch { return undefined; }
  }

  /** What the server wrote to stderr so far. */
  get errorOutput(): string { return this.stderr; }

  request<R>(method: string, params: unknown): Promise<R> { return this.conn.sendRequest(method, params) as Promise<R>; }
  notify(method: string, params: unknown): Promise<void> { return this.conn.sendNotification(method, params); }

  open(uri: string, text: string, version = 1): Promise<void> {
    return this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'rnn', version, text } });
  }
  change(uri: string, version: number, changes: unknown[]): Promise<void> {
    return this.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
  }

  private wake() { const w = this.waiters; this.waiters = []; for (const f of w) f(); }

  /** Resolves once `pred` holds, re-checked on every message from the server (polling, never sleeping). */
  async until<T>(pred: () => T | undefined | false, what: string, timeoutMs = 10000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (this.proc.exitCode !== null) throw new Error(`server exited (${this.proc.exitCode}) while waiting for ${what}\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** The diagnostics published for `uri` at `version` (or any version when omitted). */
  diagnosticsFor(uri: string, version?: number, timeoutMs?: number): Promise<PublishedDiagnostics> {
    return this.until(() => {
      const d = this.diagnostics.get(uri);
      return d && (version === undefined || d.version === version) ? d : undefined;
    }, `diagnostics for ${uri}${version !== undefined ? ` v${version}` : ''}`, timeoutMs);
  }

  get alive(): boolean { return this.proc.exitCode === null && this.proc.signalCode === null; }

  async stop(): Promise<void> {
    if (!this.alive) return;
    try {
      await Promise.race([this.request('shutdown', null), new Promise((r) => setTimeout(r, 2000))]);
      await this.notify('exit', null);
    } catch { /* already gone */ }
    await new Promise<void>((resolve) => {
      if (!this.alive) return resolve();
      const t = setTimeout(() => { this.proc.kill(); resolve(); }, 2000);
      this.proc.once('exit', () => { clearTimeout(t); resolve(); });
    });
    this.conn.dispose();
  }
}
