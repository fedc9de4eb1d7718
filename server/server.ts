// Wires LSP requests to the feature functions. Every handler is guarded: a failure on one document is
// logged and reported once, answers an empty result, and never takes the server down.
import {
  CodeLensRefreshRequest, MessageType, ShowMessageNotification, DidChangeConfigurationNotification, ResponseError, SemanticTokensRefreshRequest,
  TextDocuments,
  type ClientCapabilities, type Connection, type InitializeParams, type InitializeResult, type InlayHint, type WorkspaceFolder,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { basename } from 'node:path';
import type { DataHost } from './core';
import {
  adaptCodeActions, adaptCompletion, adaptHover, adaptInlayHints, adaptSignatureHelp, FULL_SUPPORT, readSupport, type ClientSupport,
} from './clientSupport';
import { serverCapabilities } from './capabilities';
import { executeCommand } from './commands';
import { AnalysisCache, uriToPath, type Analyzer, type DocContext } from './document';
import { codeActions, codeLenses } from './features/actions';
import { refactorActions } from './features/refactor';
import { completion } from './features/completion';
import { format } from './features/formatting';
import { hover } from './features/hover';
import { inlayHints } from './features/inlayHints';
import { definition, prepareRename, references, rename } from './features/navigation';
import { documentSymbols, foldingRanges } from './features/outline';
import { semanticTokens } from './features/semanticTokens';
import { signatureHelp } from './features/signatureHelp';
import {
  ClearRuntimeShapesNotification, DEFAULT_SETTINGS, RuntimeShapesNotification,
  type ClearRuntimeShapesParams, type RuntimeShapesParams, type ServerSettings,
} from './protocol';
import { RuntimeShapes } from './runtime';
import { checkLifecycle, invalidParams, malformed, type Lifecycle, type Need } from './requests';
import { Publisher } from './publisher';
import { parseSettings } from './settings';

export interface HostFactoryOptions {
  /** The workspace folders' paths: each experiment's data must stay inside the folder that holds it. */
  workspaceFolders: string[];
  /** Called when background reads of data files have finished: pending documents are re-checked. */
  onSettled: () => void;
  log: (message: string) => void;
}

/** A data host that can follow the editor's folders as they are added and removed. */
export type ServerDataHost = DataHost & { setWorkspaceFolders?(folders: readonly string[]): void };

export interface ServerOptions {
  createHost?: (opts: HostFactoryOptions) => ServerDataHost | undefined;
  /** The core's analyze (replaceable so tests can make it fail and check the server survives). */
  analyzer?: Analyzer;
}

export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument);
  let host: ServerDataHost | undefined;
  const cache = new AnalysisCache(() => host, options.analyzer);
  const runtime = new RuntimeShapes();
  let settings: ServerSettings = DEFAULT_SETTINGS;
  let caps: ClientCapabilities = {};
  let support: ClientSupport = FULL_SUPPORT;
  let state: Lifecycle = 'starting';
  let folders: string[] = [];
  /** Commands the client runs itself (VS Code: train, show summary); others get lenses the server runs. */
  let clientCommands = new Set<string>();
  const reported = new Set<string>();

  const log = (m: string) => connection.console.log(m);

  /** Logs an internal failure, tells the user once per document, and keeps going. */
  const fail = (what: string, uri: string | undefined, e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    connection.console.error(`[unroll] ${what} failed${uri ? ` on ${uri}` : ''}: ${err.stack ?? err.message}`);
    const key = uri ?? '<server>';
    if (reported.has(key)) return;
    reported.add(key);
    const file = uri ? basename(uriToPath(uri) ?? uri) : 'the server';
    // A notification, not showErrorMessage's request: nothing waits on the user dismissing it.
    void connection.sendNotification(ShowMessageNotification.type, {
      type: MessageType.Error,
      message: `Unroll: an internal error in ${what} on ${file}: ${err.message}. The language server keeps running; the full trace is in the "Unroll Language Server" output.`,
    }).catch(() => undefined);
  };

  /**
   * A feature handler, guarded: lifecycle errors and malformed parameters get the error the spec names (logged,
   * never shown to the user); an internal failure is reported once and answers `fallback`.
   */
  function guard<P extends { textDocument?: { uri: string } }, R>(what: string, fallback: R, fn: (p: P, ctx: DocContext) => R, needs: readonly Need[] = []) {
    return (p: P): R => {
      checkLifecycle(state, what);
      const problem = malformed(p, needs);
      if (problem) {
        connection.console.warn(`[unroll] ${what}: malformed request (${problem}): ${JSON.stringify(p)?.slice(0, 300)}`);
        throw invalidParams(what, problem);
      }
      const uri = p.textDocument?.uri;
      try {
        const doc = uri ? documents.get(uri) : undefined;
        if (!doc) return fallback;
        return fn(p, cache.get(doc));
      } catch (e) {
        if (e instanceof ResponseError) throw e; // deliberate answers, e.g. "cannot rename a keyword"
        fail(what, uri, e);
        return fallback;
      }
    };
  }

  // ------------------------------------------------------------------ diagnostics
  const publisher = new Publisher({
    connection, documents, cache, runtime, support: () => support, minimumWait: () => settings.diagnostics.debounceMs, fail,
    // Before initialize the spec says notifications are dropped: a document opened then is checked once the
    // server runs (onInitialized re-checks every open document).
    running: () => state === 'running',
  });

  const refreshViews = () => {
    if (caps.workspace?.inlayHint?.refreshSupport) void connection.languages.inlayHint.refresh().catch(() => undefined);
    if (caps.workspace?.codeLens?.refreshSupport) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    if (caps.workspace?.semanticTokens?.refreshSupport) void connection.sendRequest(SemanticTokensRefreshRequest.type).catch(() => undefined);
  };

  const onDataSettled = () => {
    // Data sizes arrived: re-check every open document whose last analysis was waiting for them.
    let any = false;
    for (const doc of documents.all()) {
      const ctx = cache.peek(doc.uri);
      if (ctx && !ctx.analysis.pending) continue;
      cache.invalidate(doc.uri);
      publisher.now(doc.uri);
      any = true;
    }
    if (any) refreshViews();
  };

  documents.onDidOpen((e) => publisher.now(e.document.uri));
  documents.onDidChangeContent((e) => publisher.changed(e.document.uri, e.document.version));
  documents.onDidClose((e) => { cache.delete(e.document.uri); publisher.closed(e.document.uri); });

  // ------------------------------------------------------------------ lifecycle and settings
  connection.onInitialize((params: InitializeParams): InitializeResult => {
    caps = params.capabilities ?? {};
    support = readSupport(caps);
    settings = parseSettings(params.initializationOptions, DEFAULT_SETTINGS);
    const opts = params.initializationOptions as { commands?: unknown } | undefined;
    clientCommands = new Set(Array.isArray(opts?.commands) ? opts.commands.filter((c): c is string => typeof c === 'string') : []);
    folders = folderPaths(params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: '' }] : []));
    state = 'running';
    try {
      host = options.createHost?.({ workspaceFolders: folders, onSettled: () => { try { onDataSettled(); } catch (e) { fail('re-checking after data was read', undefined, e); } }, log });
    } catch (e) {
      fail('starting the data reader', undefined, e);
      host = undefined;
    }
    return {
      capabilities: serverCapabilities(support),
      serverInfo: { name: 'unroll-language-server', version: '0.1.0' },
    };
  });

  connection.onShutdown(() => { checkLifecycle(state, 'shutdown'); state = 'shut down'; });

  connection.onInitialized(() => {
    for (const doc of documents.all()) { cache.invalidate(doc.uri); publisher.now(doc.uri); }
    if (support.workspaceFolders) connection.workspace.onDidChangeWorkspaceFolders(changeFolders);
    if (caps.workspace?.didChangeConfiguration?.dynamicRegistration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: 'unroll' }).catch(() => undefined);
    }
    // Clients that keep settings per workspace (Neovim's `settings`, Helix's `config`) answer this; what they
    // leave out keeps the value from initializationOptions.
    if (support.configuration) {
      connection.workspace.getConfiguration('unroll').then((raw) => {
        if (raw && typeof raw === 'object' && Object.keys(raw).length) { settings = parseSettings(raw, settings); refreshViews(); }
      }, () => undefined);
    }
  });

  connection.onDidChangeConfiguration(async (p) => {
    try {
      const raw = p.settings as Record<string, unknown> | null | undefined;
      if (raw && typeof raw === 'object' && Object.keys(raw).length) settings = parseSettings(raw, settings);
      else if (caps.workspace?.configuration) settings = parseSettings(await connection.workspace.getConfiguration('unroll'), settings);
      refreshViews();
    } catch (e) {
      fail('reading settings', undefined, e);
    }
  });

  connection.onNotification(RuntimeShapesNotification.method, (p: RuntimeShapesParams) => {
    try {
      if (!runtime.update(p)) { connection.console.warn(`[unroll] ignored a malformed ${RuntimeShapesNotification.method} notification`); return; }
      if (documents.get(p.uri)) publisher.now(p.uri);
      refreshViews();
    } catch (e) {
      fail('storing runtime shapes', p?.uri, e);
    }
  });
  connection.onNotification(ClearRuntimeShapesNotification.method, (p: ClearRuntimeShapesParams) => {
    try {
      runtime.clear(p.uri);
      if (documents.get(p.uri)) publisher.now(p.uri);
      refreshViews();
    } catch (e) {
      fail('clearing runtime shapes', p?.uri, e);
    }
  });

  // ------------------------------------------------------------------ workspace folders and commands
  /** workspace/didChangeWorkspaceFolders (vscode-languageserver's workspace feature receives it). */
  function changeFolders(event: { added?: WorkspaceFolder[]; removed?: WorkspaceFolder[] } | undefined) {
    try {
      const removed = new Set(folderPaths(event?.removed ?? []));
      folders = [...folders.filter((f) => !removed.has(f)), ...folderPaths(event?.added ?? [])];
      host?.setWorkspaceFolders?.(folders);
      for (const doc of documents.all()) { cache.invalidate(doc.uri); publisher.now(doc.uri); }
      refreshViews();
    } catch (e) {
      fail('updating workspace folders', undefined, e);
    }
  }

  connection.onExecuteCommand((p) => { checkLifecycle(state, 'execute command'); return executeCommand(p, { connection, documents, cache }); });

  // ------------------------------------------------------------------ features
  connection.onHover(guard('hover', null, (p, ctx) => adaptHover(hover(ctx, p.position), support), ['position']));
  connection.onCompletion(guard('completion', [], (p, ctx) => adaptCompletion(completion(ctx, p.position), support), ['position']));
  connection.onSignatureHelp(guard('signature help', null, (p, ctx) => adaptSignatureHelp(signatureHelp(ctx, p.position), support), ['position']));
  connection.onDefinition(guard('go to definition', null, (p, ctx) => definition(ctx, p.position), ['position']));
  connection.onReferences(guard('find references', [], (p, ctx) => references(ctx, p.position, p.context.includeDeclaration === true), ['position', 'context']));
  connection.onPrepareRename(guard('rename', null, (p, ctx) => prepareRename(ctx, p.position), ['position']));
  connection.onRenameRequest(guard('rename', null, (p, ctx) => rename(ctx, p.position, p.newName), ['position', 'newName']));
  connection.onDocumentSymbol(guard('document symbols', [], (_p, ctx) => documentSymbols(ctx)));
  connection.onFoldingRanges(guard('folding', [], (_p, ctx) => foldingRanges(ctx)));
  connection.languages.semanticTokens.on(guard('semantic tokens', { data: [] }, (_p, ctx) => semanticTokens(ctx)));
  connection.onDocumentFormatting(guard('formatting', [], (_p, ctx) => format(ctx)));
  connection.onCodeLens(guard('code lens', [], (_p, ctx) => codeLenses(ctx, clientCommands)));
  connection.onCodeAction(guard('code actions', [], (p, ctx) => adaptCodeActions([...codeActions(ctx, p.range, p.context.diagnostics ?? []), ...refactorActions(ctx, p.range)], support), ['range', 'context']));
  connection.languages.inlayHint.on(guard('inlay hints', [], (p, ctx) => adaptInlayHints(inlayHints(ctx, p.range, settings, runtime), support, (h) => ({ uri: ctx.uri, position: h.position, label: h.label })), ['range']));
  connection.languages.inlayHint.resolve((h: InlayHint) => resolveInlayHint(h));

  /** Fills in a hint's tooltip (clients that resolve them lazily): the same hint, recomputed at its position. */
  function resolveInlayHint(h: InlayHint): InlayHint {
    checkLifecycle(state, 'inlay hint resolve');
    const d = h?.data as { uri?: string; position?: InlayHint['position']; label?: unknown } | undefined;
    const doc = typeof d?.uri === 'string' ? documents.get(d.uri) : undefined;
    if (!doc || !d?.position) return h;
    try {
      const at = { start: d.position, end: d.position };
      const full = inlayHints(cache.get(doc), at, settings, runtime).find((x) => x.label === d.label);
      return full ? { ...h, tooltip: full.tooltip } : h;
    } catch (e) {
      fail('inlay hint resolve', d.uri, e);
      return h;
    }
  }

  documents.listen(connection);
  connection.listen();
}

function folderPaths(folders: readonly WorkspaceFolder[]): string[] {
  const out: string[] = [];
  for (const f of folders) {
    const p = f && typeof f.uri === 'string' ? uriToPath(f.uri) : undefined;
    if (p && !out.includes(p)) out.push(p);
  }
  return out;
}
