// Completion from the token context at the cursor: block keywords at top level, data sources after `data`,
// ops (as snippets) after `name =` in the model, op and call arguments, tensors and dims in scope, block
// keys and the train block's losses, optimizers, metrics and inits.
import { CompletionItemKind, InsertTextFormat, type CompletionItem } from 'vscode-languageserver';
import { BLOCK_KEYS, DEVICES, INITS, LOSSES, METRICS, OPS, OPTIMIZERS, SOURCES, type ParamInfo, type Position, type Token } from '../core';
import type { DocContext } from '../document';
import { callContext, type BlockInfo } from '../syntax';
import { dataSourceName } from './hover';
import { dimsInScope, tensorsInScope } from './names';

type Named = { name: string; doc: string; params: ParamInfo[] };

export function completion(ctx: DocContext, pos: Position): CompletionItem[] {
  const offset = ctx.doc.offsetAt(pos);
  const { tokens } = ctx.syntax;
  // Never complete inside a comment or a string (right after a closed string is fine).
  let lo = 0, hi = tokens.length - 1, k = -1;
  while (lo <= hi) { const mid = (lo + hi) >> 1; if (tokens[mid].start < offset) { k = mid; lo = mid + 1; } else hi = mid - 1; }
  if (k >= 0) {
    const t = tokens[k];
    if (t.kind === 'comment' && offset <= t.end) return [];
    if (t.kind === 'string' && offset < t.end) return [];
    if (t.kind === 'error' && /^["']/.test(t.text) && offset <= t.end) return [];
  }
  const line = ctx.syntax.lines[pos.line];
  if (!line) return [];
  // Tokens on this line before the cursor, minus the word being typed.
  const before: Token[] = [];
  for (let k = line.from; k < line.to && tokens[k].end <= offset; k++) before.push(tokens[k]);
  if (before.length && before[before.length - 1].end === offset && (before[before.length - 1].kind === 'ident' || before[before.length - 1].kind === 'keyword')) before.pop();
  const significant = before.filter((t) => t.kind !== 'comment');
  const last = significant[significant.length - 1];

  const block = bodyBlock(ctx, offset);
  if (!block) {
    if (significant.length === 0) return blockKeywordItems();
    if (significant.length === 1 && significant[0].text === 'data') return sourceItems();
    return [];
  }

  // `enc.`: the fields of a recurrent state.
  if (last?.text === '.' && significant.length >= 2) {
    const v = ctx.analysis.values.get(significant[significant.length - 2].text);
    if (v && 'kind' in v && v.kind === 'state') {
      const fields = [{ label: 'h', kind: CompletionItemKind.Field, detail: `final hidden state of the top layer` }];
      if (v.c) fields.push({ label: 'c', kind: CompletionItemKind.Field, detail: 'final cell state of the top layer' });
      return fields;
    }
    return [];
  }
  const call = callContext(ctx.syntax, offset, block.open ?? 0);
  if (call) return callItems(ctx, call, pos, block.kind);

  const first = significant[0];
  const eqIndex = significant.findIndex((t) => t.text === '=');
  switch (block.kind) {
    case 'model': {
      if (significant.length === 0) return [inputSnippet()];
      if (first.text === 'input') {
        if (last.text === ':') return ['int', 'float'].map((n) => ({ label: n, kind: CompletionItemKind.Keyword }));
        if (last.text === '[' || last.text === ',' || last.text === '<' || last.text === '*') return dimItems(ctx);
        return [];
      }
      if (eqIndex >= 0 && last.text === '=') return opItems();
      return [];
    }
    case 'data': {
      const src = ctx.analysis.data?.source ?? dataSourceName(ctx);
      const params = src && SOURCES[src] ? SOURCES[src].params : [];
      if (significant.length === 0) return keyItems(params, usedKeys(ctx, block), `data ${src ?? ''}`.trim());
      if (eqIndex === 1 && last.text === '=') return valueItems(ctx, params.find((p) => p.name === first.text), pos);
      return [];
    }
    case 'train': case 'sample': case 'predict': {
      const keys = BLOCK_KEYS[block.kind];
      if (significant.length === 0) return keyItems(keys, usedKeys(ctx, block), block.kind);
      if (eqIndex !== 1) return [];
      const key = first.text;
      const afterEq = significant.slice(2);
      if (block.kind === 'train') {
        if (key === 'metrics' && (afterEq.length === 0 || last.text === '[' || last.text === ',')) {
          return Object.values(METRICS).map((m) => ({ label: m.name, kind: CompletionItemKind.EnumMember, documentation: md(m.doc) }));
        }
        if (afterEq.length > 0) return [];
        if (key === 'loss') return libraryItems(LOSSES, CompletionItemKind.Function, callSnippet);
        if (key === 'optimizer') return libraryItems(OPTIMIZERS, CompletionItemKind.Function, callSnippet);
        if (key === 'init') return libraryItems(INITS, CompletionItemKind.Function, callSnippet);
        if (key === 'device') return DEVICES.map((d) => ({ label: d, kind: CompletionItemKind.EnumMember }));
      }
      if (afterEq.length > 0) return [];
      return valueItems(ctx, keys.find((p) => p.name === key), pos);
    }
    default:
      return [];
  }
}

/** The block whose `{ ... }` body holds the offset. */
function bodyBlock(ctx: DocContext, offset: number): BlockInfo | undefined {
  const { tokens } = ctx.syntax;
  for (const b of ctx.syntax.blocks) {
    if (b.open === undefined) continue;
    if (offset < tokens[b.open].end) continue;
    if (b.close !== undefined && offset > tokens[b.close].start) continue;
    if (b.close === undefined && b.last < tokens.length && offset > tokens[b.last - 1].end) continue;
    return b;
  }
  return undefined;
}

function usedKeys(ctx: DocContext, block: BlockInfo): Set<string> {
  const used = new Set<string>();
  for (let l = block.startLine + 1; l <= block.endLine; l++) {
    const li = ctx.syntax.lines[l];
    if (!li || li.to - li.from < 2 || li.parenDepth > 0) continue;
    if (ctx.syntax.tokens[li.from + 1].text === '=') used.add(ctx.syntax.tokens[li.from].text);
  }
  return used;
}

function callItems(ctx: DocContext, call: NonNullable<ReturnType<typeof callContext>>, pos: Position, block: string): CompletionItem[] {
  const callee = call.callee.text;
  const info: Named | undefined = (block === 'model' ? OPS[callee] : undefined)
    ?? (block === 'train' ? LOSSES[callee] ?? OPTIMIZERS[callee] ?? INITS[callee] : undefined);
  if (!info) return [];
  if (call.inValue) return valueItems(ctx, info.params.find((p) => p.name === call.argName), pos);
  const positional = info.params.filter((p) => !call.namedArgs.includes(p.name));
  const slot = positional[call.positionalBefore];
  const items: CompletionItem[] = [];
  if (slot) items.push(...valueItems(ctx, slot, pos));
  else if (LOSSES[callee]) items.push(...tensorItems(ctx, pos));
  // Keyword arguments not given yet, after the positional ones.
  for (const p of info.params.slice(call.positionalBefore)) {
    if (call.namedArgs.includes(p.name) || p.type === 'tensor') continue;
    items.push({
      label: `${p.name} =`, kind: CompletionItemKind.Property, detail: p.default !== undefined ? `${p.type} = ${p.default}` : p.type,
      documentation: md(p.doc), insertText: `${p.name} = \${1:${snippetEscape(p.default ?? '')}}`, insertTextFormat: InsertTextFormat.Snippet,
      sortText: `z${p.name}`, filterText: p.name,
    });
  }
  return items;
}

/** What can be written for a parameter of this type. */
function valueItems(ctx: DocContext, p: ParamInfo | undefined, pos: Position): CompletionItem[] {
  if (!p) return [];
  const choices = p.choices;
  if (choices && choices.length) return choices.map((c) => ({ label: c, kind: CompletionItemKind.EnumMember, detail: p.name }));
  switch (p.type) {
    case 'bool': return ['true', 'false'].map((b) => ({ label: b, kind: CompletionItemKind.Keyword }));
    case 'tensor': case 'state': return tensorItems(ctx, pos, p.type === 'state');
    case 'size': case 'dim': case 'dims': return dimItems(ctx);
    default: return [];
  }
}

function tensorItems(ctx: DocContext, pos: Position, statesOnly = false): CompletionItem[] {
  const items: CompletionItem[] = [];
  for (const t of tensorsInScope(ctx, pos)) {
    if (statesOnly && t.kind !== 'state') continue;
    items.push({ label: t.name, kind: CompletionItemKind.Variable, detail: t.kind === 'state' ? 'state' : 'tensor', sortText: `a${t.name}` });
    if (t.kind === 'state' && !statesOnly) {
      items.push({ label: `${t.name}.h`, kind: CompletionItemKind.Field, detail: 'final hidden state', sortText: `a${t.name}.h` });
    }
  }
  return items;
}

function dimItems(ctx: DocContext): CompletionItem[] {
  return dimsInScope(ctx).map((d) => ({ label: d.name, kind: CompletionItemKind.TypeParameter, detail: d.detail ?? 'dim', sortText: `b${d.name}` }));
}

function opItems(): CompletionItem[] {
  return Object.values(OPS).map((op) => ({
    label: op.name, kind: CompletionItemKind.Function, detail: op.signature, documentation: md(`${op.doc}\n\nShape rule: \`${op.rule}\``),
    insertText: callSnippet(op), insertTextFormat: InsertTextFormat.Snippet,
  }));
}

/**
 * `lstm(${1:x}, ${2:size})`: the parameters a call needs. Skipped: those with defaults, `init` states (optional),
 * and concat's `over` (it defaults to the last dimension). `over` is written as a keyword, lists as `[...]`.
 */
function callSnippet(info: Named): string {
  if (!info.params.length) return info.name;
  const required = info.params.filter((p) => p.default === undefined && p.type !== 'state' && !(info.name === 'concat' && p.name === 'over'));
  const parts = required.map((p, i) => {
    if (p.name === 'over') return `over = \${${i + 1}:time}`;
    if (p.type === 'dims') return `[\${${i + 1}:${p.name}}]`;
    return `\${${i + 1}:${p.name}}`;
  });
  return `${info.name}(${parts.join(', ')})`;
}

function libraryItems(lib: Record<string, Named>, kind: CompletionItemKind, snippet: (n: Named) => string): CompletionItem[] {
  return Object.values(lib).map((l) => ({
    label: l.name, kind, documentation: md(l.doc), insertText: snippet(l), insertTextFormat: InsertTextFormat.Snippet,
    detail: l.params.length ? `${l.name}(${l.params.map((p) => p.name).join(', ')})` : l.name,
  }));
}

function keyItems(params: ParamInfo[], used: Set<string>, owner: string): CompletionItem[] {
  return params.filter((p) => !used.has(p.name)).map((p) => ({
    label: p.name, kind: CompletionItemKind.Property, detail: `${owner}: ${p.type}${p.default !== undefined ? ` = ${p.default}` : ''}`,
    documentation: md(p.doc), insertText: `${p.name} = \${1:${snippetEscape(p.default ?? '')}}`, insertTextFormat: InsertTextFormat.Snippet,
  }));
}

function inputSnippet(): CompletionItem {
  return {
    label: 'input', kind: CompletionItemKind.Keyword, detail: 'input x: int[batch, time] < vocab',
    documentation: md('Declares a tensor the data must provide.'),
    insertText: 'input ${1:x}: ${2|int,float|}[${3:batch, time}]', insertTextFormat: InsertTextFormat.Snippet,
  };
}

function blockKeywordItems(): CompletionItem[] {
  const block = (name: string, detail: string, body = '\t$0') => ({
    label: name, kind: CompletionItemKind.Keyword, detail, insertText: `${name} {\n${body}\n}`, insertTextFormat: InsertTextFormat.Snippet,
  });
  return [
    { label: 'experiment', kind: CompletionItemKind.Keyword, detail: 'experiment NAME', insertText: 'experiment ${1:name}', insertTextFormat: InsertTextFormat.Snippet },
    block('dims', 'named sizes'),
    { label: 'data', kind: CompletionItemKind.Keyword, detail: 'data SOURCE ["PATH"] { ... }', insertText: 'data ${1:text} "${2:data/input.txt}" {\n\t$0\n}', insertTextFormat: InsertTextFormat.Snippet },
    block('model', 'the computation'),
    block('train', 'loss, optimizer, schedule', '\tloss = ${1:cross_entropy}(${2:logits}, ${3:y})\n\toptimizer = adam(lr = ${4:1e-3})\n\tepochs = ${5:10}$0'),
    block('sample', 'generate text after training'),
    block('predict', 'use a trained classifier or seq2seq model'),
  ];
}

function sourceItems(): CompletionItem[] {
  return Object.values(SOURCES).map((s) => ({
    label: s.name, kind: CompletionItemKind.Module, detail: s.provides, documentation: md(s.doc),
    insertText: s.path ? `${s.name} "\${1:data/file}" {\n\t$0\n}` : `${s.name} {\n\t$0\n}`, insertTextFormat: InsertTextFormat.Snippet,
  }));
}

function snippetEscape(s: string): string {
  return s.replace(/[$}\\]/g, (c) => `\\${c}`);
}

function md(value: string) {
  return { kind: 'markdown' as const, value };
}
