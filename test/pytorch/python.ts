// The Python the PyTorch tests run: Debian's (the `python3` first on PATH may be a pyenv one without torch).
import { spawnSync } from 'node:child_process';

export const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);
// In CI (UNROLL_REQUIRE_TORCH=1) a missing torch is a failure, not a skip.
if (!PYTHON && process.env.UNROLL_REQUIRE_TORCH === '1') throw new Error('python3 with torch is required (UNROLL_REQUIRE_TORCH=1): apt-get install python3-torch');
export const SKIP = PYTHON ? false : 'no python3 with torch (apt-get install python3-torch)';

/** pyflakes' complaints about the Python files of a folder ('' when clean), or undefined without pyflakes. */
export function pyflakes(files: string[]): string | undefined {
  if (!PYTHON || spawnSync(PYTHON, ['-m', 'pyflakes', '--version']).status !== 0) {
    if (process.env.UNROLL_REQUIRE_TORCH === '1') throw new Error('pyflakes is required (UNROLL_REQUIRE_TORCH=1): apt-get install python3-pyflakes');
    return undefined;
  }
  const r = spawnSync(PYTHON, ['-m', 'pyflakes', ...files], { encoding: 'utf8' });
  return (r.stdout + r.stderr).trim();
}
