// `unroll export RUN OUT.onnx`: the trained model as a standard ONNX file (ONNX LSTM/GRU/RNN operators).
import * as path from 'node:path';
import type { ExportResult } from '../process/protocol';
import { parseArgs } from './args';
import { defaultIO, runSimple, runRef, runsRoot, wantsHelp, type CliIO } from './run-job';

export const EXPORT_USAGE = `usage: unroll export RUN [OUT.onnx] [--force] [--root DIR]   (default OUT: model.onnx in the run folder; --force replaces an existing OUT)`;

export async function runExport(argv: string[], io: CliIO = defaultIO): Promise<number> {
  if (wantsHelp(argv, EXPORT_USAGE, io)) return 0;
  const cwd = io.cwd ?? process.cwd();
  let params;
  try {
    const { positional, options } = parseArgs(argv, { root: 'string', force: 'bool' }, EXPORT_USAGE);
    if (positional.length < 1 || positional.length > 2) throw new Error(EXPORT_USAGE);
    params = { run: runRef(cwd, positional[0]), out: positional[1] ? path.resolve(cwd, positional[1]) : undefined, workspaceRoot: runsRoot(cwd, options.root), force: options.force === true };
  } catch (e) {
    io.err(`unroll export: ${(e as Error).message}\n`);
    return 2;
  }
  return runSimple<ExportResult>({ kind: 'export', params }, io, (r) => io.out(`${r.path} (${r.bytes.toLocaleString('en-US')} bytes)${r.about ? `\n${r.about} (vocabulary, labels and how to call it)` : ''}\n`));
}
