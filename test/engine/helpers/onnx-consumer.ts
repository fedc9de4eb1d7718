// A consumer of an exported model that knows only the file: it reads metadata_props and tokenizes text the
// way `unroll.tokenizer` says, as a user's own program would (what the README tells them to do).
import protobuf from 'protobufjs';
import { ONNX_PROTO } from '../../../engine/onnx/onnxProto';

export interface ModelInfo {
  metadata: Record<string, string>;
  inputs: string[];
  prediction: string;
  vocab?: string[];
  labels?: string[];
  padId?: number;
  unkId?: number;
  tokenizer?: Record<string, unknown>;
  irVersion: number;
}

export function readModelInfo(bytes: Uint8Array): ModelInfo {
  const T = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  const m = T.toObject(T.decode(bytes), { longs: Number }) as { ir_version: number; metadata_props?: { key: string; value: string }[] };
  const metadata = Object.fromEntries((m.metadata_props ?? []).map((p) => [p.key, p.value]));
  const json = (k: string) => (metadata[k] === undefined ? undefined : JSON.parse(metadata[k]));
  const num = (k: string) => (metadata[k] === undefined ? undefined : Number(metadata[k]));
  return {
    metadata, inputs: json('unroll.inputs'), prediction: metadata['unroll.prediction'], vocab: json('unroll.vocab'), labels: json('unroll.labels'),
    padId: num('unroll.pad_id'), unkId: num('unroll.unk_id'), tokenizer: json('unroll.tokenizer'), irVersion: m.ir_version,
  };
}

export function tokenize(info: ModelInfo, text: string): number[] {
  const t = info.tokenizer ?? {};
  const index = new Map(info.vocab!.map((w, i) => [w, i]));
  let s = text;
  if (t.drop === 'whitespace') s = s.replace(/\s+/g, '');
  if (typeof t.width === 'number') s = s.padStart(t.width, String(t.pad_with ?? ' '));
  if (t.lowercase) s = s.toLowerCase();
  if (typeof t.replace_with_space === 'string') for (const c of t.replace_with_space) s = s.split(c).join(' ');
  const tokens = t.tokens === 'chars' ? Array.from(s) : s.split(/\s+/).filter(Boolean);
  let ids = tokens.map((w) => index.get(w) ?? info.unkId ?? -1);
  if (ids.includes(-1)) throw new Error(`a token of ${JSON.stringify(text)} is not in the vocabulary and the model has no unknown id`);
  if (typeof t.max_len === 'number' && ids.length > t.max_len) ids = ids.slice(ids.length - t.max_len);
  return ids;
}
