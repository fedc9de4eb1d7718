// What a consumer of an exported model needs besides the weights: how to turn text (or numbers) into its
// inputs and read its outputs. Written as the model's metadata_props (keys `unroll.*`, JSON values where a
// value is structured) and as doc strings of its inputs and outputs, so Netron and any runtime show it.
import { ArgReader, classifySettings, KERAS_FILTER_CHARS, pairsSettings, textSettings, type PlainArgs } from '../../language/data';
import type { Dataset } from '../data/types';
import { LENGTHS_INPUT } from './onnx';

export interface ExportDescription { metadata: Record<string, string>; docs: Record<string, string>; docString: string }

export interface DescribeInput {
  experiment: string;
  /** The data block's source and plain arguments (as saved with the run). */
  source: string;
  args: PlainArgs;
  dataset: Pick<Dataset, 'vocab' | 'labels' | 'columns' | 'dims'>;
  /** The output the loss reads (the prediction) and the loss function. */
  prediction: string;
  loss?: string;
  /** The exported graph's input names. */
  inputs: string[];
}


/** How text becomes ids, as data a consumer can implement. */
export function tokenizer(source: string, args: PlainArgs, dims: Record<string, number>): Record<string, unknown> | undefined {
  switch (source) {
    case 'classify': {
      const s = classifySettings(new ArgReader(source, args, source));
      return s.tokens === 'chars'
        ? { tokens: 'chars', max_len: s.maxLen, truncate: 'keep the last max_len tokens' }
        : { tokens: 'words', lowercase: true, replace_with_space: KERAS_FILTER_CHARS, split: 'whitespace', max_len: s.maxLen, truncate: 'keep the last max_len tokens', unknown: '<unk>' };
    }
    case 'text': {
      const s = textSettings(new ArgReader(source, args, source));
      return s.tokens === 'chars' ? { tokens: 'chars' } : { tokens: 'words', split: 'whitespace', case: 'kept', end_of_line: '<eos>', unknown: '<unk>' };
    }
    case 'pairs': {
      // The source is its tokens alone (no end token); the decoder's input y_in starts with <s>, and decoding
      // stops at </s> (engine/data/tables.ts pairsDataset).
      const s = pairsSettings(new ArgReader(source, args, source));
      return {
        tokens: s.tokens, ...(s.targetTokens !== s.tokens ? { target_tokens: s.targetTokens } : {}),
        ...(s.tokens === 'words' || s.targetTokens === 'words' ? { split: 'whitespace', unknown: '<unk>' } : {}), case: 'kept', source_end: 'none',
        target_start: '<s>', target_end: '</s>', decode: 'greedy: y_in = <s> then pad_id; at step t take the argmax of logits[t], stop at </s>, else write it at y_in[t + 1]',
        // What predict decodes: the longest target the training data had, </s> included.
        target_max_steps: dims.tgt, source_max_steps: dims.src,
      };
    }
    case 'arithmetic':
      return { tokens: 'chars', drop: 'whitespace', align: 'right', width: dims.src, pad_with: ' ' };
    default:
      return undefined;
  }
}

function outputDoc(d: DescribeInput): string {
  const labels = d.dataset.labels;
  if (d.loss === 'binary_cross_entropy') return `[batch, 1] probability of label ${JSON.stringify(labels?.[1] ?? '1')} (1 - p: ${JSON.stringify(labels?.[0] ?? '0')})`;
  if (d.loss === 'cross_entropy') {
    if (labels && d.source === 'classify') return `[batch, classes] logits over labels; softmax over the last axis gives probabilities`;
    if (d.source === 'arithmetic' || d.source === 'pairs') return `[batch, tgt, vocab] logits for each output token; the most likely id at each step, decoded with vocab, is the answer`;
    return `logits over vocab at every step (last axis); softmax at step t gives the distribution of the token after step t`;
  }
  return 'the predicted values';
}

function inputDoc(name: string, d: DescribeInput, padded: boolean): string {
  if (name === LENGTHS_INPUT) return 'int32 [batch]: the number of real tokens in each row of x (at least 1)';
  if (d.source === 'sine' || d.source === 'adding' || d.source === 'series') {
    const cols = d.source === 'adding' ? ['value', 'marker'] : d.source === 'sine' ? ['value'] : d.dataset.columns ?? [];
    return `float32 [batch, time, ${cols.length}]: one row per step, features ${cols.join(', ')}`;
  }
  if (d.source === 'arithmetic') return `int32 [batch, src]: character ids of the expression, right-aligned with spaces to ${d.dataset.dims.src}`;
  if (name === 'y_in') return `int32 [batch, tgt]: the decoder input, <s> then the target so far, then pad_id (see tokenizer.decode; training targets had at most ${d.dataset.dims.tgt} steps, </s> included)`;
  const steps = d.source === 'pairs' ? 'src' : 'time';
  return padded && name === 'x'
    ? `int32 [batch, ${steps}]: token ids (vocab), each row left-aligned (real tokens first, then pad_id), its count in lengths`
    : `int32 [batch, ${steps}]: token ids (vocab)`;
}

/** What the model is and how to call it, as plain JSON (the sidecar file; metadata_props carry the same). */
export function aboutModel(d: DescribeInput): Record<string, unknown> {
  const padded = d.inputs.includes(LENGTHS_INPUT);
  const v = d.dataset.vocab;
  const about: Record<string, unknown> = { experiment: d.experiment, data: d.source, inputs: d.inputs, prediction: d.prediction };
  if (d.loss) about.loss = d.loss;
  const tok = tokenizer(d.source, d.args, d.dataset.dims);
  if (tok) about.tokenizer = tok;
  if (v) {
    about.vocab = v.tokens;
    for (const [k, id] of Object.entries({ pad_id: v.pad, unk_id: v.unk, bos_id: v.bos, eos_id: v.eos })) if (id !== undefined) about[k] = id;
  }
  if (d.dataset.labels) about.labels = d.dataset.labels;
  if (d.dataset.columns) about.columns = d.dataset.columns;
  if (padded) about.padding = 'rows left-aligned (real tokens first), lengths = real tokens per row (ONNX sequence_lens)';
  const docs: Record<string, string> = { [d.prediction]: outputDoc(d) };
  for (const i of d.inputs) docs[i] = inputDoc(i, d, padded);
  about.docs = docs;
  return about;
}

export function describeExport(d: DescribeInput): ExportDescription & { about: Record<string, unknown> } {
  const about = aboutModel(d);
  // One key per entry, `unroll.<key>`; strings as they are, everything else as JSON.
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(about)) if (k !== 'docs') metadata[`unroll.${k}`] = typeof v === 'string' ? v : JSON.stringify(v);
  const docs = about.docs as Record<string, string>;
  const docString = `Unroll experiment ${d.experiment}: feed ${d.inputs.join(', ')}; read ${d.prediction} (${docs[d.prediction]}).`;
  return { metadata, docs, docString, about };
}
