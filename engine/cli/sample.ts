// `unroll sample RUN [--prime TEXT] [--length N] [--temperature T] [--seed N]`: text from a language model.
import type { SampleResult, SampleTextParams } from '../process/protocol';
import { parseArgs } from './args';
import { defaultIO, runSimple, runRef, runsRoot, wantsHelp, type CliIO } from './run-job';

export const SAMPLE_USAGE = `usage: unroll sample RUN [--prime TEXT] [--length N] [--temperature T] [--seed N] [--root DIR]`;

/** C0/C1 control characters (but newline and tab) as visible escapes: \x1b, \x07, ... */
export function escapeControls(s: string): string {
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export async function runSample(argv: string[], io: CliIO = defaultIO): Promise<number> {
  if (wantsHelp(argv, SAMPLE_USAGE, io)) return 0;
  const cwd = io.cwd ?? process.cwd();
  let params;
  try {
    const { positional, options } = parseArgs(argv, { prime: 'string', length: 'int', temperature: 'float', seed: 'int', root: 'string', device: 'string' }, SAMPLE_USAGE);
    if (positional.length !== 1) throw new Error(SAMPLE_USAGE);
    params = {
      run: runRef(cwd, positional[0]), workspaceRoot: runsRoot(cwd, options.root),
      prime: options.prime as string | undefined, length: options.length as number | undefined,
      temperature: options.temperature as number | undefined, seed: options.seed as number | undefined,
      device: options.device as 'cpu' | undefined, stream: true,
    };
    if (params.temperature !== undefined && params.temperature < 0) throw new Error(`--temperature must be 0 or more (0: always the most likely token; below 1 safer, above 1 wilder); got ${params.temperature}`);
  } catch (e) {
    io.err(`unroll sample: ${(e as Error).message}\n`);
    return 2;
  }
  // The text is printed as it is generated; on a terminal, control characters are shown escaped, never
  // sent raw (a model trained on binary text can emit escape sequences).
  const show = io.stdoutTty ? escapeControls : (s: string) => s;
  let streamed = false;
  return runSimple<SampleResult>({ kind: 'sample', params }, io, (r) => io.out(streamed ? '\n' : `${show(r.text)}\n`), (event, p) => {
    if (event !== 'sampleText') return false;
    streamed = true;
    io.out(show((p as SampleTextParams).text));
    return true;
  });
}
