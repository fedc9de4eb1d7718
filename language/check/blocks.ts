// Pass 1a: the file's blocks (one of each kind) and the experiment's name.
import * as path from 'node:path';
import type { Block, SyntaxTree } from '../syntax/tree';
import type { CheckContext } from './context';

export interface Blocks {
  /** The first block of each kind (a second one is reported and ignored). */
  byKind: Map<string, Block>;
  /** The `experiment NAME` declaration, else the file's name without `.rnn`. */
  experiment: string;
  /** Whether the file has anything in it at all. */
  any: boolean;
}

export function readBlocks(tree: SyntaxTree, cx: CheckContext): Blocks {
  const byKind = new Map<string, Block>();
  let count = 0;
  for (const b of tree.items) {
    if (b.kind !== 'block') continue;
    count++;
    const first = byKind.get(b.block);
    if (first) {
      cx.report('bad-argument', b.keyword, `a file has one ${b.block} block; this is a second one (the first is on line ${cx.lineOf(first.keyword)})`, {
        fix: `merge it into the first ${b.block} block`, related: [{ range: first.keyword, message: `the first ${b.block} block` }],
      });
      continue;
    }
    byKind.set(b.block, b);
  }
  const decl = tree.items.find((i) => i.kind === 'experiment');
  const fileName = path.basename(cx.opts.path || cx.opts.uri).replace(/\.rnn$/, '');
  const experiment = decl && decl.kind === 'experiment' && decl.name
    ? (decl.name.kind === 'ident' ? decl.name.name : decl.name.value)
    : fileName;
  return { byKind, experiment, any: count > 0 || tree.items.length > 0 };
}
