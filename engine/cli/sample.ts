// `unroll sample RUN [--prime TEXT] [--length N] [--temperature T] [--seed N]`: text from a language model.
import * as path from 'node:path';
import type { SampleResult } from '../process/protocol';
import { parseArgs } from './args';
import { defaultIO, runSimple, runRef, wantsHelp, type CliIO } from './run-job';

export const SAMPLE_USAGE = `usage: unroll sample RUN [--prime TEXT] [--length N] [--temperature T] [--seed N] [--root DIR]`;

export async function runSample(argv: string[], io: CliIO = defaultIO): Promise<number> {
  if (wantsHelp(argv, SAMPLE_USAGE, io)) return 0;
  const cwd = io.cwd ?? process.cwd();
  let params;
  try {
    const { positional, options } = parseArgs(argv, { prime: 'string', length: 'int', temperature: 'float', seed: 'int', root: 'string', device: 'string' }, SAMPLE_USAGE);
    if (positional.length !== 1) throw new Error(SAMPLE_USAGE);
    params = {
      run: runRef(cwd, positional[0]), workspaceRoot: path.resolve(cwd, String(options.root ?? '.')),
      prime: options.prime as string | undefined, length: options.length as number | undefined,
      temperature: options.temperature as number | undefined, seed: options.seed as number | undefined,
      device: options.device as 'cpu' | undefined,
    };
  } catch (e) {
    io.err(`unroll sample: ${(e as Error).message}\n`);
    return 2;
  }
  return runSimple<SampleResult>({ kind: 'sample', params }, io, (r) => io.out(`${r.text}\n`));
}
