// Fixture helpers for the server tests: marker text (`[|range|]`, `@@` cursor) and analysed contexts.
import type { Position, Range } from '../../language/types';
import { contextFromText, type DocContext } from '../../server/document';

export interface Fixture { text: string; ranges: Range[]; cursors: Position[]; cursor: Position }

/** Strips `[|...|]` range markers and `@@` cursor markers, recording their positions in the clean text. */
export function fixture(marked: string): Fixture {
  let text = '';
  let line = 0, character = 0;
  const ranges: Range[] = [];
  const open: Position[] = [];
  const cursors: Position[] = [];
  for (let i = 0; i < marked.length; i++) {
    const two = marked.slice(i, i + 2);
    if (two === '[|') { open.push({ line, character }); i++; continue; }
    if (two === '|]') { ranges.push({ start: open.pop()!, end: { line, character } }); i++; continue; }
    if (two === '@@') { cursors.push({ line, character }); i++; continue; }
    const ch = marked[i];
    text += ch;
    if (ch === '\n') { line++; character = 0; } else character++;
  }
  return { text, ranges, cursors, cursor: cursors[0] ?? ranges[0]?.start ?? { line: 0, character: 0 } };
}

export function ctxOf(text: string, uri = 'file:///work/exp.rnn'): DocContext {
  return contextFromText(text, uri);
}

/** Position of the `nth` occurrence of `needle` in `text` (plus `delta` characters). */
export function positionOf(text: string, needle: string, delta = 0, nth = 0): Position {
  let idx = -1;
  for (let k = 0; k <= nth; k++) {
    idx = text.indexOf(needle, idx + 1);
    if (idx < 0) throw new Error(`'${needle}' not found in fixture`);
  }
  const before = text.slice(0, idx + delta);
  const lines = before.split('\n');
  return { line: lines.length - 1, character: lines[lines.length - 1].length };
}

/** A generator-backed experiment (no file I/O): arithmetic encoder-decoder. */
export const ARITHMETIC = `experiment arithmetic

dims {
  hidden = 32
}

data arithmetic {
  samples = 1000
  batch = 32
}

model {
  input x: int[batch, src] < vocab
  input y: int[batch, tgt] < vocab
  oh = one_hot(x, vocab)
  _, enc = lstm(oh, hidden)
  rep = repeat(enc.h, tgt)
  dec, _ = lstm(rep, hidden)
  logits = dense(dec, vocab)
}

train {
  loss = cross_entropy(logits, y)
  optimizer = adam(lr = 1e-3)
  epochs = 100
  metrics = [exact_match]
}
`;
