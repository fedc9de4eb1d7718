// The `unroll` command: a thin dispatcher over the language core and the engine.
import { runCheck, runSummary, type CliIO } from './check';
import { runDevices } from './devices';
import { runExport } from './export';
import { runPredict } from './predict';
import { runSample } from './sample';
import { runTrain } from './train';

const HELP = `usage: unroll <command> [options]

commands:
  check [--format text|json] FILE...   check experiments (shapes, names, data)
  summary FILE                         per-statement shapes and parameter counts
  train FILE [--epochs N] [--steps N] [--device auto|cpu|webgpu|cuda] [--threads N] [--resume RUN]
  sample RUN [--prime TEXT] [--length N] [--temperature T]
  predict RUN [INPUT]                  text, numbers, or a .csv/.json file (default: predict { from })
  export RUN [OUT] [--format onnx|pytorch] [--force]   ONNX (default: model.onnx in the run folder), or a PyTorch folder
  devices [--format text|json]         the devices this machine can train on, and what auto picks
  lsp [--stdio]                        the language server, for any LSP editor (also: unroll-lsp)

Run 'unroll <command> --help' for a command's options.
`;

type Command = (args: string[], io: CliIO) => Promise<number>;
const COMMANDS: Record<string, Command> = {
  check: runCheck,
  summary: runSummary,
  train: runTrain,
  sample: runSample,
  predict: runPredict,
  export: runExport,
  devices: runDevices,
};

/** Engine commands register here (kept apart so check/summary work without ONNX Runtime loaded). */
export function registerCommand(name: string, cmd: Command): void { COMMANDS[name] = cmd; }

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') { io.out(HELP); return cmd ? 0 : 2; }
  if (cmd === '--version' || cmd === '-v') { io.out(`${process.env.UNROLL_VERSION ?? '0.1.0'}\n`); return 0; }
  const run = COMMANDS[cmd];
  if (!run) { io.err(`unroll: unknown command ${cmd}\n\n${HELP}`); return 2; }
  return run(rest, io);
}

/** Runs the CLI on this process's arguments (or `argv`, when bin/unroll.js passed them over IPC) and sets
 *  the exit code. */
export function cliMain(argv: string[] = process.argv.slice(2)): void {
  // A closed pipe (`unroll predict ... | head -1`) or a closed terminal (SIGHUP) must not crash the command:
  // output that cannot be written is dropped, and a training run still stops cleanly with its checkpoint.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  const io: CliIO = {
    out: (s) => { if (process.stdout.writable) process.stdout.write(s); },
    err: (s) => { if (process.stderr.writable) process.stderr.write(s); },
    color: !!process.stdout.isTTY && !process.env.NO_COLOR,
    stdoutTty: !!process.stdout.isTTY,
    cwd: process.cwd(),
  };
  main(argv, io).then((code) => { process.exitCode = code; }, (err) => {
    // A bug of ours, not the user's input: one line, the stack only when asked for (UNROLL_DEBUG=1).
    const detail = process.env.UNROLL_DEBUG === '1' ? String(err?.stack ?? err) : `${err?.message ?? err} (run with UNROLL_DEBUG=1 for details, and please report it)`;
    process.stderr.write(`unroll: internal error: ${detail}\n`);
    process.exitCode = 70;
  });
}

// `node dist/cli.js ...` runs it directly too.
if (typeof require !== 'undefined' && require.main === module) cliMain();
