// What the server offers in its initialize result, shaped by what the client supports.
import { CodeActionKind, TextDocumentSyncKind, type ServerCapabilities } from 'vscode-languageserver';
import { APPLY_EDITS_COMMAND, type ClientSupport } from './clientSupport';
import { LEGEND } from './features/semanticTokens';
import { SUMMARY_COMMAND } from './protocol';

export function serverCapabilities(support: ClientSupport): ServerCapabilities {
  return {
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
    codeActionProvider: support.codeActionLiterals ? { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorExtract, CodeActionKind.RefactorInline] } : true,
    executeCommandProvider: { commands: [APPLY_EDITS_COMMAND, SUMMARY_COMMAND] },
    inlayHintProvider: support.inlayHintResolveTooltip ? { resolveProvider: true } : true,
    workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
  };
}
