// What the client said it supports (initialize's capabilities), and the adapters that shape every answer to
// it. The feature functions answer in the richest form (snippets, markdown, related information, code action
// literals); a client that did not ask for a form gets the plain equivalent instead of text it would insert
// or show literally (eglot without yasnippet inserts `dense(${1:x}, ...)` as written).
import {
  InsertTextFormat, MarkupKind,
  type ClientCapabilities, type CodeAction, type Command, type CompletionItem, type Diagnostic, type Hover,
  type InlayHint, type MarkupContent, type PublishDiagnosticsParams, type SignatureHelp, type TextEdit,
} from 'vscode-languageserver';

export interface ClientSupport {
  snippets: boolean;
  completionMarkdown: boolean;
  hoverMarkdown: boolean;
  signatureMarkdown: boolean;
  diagnosticVersion: boolean;
  relatedInformation: boolean;
  codeActionLiterals: boolean;
  preferredActions: boolean;
  /** The client resolves an inlay hint's tooltip on demand (inlayHint/resolve). */
  inlayHintResolveTooltip: boolean;
  workspaceFolders: boolean;
  configuration: boolean;
}

/** Capabilities a client leaves out are unsupported (the LSP default). */
export function readSupport(caps: ClientCapabilities = {}): ClientSupport {
  const td = caps.textDocument ?? {};
  const markdown = (formats: unknown) => Array.isArray(formats) && formats.includes(MarkupKind.Markdown);
  return {
    snippets: td.completion?.completionItem?.snippetSupport === true,
    completionMarkdown: markdown(td.completion?.completionItem?.documentationFormat),
    hoverMarkdown: markdown(td.hover?.contentFormat),
    signatureMarkdown: markdown(td.signatureHelp?.signatureInformation?.documentationFormat),
    diagnosticVersion: td.publishDiagnostics?.versionSupport === true,
    relatedInformation: td.publishDiagnostics?.relatedInformation === true,
    codeActionLiterals: td.codeAction?.codeActionLiteralSupport !== undefined,
    preferredActions: td.codeAction?.isPreferredSupport === true,
    inlayHintResolveTooltip: (td.inlayHint?.resolveSupport?.properties ?? []).includes('tooltip'),
    workspaceFolders: caps.workspace?.workspaceFolders === true,
    configuration: caps.workspace?.configuration === true,
  };
}

/** Everything a client can be sent: what the richest client gets (tests, defaults). */
export const FULL_SUPPORT: ClientSupport = {
  snippets: true, completionMarkdown: true, hoverMarkdown: true, signatureMarkdown: true, diagnosticVersion: true,
  relatedInformation: true, codeActionLiterals: true, preferredActions: true, inlayHintResolveTooltip: false,
  workspaceFolders: true, configuration: true,
};

/** The server-side command a plain `Command` code action runs: it applies the edits (workspace/applyEdit). */
export const APPLY_EDITS_COMMAND = 'unroll.applyEdits';
export interface ApplyEditsArgs { uri: string; edits: TextEdit[] }

// ------------------------------------------------------------------ text

/** Markdown as plain text: code fences and backticks dropped, emphasis unwrapped, links as their text. */
export function plainText(md: string): string {
  return md
    .replace(/^```[^\n]*\n?/gm, '')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/(^|[^\w*])\*([^*\n]+)\*(?=[^\w*]|$)/g, '$1$2')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function markup(m: MarkupContent | string | undefined, markdown: boolean): MarkupContent | string | undefined {
  if (m === undefined || markdown || typeof m === 'string' || m.kind !== MarkupKind.Markdown) return m;
  return { kind: MarkupKind.PlainText, value: plainText(m.value) };
}

/**
 * A snippet as the plain text it stands for: `${1:x}` its placeholder, `${1|int,float|}` the first choice,
 * `$0` nothing. A call's snippet (`dense(${1:x}, ${2:size})`) becomes just its name: placeholder names
 * inserted as text would be wrong arguments, and the `(` the user types next opens signature help.
 */
export function snippetToPlain(snippet: string): string {
  const call = /^([A-Za-z_]\w*)\(.*\$\{/s.exec(snippet);
  if (call) return call[1];
  return expand(snippet, 0, false).text;
}

/** The snippet grammar's text from `i`: escapes (`\\$`), tabstops, placeholders, choices; stops at an
 *  unescaped `}` when inside a placeholder. */
function expand(s: string, i: number, inside: boolean): { text: string; end: number } {
  let out = '';
  while (i < s.length) {
    const ch = s[i];
    if (ch === '\\' && i + 1 < s.length && '$}\\'.includes(s[i + 1])) { out += s[i + 1]; i += 2; continue; }
    if (inside && ch === '}') return { text: out, end: i + 1 };
    if (ch === '$') {
      const plain = /^\$(\d+|[A-Za-z_]\w*)/.exec(s.slice(i));
      if (plain) { i += plain[0].length; continue; }
      const open = /^\$\{(\d+|[A-Za-z_]\w*)([:|]?)/.exec(s.slice(i));
      if (open) {
        i += open[0].length;
        if (open[2] === '|') {
          const close = s.indexOf('|}', i);
          const choices = s.slice(i, close < 0 ? s.length : close);
          out += choices.split(',')[0];
          i = close < 0 ? s.length : close + 2;
        } else if (open[2] === ':') {
          const inner = expand(s, i, true);
          out += inner.text;
          i = inner.end;
        } else i = s[i] === '}' ? i + 1 : i;
        continue;
      }
    }
    out += ch;
    i++;
  }
  return { text: out, end: i };
}

// ------------------------------------------------------------------ answers

export function adaptCompletion(items: CompletionItem[], s: ClientSupport): CompletionItem[] {
  if (s.snippets && s.completionMarkdown) return items;
  return items.map((it) => {
    const out: CompletionItem = { ...it };
    if (!s.snippets && it.insertTextFormat === InsertTextFormat.Snippet) {
      out.insertText = snippetToPlain(it.insertText ?? it.label);
      out.insertTextFormat = InsertTextFormat.PlainText;
    }
    if (!s.completionMarkdown) out.documentation = markup(it.documentation, false);
    return out;
  });
}

export function adaptHover(h: Hover | null, s: ClientSupport): Hover | null {
  if (!h || s.hoverMarkdown) return h;
  return { ...h, contents: markup(h.contents as MarkupContent, false) as MarkupContent };
}

export function adaptSignatureHelp(h: SignatureHelp | null, s: ClientSupport): SignatureHelp | null {
  if (!h || s.signatureMarkdown) return h;
  return {
    ...h,
    signatures: h.signatures.map((sig) => ({
      ...sig,
      documentation: markup(sig.documentation, false),
      parameters: sig.parameters?.map((p) => ({ ...p, documentation: markup(p.documentation, false) })),
    })),
  };
}

/** Without related-information support its notes join the message, so nothing the checker said is lost. */
export function adaptDiagnostics(p: PublishDiagnosticsParams, s: ClientSupport): PublishDiagnosticsParams {
  const out: PublishDiagnosticsParams = s.diagnosticVersion ? p : { uri: p.uri, diagnostics: p.diagnostics };
  if (s.relatedInformation) return out;
  return { ...out, diagnostics: out.diagnostics.map(foldRelated) };
}

function foldRelated(d: Diagnostic): Diagnostic {
  if (!d.relatedInformation?.length) return d;
  const { relatedInformation, ...rest } = d;
  const notes = relatedInformation.map((r) => `note: line ${r.location.range.start.line + 1}: ${r.message}`);
  return { ...rest, message: `${d.message}\n${notes.join('\n')}` };
}

/** A client without code action literals gets commands that the server runs (APPLY_EDITS_COMMAND). */
export function adaptCodeActions(actions: CodeAction[], s: ClientSupport): (CodeAction | Command)[] {
  if (s.codeActionLiterals) return s.preferredActions ? actions : actions.map(({ isPreferred: _, ...a }) => a);
  const out: Command[] = [];
  for (const a of actions) {
    const changes = a.edit?.changes;
    if (!changes) continue;
    for (const [uri, edits] of Object.entries(changes)) {
      out.push({ title: a.title, command: APPLY_EDITS_COMMAND, arguments: [{ uri, edits } satisfies ApplyEditsArgs] });
    }
  }
  return out;
}

/** With resolve support, tooltips are left out of the list and filled in by inlayHint/resolve. */
export function adaptInlayHints(hints: InlayHint[], s: ClientSupport, data: (h: InlayHint) => unknown): InlayHint[] {
  if (!s.inlayHintResolveTooltip) return hints;
  return hints.map(({ tooltip: _, ...h }) => ({ ...h, data: data(h) }));
}
