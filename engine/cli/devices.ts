// `unroll devices [--format text|json]`: what this machine can train on and why not, and what `auto` picks.
import * as os from 'node:os';
import type { CliIO } from './check';

const USAGE = 'usage: unroll devices [--format text|json]';

interface DeviceRow { device: string; available: boolean; detail: string; adapters?: { name: string; type: string; software: boolean }[] }

export async function runDevices(argv: string[], io: CliIO): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) { io.out(USAGE + '\n'); return 0; }
  const f = argv.indexOf('--format');
  const format = f >= 0 ? argv[f + 1] : argv.find((a) => a.startsWith('--format='))?.slice(9) ?? 'text';
  if (format !== 'text' && format !== 'json') { io.err(`unroll devices: --format is text or json\n${USAGE}\n`); return 2; }
  // Loaded here so `check` and `summary` never load onnxruntime.
  const { probeDevice, selectDevice } = await import('../runtime/device');
  const { webgpuAdapters } = await import('../runtime/adapters');
  const cpus = os.cpus();
  const rows: DeviceRow[] = [{ device: 'cpu', available: true, detail: `${cpus[0]?.model.trim() ?? 'CPU'}, ${cpus.length} cores (training uses all of them unless threads = N)` }];
  const webgpu = await probeDevice('webgpu');
  const adapters = webgpuAdapters();
  rows.push({
    device: 'webgpu', available: webgpu === true,
    detail: webgpu !== true ? webgpu : adapters.length ? adapters.map((a) => `${a.name} (${a.software ? 'software: auto passes it over, it is slower than the CPU' : a.type})`).join('; ') : 'adapter kind unknown (install vulkan-tools to see it); auto times it against the CPU',
    adapters: adapters.map((a) => ({ name: a.name, type: a.type, software: a.software })),
  });
  const cuda = await probeDevice('cuda');
  rows.push({ device: 'cuda', available: cuda === true, detail: cuda === true ? "onnxruntime-node's CUDA provider" : `${cuda}; to get it: ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node (needs CUDA 12 and network)` });
  const auto = await selectDevice('auto');
  if (format === 'json') {
    io.out(JSON.stringify({ devices: rows, auto: { device: auto.device, reason: auto.reason, adapter: auto.adapter } }, null, 2) + '\n');
    return 0;
  }
  for (const r of rows) io.out(`${r.device.padEnd(7)} ${r.available ? 'available    ' : 'not available'}  ${r.detail}\n`);
  io.out(`auto picks ${auto.device}${auto.adapter ? ` (${auto.adapter})` : ''}: ${auto.reason}\n`);
  return 0;
}
