// The server's own commands (workspace/executeCommand): applying a quick fix for clients without code action
// literals, and the model summary for clients that cannot run the VS Code extension's commands.
import { LSPErrorCodes, MessageType, ResponseError, ShowMessageNotification, type Connection, type ExecuteCommandParams, type TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { APPLY_EDITS_COMMAND, type ApplyEditsArgs } from './clientSupport';
import { formatSummary } from './core';
import type { AnalysisCache } from './document';
import { SUMMARY_COMMAND } from './protocol';
import { invalidParams } from './requests';

export interface CommandDeps { connection: Connection; documents: TextDocuments<TextDocument>; cache: AnalysisCache }

export async function executeCommand(p: ExecuteCommandParams, d: CommandDeps): Promise<unknown> {
  const arg = p.arguments?.[0] as Partial<ApplyEditsArgs> | string | undefined;
  if (p.command === APPLY_EDITS_COMMAND && arg && typeof arg === 'object' && typeof arg.uri === 'string' && Array.isArray(arg.edits)) {
    const r = await d.connection.workspace.applyEdit({ label: 'Unroll quick fix', edit: { changes: { [arg.uri]: arg.edits } } });
    return r.applied;
  }
  if (p.command === SUMMARY_COMMAND && typeof arg === 'string') {
    const doc = d.documents.get(arg);
    if (!doc) throw new ResponseError(LSPErrorCodes.RequestFailed, `${arg} is not open`);
    const text = formatSummary(d.cache.get(doc).analysis);
    void d.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message: text });
    return text;
  }
  d.connection.console.warn(`[unroll] ignored workspace/executeCommand ${String(p.command)} with arguments ${JSON.stringify(p.arguments)?.slice(0, 200)}`);
  if (p.command === SUMMARY_COMMAND) throw invalidParams(SUMMARY_COMMAND, 'its argument is the uri of an open .rnn document: arguments: ["file:///.../experiment.rnn"]');
  if (p.command === APPLY_EDITS_COMMAND) throw invalidParams(APPLY_EDITS_COMMAND, 'its argument is { uri, edits: TextEdit[] }, as the code action gives it');
  throw invalidParams('execute command', `unknown command ${String(p.command)}; the server's commands are ${APPLY_EDITS_COMMAND} and ${SUMMARY_COMMAND}`);
}
