// Wires LSP requests to the feature functions. Every handler is guarded: a failure on one document is
// logged and reported once, answers an empty result, and never takes the server down.
import {
  CodeActionKind, CodeLensRefreshRequest, MessageType, ShowMessageNotification, DidChangeConfigurationNotification, ResponseError, SemanticTokensRefreshRequest,
  TextDocuments, TextDocumentSyncKind,
  type ClientCapabilities, type Connection, type InitializeParams, type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { basename } from 'node:path';
import type { DataHost } from './core';
import { AnalysisCache, uriToPath, type Analyzer, type DocContext } from './document';
import { codeActions, codeLenses } from './features/actions';
import { completion } from './features/completion';
import { diagnosticsFor } from './features/diagnostics';
import { format } from './features/formatting';
import { hover } from './features/hover';
import { inlayHints } from './features/inlayHints';
import { definition, prepareRename, references, rename } from './features/navigation';
import { documentSymbols, foldingRanges } from './features/outline';
import { LEGEND, semanticTokens } from './features/semanticTokens';
import { signatureHelp } from './features/signatureHelp';
import {
  ClearRuntimeShapesNotification, DEFAULT_SETTINGS, RuntimeShapesNotification,
  type ClearRuntimeShapesParams, type RuntimeShapesParams, type ServerSettings,
} from './protocol';
import { RuntimeShapes } from './runtime';
import { parseSettings } from './settings';

export interface HostFactoryOptions {
  /** The first workspace folder's path; data paths must stay inside it. */
  workspaceRoot?: string;
  /** Called when background reads of data files have finished: pending documents are re-checked. */
  onSettled: () => void;
  log: (message: string) => void;
}

export interface ServerOptions {
  createHost?: (opts: HostFactoryOptions) => DataHost | undefined;
  /** The core's analyze (replaceable so tests can make it fail and check the server survives). */
  analyzer?: Analyzer;
}

export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument);
  let host: DataHost | undefined;
  const cache = new AnalysisCache(() => host, options.analyzer);
  const runtime = new RuntimeShapes();
  let settings: ServerSettings = DEFAULT_SETTINGS;
  let caps: ClientCapabilities = {};
  const timers = new Map<string, NodeJS.Timeout>();
  const published = new Map<string, number>();
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

  function guard<P extends { textDocument?: { uri: string } }, R>(what: string, fallback: R, fn: (p: P, ctx: DocContext) => R) {
    return (p: P): R => {
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
  const validate = (uri: string) => {
    timers.delete(uri);
    const doc = documents.get(uri);
    if (!doc) return;
    try {
      const ctx = cache.get(doc);
      if (ctx.failure) fail('checking', uri, ctx.failure);
      const diagnostics = diagnosticsFor(ctx, runtime);
      if (ctx.failure) {
        diagnostics.push({
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 1, source: 'unroll',
          message: `Unroll could not check this file (internal error: ${ctx.failure.message}). Hover and completion still work from the text; the trace is in the "Unroll Language Server" output.`,
        });
      }
      // Never let an older version's result replace a newer one.
      const current = documents.get(uri);
      if (!current || current.version !== ctx.version) return;
      if ((published.get(uri) ?? -Infinity) > ctx.version) return;
      published.set(uri, ctx.version);
      void connection.sendDiagnostics({ uri, version: ctx.version, diagnostics });
      // The token-level structure is lazy so diagnostics go out first; build it now, before the editor's next
      // requests (semantic tokens, inlay hints, hover) arrive for this version, unless an edit already made
      // this version stale (its structure would be thrown away unread).
      setImmediate(() => {
        try {
          if (cache.peek(uri) === ctx && documents.get(uri)?.version === ctx.version) void ctx.syntax;
        } catch (e) { fail('tokenizing', uri, e); }
      });
    } catch (e) {
      fail('checking', uri, e);
    }
  };
  const schedule = (uri: string, delay: number) => {
    const t = timers.get(uri);
    if (t) clearTimeout(t);
    if (delay <= 0) { validate(uri); return; }
    timers.set(uri, setTimeout(() => validate(uri), delay));
  };

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
      schedule(doc.uri, 0);
      any = true;
    }
    if (any) refreshViews();
  };

  documents.onDidOpen((e) => schedule(e.document.uri, 0));
  documents.onDidChangeContent((e) => {
    // onDidOpen fires onDidChangeContent too; the open path already validated this version.
    if (published.get(e.document.uri) === e.document.version) return;
    schedule(e.document.uri, settings.diagnostics.debounceMs);
  });
  documents.onDidClose((e) => {
    const t = timers.get(e.document.uri);
    if (t) clearTimeout(t);
    timers.delete(e.document.uri);
    cache.delete(e.document.uri);
    published.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  // ------------------------------------------------------------------ lifecycle and settings
  connection.onInitialize((params: InitializeParams): InitializeResult => {
    caps = params.capabilities;
    settings = parseSettings(params.initializationOptions, DEFAULT_SETTINGS);
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    const workspaceRoot = folder ? uriToPath(folder) : undefined;
    try {
      host = options.createHost?.({ workspaceRoot, onSettled: () => { try { onDataSettled(); } catch (e) { fail('re-checking after data was read', undefined, e); } }, log });
    } catch (e) {
      fail('starting the data reader', undefined, e);
      host = undefined;
    }
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['(', ',', '[', ':'] },
        signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: ['='] },
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        foldingRangeProvider: true,
        semanticTokensProvider: { legend: LEGEND, full: true },
        documentFormattingProvider: true,
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        inlayHintProvider: true,
      },
      serverInfo: { name: 'unroll-language-server', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    if (caps.workspace?.didChangeConfiguration?.dynamicRegistration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: 'unroll' }).catch(() => undefined);
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
      if (documents.get(p.uri)) schedule(p.uri, 0);
      refreshViews();
    } catch (e) {
      fail('storing runtime shapes', p?.uri, e);
    }
  });
  connection.onNotification(ClearRuntimeShapesNotification.method, (p: ClearRuntimeShapesParams) => {
    try {
      runtime.clear(p.uri);
      if (documents.get(p.uri)) schedule(p.uri, 0);
      refreshViews();
    } catch (e) {
      fail('clearing runtime shapes', p?.uri, e);
    }
  });

  // ------------------------------------------------------------------ features
  connection.onHover(guard('hover', null, (p, ctx) => hover(ctx, p.position)));
  connection.onCompletion(guard('completion', [], (p, ctx) => completion(ctx, p.position)));
  connection.onSignatureHelp(guard('signature help', null, (p, ctx) => signatureHelp(ctx, p.position)));
  connection.onDefinition(guard('go to definition', null, (p, ctx) => definition(ctx, p.position)));
  connection.onReferences(guard('find references', [], (p, ctx) => references(ctx, p.position, p.context.includeDeclaration)));
  connection.onPrepareRename(guard('rename', null, (p, ctx) => prepareRename(ctx, p.position)));
  connection.onRenameRequest(guard('rename', null, (p, ctx) => rename(ctx, p.position, p.newName)));
  connection.onDocumentSymbol(guard('document symbols', [], (_p, ctx) => documentSymbols(ctx)));
  connection.onFoldingRanges(guard('folding', [], (_p, ctx) => foldingRanges(ctx)));
  connection.languages.semanticTokens.on(guard('semantic tokens', { data: [] }, (_p, ctx) => semanticTokens(ctx)));
  connection.onDocumentFormatting(guard('formatting', [], (_p, ctx) => format(ctx)));
  connection.onCodeLens(guard('code lens', [], (_p, ctx) => codeLenses(ctx)));
  connection.onCodeAction(guard('code actions', [], (p, ctx) => codeActions(ctx, p.range, p.context.diagnostics)));
  connection.languages.inlayHint.on(guard('inlay hints', [], (p, ctx) => inlayHints(ctx, p.range, settings, runtime)));

  documents.listen(connection);
  connection.listen();
}
