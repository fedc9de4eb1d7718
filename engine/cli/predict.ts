// `unroll predict RUN INPUT`: the model's answer for one input (a label with probabilities, a decoded
// sequence, or numbers).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PredictResult } from '../process/protocol';
import { parseArgs } from './args';
import { defaultIO, runSimple, runRef, runsRoot, wantsHelp, type CliIO } from './run-job';

export const PREDICT_USAGE = `usage: unroll predict RUN [INPUT] [--root DIR] [--json]
  INPUT: text ("a wonderful film"), numbers for a numeric model ("0.0 0.31 0.59", steps of several features
  as "0.5,0 0.2,1"), or a .csv/.tsv/.json file of them (one row per step); without INPUT, the experiment's predict { from = ... }`;

/** An INPUT that names a .csv/.tsv/.json file (one word, no spaces) stands for its content. */
function inputText(cwd: string, arg: string): string {
  if (!/^\S+\.(csv|tsv|json)$/i.test(arg)) return arg;
  const p = path.resolve(cwd, arg);
  if (!fs.existsSync(p)) throw new Error(`${arg}: no such file (an input ending in .csv, .tsv or .json is read as a file)`);
  if (!fs.statSync(p).isFile()) throw new Error(`${arg} is a folder, not a file`);
  return fs.readFileSync(p, 'utf8');
}

export async function runPredict(argv: string[], io: CliIO = defaultIO): Promise<number> {
  if (wantsHelp(argv, PREDICT_USAGE, io)) return 0;
  const cwd = io.cwd ?? process.cwd();
  let params;
  let json = false;
  try {
    const { positional, options } = parseArgs(argv, { root: 'string', json: 'bool', device: 'string' }, PREDICT_USAGE);
    // Without INPUT the experiment's `predict { from = ... }` is used.
    if (positional.length < 1 || positional.length > 2) throw new Error(PREDICT_USAGE);
    json = options.json === true;
    params = { run: runRef(cwd, positional[0]), input: positional[1] === undefined ? undefined : inputText(cwd, positional[1]), workspaceRoot: runsRoot(cwd, options.root), device: options.device as 'cpu' | undefined };
  } catch (e) {
    io.err(`unroll predict: ${(e as Error).message}\n`);
    return 2;
  }
  return runSimple<PredictResult>({ kind: 'predict', params }, io, (r) => {
    if (json) return io.out(JSON.stringify(r) + '\n');
    io.out(`${show(r.output)}\n`);
    if (r.probabilities) for (const [label, p] of r.probabilities.slice(0, 5)) io.out(`  ${show(label)}: ${p.toFixed(4)}\n`);
  });
}

/** Quote text whose edges are blank (a predicted space or newline would otherwise print as nothing). */
function show(s: string): string {
  return s === '' || s.trim() !== s ? JSON.stringify(s) : s;
}
