// Shared by the runtime, process and CLI tests: a tiny character LM experiment and a fresh engine bundle.
import * as fs from 'node:fs';
import * as path from 'node:path';

const TEXT = [
  'The river runs past the old mill and under the stone bridge.',
  'In the morning the fog sits low on the water.',
  'A heron stands on one leg at the edge of the reeds.',
  'Children cross the bridge on their way to school.',
].join('\n');

/** Writes `<dir>/<name>.rnn` (experiment tiny_<name>) and its corpus; returns the .rnn path. */
export function tinyExperiment(dir: string, name: string, o: { epochs: number; lr?: number }): string {
  fs.writeFileSync(path.join(dir, 'tiny.txt'), (TEXT + '\n').repeat(3));
  const file = path.join(dir, `${name}.rnn`);
  fs.writeFileSync(file, `experiment tiny_${name}

dims { embed = 8, hidden = 16 }

data text "tiny.txt" { tokens = chars, seq_len = 16, batch = 4, valid = 0.2 }

model {
  input x: int[batch, time] < vocab
  input y: int[batch, time] < vocab
  e = embedding(x, vocab, embed)
  h, _ = lstm(e, hidden)
  logits = dense(h, vocab)
}

train {
  loss = cross_entropy(logits, y)
  optimizer = adam(lr = ${o.lr ?? 0.01})
  epochs = ${o.epochs}
  clip = 5
  metrics = [perplexity, accuracy]
}
`);
  return file;
}

/** Bundles the engine process, its worker and the CLI into dist/ (as `npm run build` does); returns dist/. */
export async function buildEngine(): Promise<string> {
  const esbuild = await import('esbuild');
  const root = path.resolve(__dirname, '..', '..');
  const dist = path.join(root, 'dist');
  const common = { bundle: true, platform: 'node' as const, format: 'cjs' as const, target: 'node20', sourcemap: true, logLevel: 'warning' as const, external: ['onnxruntime-node'] };
  await esbuild.build({ ...common, entryPoints: [path.join(root, 'engine/process/main.ts')], outfile: path.join(dist, 'engine.js') });
  await esbuild.build({ ...common, entryPoints: [path.join(root, 'engine/runtime/worker.ts')], outfile: path.join(dist, 'engine-worker.js') });
  await esbuild.build({ ...common, entryPoints: [path.join(root, 'engine/cli/main.ts')], outfile: path.join(dist, 'cli.js') });
  fs.cpSync(path.join(root, 'engine/pytorch/py'), path.join(dist, 'pytorch'), { recursive: true }); // as esbuild.mjs does
  return dist;
}

/** A small arithmetic encoder-decoder (the workload's model with fewer samples): trains in seconds.
 *  `opts` name the experiment (and file), shrink it further, or pin it to one CPU thread. */
export function arithmeticExperiment(dir: string, epochs: number, opts: { name?: string; samples?: number; oneThread?: boolean } = {}): string {
  const name = opts.name ?? 'arith_small';
  const file = path.join(dir, opts.name ? `${name}.rnn` : 'arith.rnn');
  fs.writeFileSync(file, `experiment ${name}

dims { hidden = 16 }

data arithmetic { samples = ${opts.samples ?? 320}, numbers = 3, largest = 10, ops = ["+", "*"], batch = 32 }

model {
  input x: int[batch, src] < vocab
  input y: int[batch, tgt] < vocab
  chars = one_hot(x, vocab)
  _, enc = lstm(chars, hidden)
  start = repeat(enc.h, tgt)
  dec, _ = lstm(start, hidden)
  logits = dense(dec, vocab)
}

train {
  loss = cross_entropy(logits, y)
  optimizer = adam(lr = 1e-2)
  epochs = ${epochs}
  metrics = [exact_match, accuracy]
  init = xavier
${opts.oneThread ? '  device = cpu\n  threads = 1\n' : ''}}
`);
  return file;
}
