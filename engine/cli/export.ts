// `unroll export RUN OUT.onnx`: the trained model as a standard ONNX file (ONNX LSTM/GRU/RNN operators).
import * as path from 'node:path';
import type { ExportResult } from '../process/protocol';
import { parseArgs } from './args';
import { defaultIO, runSimple, runRef, runsRoot, wantsHelp, type CliIO } from './run-job';

export const EXPORT_USAGE = `usage: unroll export RUN [OUT] [--format onnx|pytorch] [--force] [--root DIR]
       unroll export FILE.rnn DIR --format pytorch   (no run yet: the engine's initial weights)
  onnx (default): OUT is a file, model.onnx in the run folder by default
  pytorch: OUT is a folder (pytorch/ in the run folder by default) with the model as a PyTorch nn.Module and the run's weights
  --force replaces an existing OUT`;

export async function runExport(argv: string[], io: CliIO = defaultIO): Promise<number> {
  if (wantsHelp(argv, EXPORT_USAGE, io)) return 0;
  const cwd = io.cwd ?? process.cwd();
  let params;
  try {
    const { positional, options } = parseArgs(argv, { root: 'string', force: 'bool', format: 'string' }, EXPORT_USAGE);
    if (positional.length < 1 || positional.length > 2) throw new Error(EXPORT_USAGE);
    const format = options.format ?? 'onnx';
    if (format !== 'onnx' && format !== 'pytorch') throw new Error(`--format is onnx or pytorch, not ${format}`);
    const out = positional[1] ? path.resolve(cwd, positional[1]) : undefined;
    // An experiment file (not a run): PyTorch only, with the engine's initial weights; its project as for train.
    const file = positional[0].endsWith('.rnn') ? path.resolve(cwd, positional[0]) : undefined;
    const root = runsRoot(cwd, options.root, file ? path.dirname(file) : cwd);
    params = { run: file ? '' : runRef(cwd, positional[0]), ...(file ? { file } : {}), out, workspaceRoot: root, force: options.force === true, format: format as 'onnx' | 'pytorch' };
  } catch (e) {
    io.err(`unroll export: ${(e as Error).message}\n`);
    return 2;
  }
  const pytorch = params.format === 'pytorch';
  return runSimple<ExportResult>({ kind: 'export', params }, io, (r) => io.out(pytorch
    ? `${r.path}/ (${r.bytes.toLocaleString('en-US')} bytes: model.py, step.py, weights.bin, ...)\n${r.about} (how to load it)\n`
    : `${r.path} (${r.bytes.toLocaleString('en-US')} bytes)${r.about ? `\n${r.about} (vocabulary, labels and how to call it)` : ''}\n`));
}
