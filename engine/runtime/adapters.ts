// The GPU adapters WebGPU can use on this machine, and whether each is hardware or a software renderer
// (Mesa's llvmpipe/lavapipe runs WebGPU correctly but 20-50 times slower than the CPU provider, so `auto`
// must never pick it). Linux: `vulkaninfo --summary` (vulkan-tools). The ICD manifests cannot tell: Mesa
// installs Intel's and AMD's next to lavapipe on any machine. Without the tool, the kind is unknown and
// `auto` decides by a timing probe.
import { spawnSync } from 'node:child_process';

export interface Adapter {
  name: string;
  /** discrete, integrated, virtual, cpu (software), or unknown. */
  type: 'discrete' | 'integrated' | 'virtual' | 'cpu' | 'unknown';
  software: boolean;
  driver?: string;
  /** Where the facts come from. */
  source: string;
}

const TYPES: Record<string, Adapter['type']> = {
  PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: 'discrete', PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: 'integrated',
  PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: 'virtual', PHYSICAL_DEVICE_TYPE_CPU: 'cpu',
};

/** Parses `vulkaninfo --summary`: one adapter per GPUn section. */
export function parseVulkanSummary(text: string): Adapter[] {
  const out: Adapter[] = [];
  for (const block of text.split(/^GPU\d+:\s*$/m).slice(1)) {
    const field = (k: string) => new RegExp(`^\\s*${k}\\s*=\\s*(.+)$`, 'm').exec(block)?.[1].trim();
    const type = TYPES[field('deviceType') ?? ''] ?? 'unknown';
    out.push({ name: field('deviceName') ?? 'unnamed adapter', type, software: type === 'cpu', driver: field('driverName'), source: 'vulkaninfo' });
  }
  return out;
}

let cached: Adapter[] | undefined;

/** The adapters found (empty: none, or this platform cannot tell). */
export function webgpuAdapters(): Adapter[] {
  if (cached) return cached;
  if (process.platform !== 'linux') return (cached = []);
  const r = spawnSync('vulkaninfo', ['--summary'], { encoding: 'utf8', timeout: 10_000 });
  cached = r.status === 0 ? parseVulkanSummary(r.stdout) : [];
  return cached;
}
