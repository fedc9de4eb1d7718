// Shared by the client's engine tests: the bundled engine (built by `npm test` / `node esbuild.mjs`) and
// tiny experiments that train in seconds on one CPU thread.
import * as fs from 'node:fs';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { EngineManager, type EngineEvent } from '../../client/engine/manager';
import { arithmeticExperiment } from '../engine/runtime-fixtures';

export const ROOT = path.resolve(__dirname, '..', '..');
export const ENGINE = path.join(ROOT, 'dist', 'engine.js');

export function assertBuilt(): void {
  assert.ok(fs.existsSync(ENGINE) && fs.existsSync(path.join(ROOT, 'dist', 'engine-worker.js')), `${ENGINE} is missing: run \`node esbuild.mjs\` first (npm test does)`);
}

/** The arithmetic workload, shrunk: 200 samples (7 steps an epoch at batch 32), one CPU thread. */
export function arithmetic(dir: string, name: string, epochs: number): string {
  return arithmeticExperiment(dir, epochs, { name, samples: 200, oneThread: true });
}

/** A character language model on a few lines of text, with a sample block. */
export function charLm(dir: string, name: string, epochs: number): string {
  const text = ['The river runs past the old mill and under the stone bridge.', 'In the morning the fog sits low on the water.', 'A heron stands on one leg at the edge of the reeds.'].join('\n');
  fs.writeFileSync(path.join(dir, `${name}.txt`), (text + '\n').repeat(3));
  const file = path.join(dir, `${name}.rnn`);
  fs.writeFileSync(file, `experiment ${name}

dims { embed = 8, hidden = 16 }

data text "${name}.txt" { tokens = chars, seq_len = 16, batch = 4, valid = 0.2 }

model {
  input x: int[batch, time] < vocab
  input y: int[batch, time] < vocab
  e = embedding(x, vocab, embed)
  h, _ = lstm(e, hidden)
  logits = dense(h, vocab)
}

train {
  loss = cross_entropy(logits, y)
  optimizer = adam(lr = 0.01)
  epochs = ${epochs}
  metrics = [perplexity]
  device = cpu
  threads = 1
}

sample { prime = "The ", length = 24, temperature = 0.8 }
`);
  return file;
}

/** Records a manager's events and waits for the first that matches (or has already arrived). */
export function recorder(m: EngineManager) {
  const events: EngineEvent[] = [];
  const waiters: { pred: (e: EngineEvent) => boolean; resolve: (e: EngineEvent) => void }[] = [];
  m.onEvent((e) => {
    events.push(e);
    for (const w of [...waiters]) if (w.pred(e)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(e); }
  });
  return {
    events,
    waitFor<T extends EngineEvent>(pred: (e: EngineEvent) => e is T, ms = 120_000): Promise<T> {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen as T);
      return new Promise<T>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting; events so far: ${events.map((e) => e.type).join(' ')}\n${events.filter((e) => e.type === 'stderr').map((e) => (e as { line: string }).line).slice(-10).join('\n')}`)), ms);
        waiters.push({ pred, resolve: (e) => { clearTimeout(t); resolve(e as T); } });
      });
    },
  };
}

export const is = <K extends EngineEvent['type']>(type: K, f: (e: Extract<EngineEvent, { type: K }>) => boolean = () => true) =>
  (e: EngineEvent): e is Extract<EngineEvent, { type: K }> => e.type === type && f(e as Extract<EngineEvent, { type: K }>);
