// A Python with PyTorch on this machine, and the command that runs an export's train.py with it. No
// `vscode` import (tested in plain Node).
import { spawnSync } from 'node:child_process';

/** The first Python that imports torch, with its torch and Python versions. */
export function findTorch(candidates = ['python3', '/usr/bin/python3', 'python']): { python: string; torch: string; py: [number, number] } | undefined {
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import sys, torch; print(torch.__version__, sys.version_info[0], sys.version_info[1])'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) continue;
    const [torch, major, minor] = r.stdout.trim().split(/\s+/);
    return { python, torch, py: [Number(major), Number(minor)] };
  }
  return undefined;
}

/** The command a terminal runs: python for one process, torchrun beside it for more. */
export function trainCommand(t: { python: string; torch: string; py: [number, number] }, trainPy: string, processes: number): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  if (processes <= 1) return `${q(t.python)} ${q(trainPy)}`;
  // torch 1.x's torchrun fails on Python 3.11 with its default --redirects/--tee (Debian 12's python3-torch).
  const old = /^1\./.test(t.torch) && (t.py[0] > 3 || t.py[1] >= 11);
  return `${q(t.python)} -m torch.distributed.run --standalone --nproc_per_node ${processes}${old ? ' --redirects 2 --tee 2' : ''} ${q(trainPy)}`;
}

