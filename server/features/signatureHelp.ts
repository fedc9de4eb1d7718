// Signature help for ops (and the train block's losses, optimizers and inits): the signature with the
// active parameter, positional or `name = value`.
import type { SignatureHelp } from 'vscode-languageserver';
import { INITS, LOSSES, OPS, OPTIMIZERS, type ParamInfo, type Position } from '../core';
import type { DocContext } from '../document';
import { callContext } from '../syntax';

type Named = { name: string; doc: string; params: ParamInfo[]; signature?: string };

export function signatureHelp(ctx: DocContext, pos: Position): SignatureHelp | null {
  const offset = ctx.doc.offsetAt(pos);
  const call = callContext(ctx.syntax, offset);
  if (!call) return null;
  const name = call.callee.text;
  const info: Named | undefined = OPS[name] ?? LOSSES[name] ?? OPTIMIZERS[name] ?? INITS[name];
  if (!info) return null;
  const params = info.params;
  // Build the label ourselves so parameter offsets are exact (the op's own signature text is the doc).
  const pieces = params.map((p) => (p.default !== undefined ? `${p.name}=${p.default}` : p.name));
  const head = `${name}(`;
  let cursor = head.length;
  const offsets: [number, number][] = pieces.map((piece) => {
    const o: [number, number] = [cursor, cursor + piece.length];
    cursor += piece.length + 2;
    return o;
  });
  const label = `${head}${pieces.join(', ')})`;
  let active: number;
  if (call.argName) active = params.findIndex((p) => p.name === call.argName);
  else {
    const positional = params.map((p, i) => [p, i] as const).filter(([p]) => !call.namedArgs.includes(p.name));
    active = positional[call.positionalBefore]?.[1] ?? -1;
  }
  return {
    signatures: [{
      label,
      documentation: { kind: 'markdown', value: info.signature && info.signature !== label ? `\`${info.signature}\`\n\n${info.doc}` : info.doc },
      parameters: params.map((p, i) => ({ label: offsets[i], documentation: { kind: 'markdown', value: `(${p.type}) ${p.doc}` } })),
      activeParameter: active >= 0 ? active : undefined,
    }],
    activeSignature: 0,
    activeParameter: active >= 0 ? active : undefined,
  };
}
