// Tokenizers. Two conventions, each the one its tutorials use:
// - language models (`text`, `pairs`): chars are Unicode code points; words are whitespace-split with case
//   kept and `<eos>` after every line (PyTorch word_language_model, MXNet's PTB reader).
// - classification (`classify` with words): Keras's text_to_word_sequence: lowercased, punctuation
//   !"#$%&()*+,-./:;<=>?@[\]^_`{|}~ replaced by spaces, then split (the apostrophe stays: "don't").
import type { TokenKind } from './args';

export const EOS = '<eos>';

/** Code points of a string (a surrogate pair is one token). */
export function charTokens(s: string): string[] {
  return Array.from(s);
}

/** Whitespace-split words, case kept. */
export function wordTokens(s: string): string[] {
  const out: string[] = [];
  for (const w of s.split(/\s+/)) if (w) out.push(w);
  return out;
}

/** Keras's default `filters`: each of these characters becomes a space before words are split. */
export const KERAS_FILTER_CHARS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n\r';
const KERAS_FILTERS = new RegExp(`[${KERAS_FILTER_CHARS.replace(/[\\\]\-^]/g, '\\$&')}]`, 'g');

/** Keras text_to_word_sequence with its defaults. */
export function kerasWords(s: string): string[] {
  return wordTokens(s.toLowerCase().replace(KERAS_FILTERS, ' '));
}

/** Tokens of one `text` line for word-level models: words then `<eos>`; a blank line gives none. */
export function lineWords(line: string): string[] {
  const w = wordTokens(line);
  if (w.length) w.push(EOS);
  return w;
}

/** How a source splits a field (classify uses Keras words; pairs and text keep case). */
export function fieldTokens(s: string, kind: TokenKind, style: 'keras' | 'plain'): string[] {
  if (kind === 'chars') return charTokens(s);
  return style === 'keras' ? kerasWords(s) : wordTokens(s);
}

/** Joins tokens back into text. */
export function joinTokens(tokens: string[], kind: TokenKind): string {
  return tokens.join(kind === 'chars' ? '' : ' ');
}
