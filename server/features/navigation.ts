// Definition, references and rename for tensors, states and dims (from the analysis' symbol table).
import { ResponseError, LSPErrorCodes, type Location, type WorkspaceEdit, type TextEdit } from 'vscode-languageserver';
import { INITS, LOSSES, METRICS, OPS, OPTIMIZERS, SOURCES, type Position, type Range, type SymbolInfo } from '../core';
import type { DocContext } from '../document';
import { IDENT_RE, sameRange } from '../syntax';
import { symbolAt } from './hover';

export function definition(ctx: DocContext, pos: Position): Location | null {
  const sym = symbolAt(ctx, pos);
  return sym ? { uri: ctx.uri, range: sym.definition } : null;
}

export function references(ctx: DocContext, pos: Position, includeDeclaration: boolean): Location[] {
  const sym = symbolAt(ctx, pos);
  if (!sym) return [];
  const ranges = includeDeclaration ? [sym.definition, ...sym.references] : sym.references;
  return dedupe(ranges).map((range) => ({ uri: ctx.uri, range }));
}

const RESERVED = new Set(['experiment', 'dims', 'data', 'model', 'train', 'sample', 'predict', 'input', 'true', 'false', 'int', 'float']);

function refuse(message: string): never {
  // RequestFailed (the spec's code for a valid request the server cannot answer); editors show the message.
  throw new ResponseError(LSPErrorCodes.RequestFailed, message);
}

/** What rename would change at `pos`, or an error saying why it cannot be renamed. */
export function prepareRename(ctx: DocContext, pos: Position): { range: Range; placeholder: string } {
  const offset = ctx.doc.offsetAt(pos);
  const idx = ctx.syntax.tokenAt(offset);
  const tok = idx !== undefined ? ctx.syntax.tokens[idx] : undefined;
  if (!tok || (tok.kind !== 'ident' && tok.kind !== 'keyword')) refuse('Only tensors, states and dimensions can be renamed.');
  if (tok.kind === 'keyword') refuse(`'${tok.text}' is a keyword of the language and cannot be renamed.`);
  const sym = symbolAt(ctx, pos);
  if (!sym || !renameable(sym)) {
    if (OPS[tok.text]) refuse(`'${tok.text}' is a built-in op and cannot be renamed.`);
    if (SOURCES[tok.text] || LOSSES[tok.text] || OPTIMIZERS[tok.text] || METRICS[tok.text] || INITS[tok.text]) refuse(`'${tok.text}' is built in and cannot be renamed.`);
    if (sym?.kind === 'data') refuse(`'${tok.text}' is named by the data source; rename the model's input instead.`);
    refuse(`'${tok.text}' is not a tensor, state or dimension defined in this file.`);
  }
  // Names the data source binds must stay as they are: renaming them would only break the data match.
  if (sym.kind === 'dim' && ctx.analysis.dims.get(sym.name)?.origin === 'data') refuse(`'${sym.name}' is named by the data source and cannot be renamed.`);
  if (sym.kind === 'tensor' && ctx.analysis.data?.provides[sym.name] && ctx.analysis.model.some((m) => m.kind === 'input' && m.name === sym.name)) {
    refuse(`'${sym.name}' is provided by the data source under this name and cannot be renamed.`);
  }
  return { range: tok.range, placeholder: tok.text };
}

function renameable(sym: SymbolInfo): boolean {
  return sym.kind === 'tensor' || sym.kind === 'state' || sym.kind === 'dim';
}

export function rename(ctx: DocContext, pos: Position, newName: string): WorkspaceEdit {
  prepareRename(ctx, pos);
  if (!IDENT_RE.test(newName)) refuse(`'${newName}' is not a valid name: use letters, digits and '_', not starting with a digit.`);
  if (RESERVED.has(newName)) refuse(`'${newName}' is a keyword.`);
  if (OPS[newName]) refuse(`'${newName}' is the name of an op.`);
  const sym = symbolAt(ctx, pos)!;
  const clash = ctx.analysis.symbols.find((s) => s.name === newName && s !== sym && (s.kind === sym.kind || s.kind !== 'data'));
  if (clash) refuse(`'${newName}' is already defined (line ${clash.definition.start.line + 1}).`);
  // Only ranges that spell the name (a data-bound symbol's definition can sit on the source's name).
  const spells = (r: Range) => ctx.text.slice(ctx.doc.offsetAt(r.start), ctx.doc.offsetAt(r.end)) === sym.name;
  const edits: TextEdit[] = dedupe([sym.definition, ...sym.references]).filter(spells).map((range) => ({ range, newText: newName }));
  return { changes: { [ctx.uri]: edits } };
}

function dedupe(ranges: Range[]): Range[] {
  const out: Range[] = [];
  for (const r of ranges) if (!out.some((o) => sameRange(o, r))) out.push(r);
  return out;
}
