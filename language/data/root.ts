// The workspace rule: the folder an experiment's data must stay inside. In an editor, the workspace folder
// that holds the experiment; on the command line (and in an LSP client without one), the nearest folder at or above the experiment
// that holds `.unroll/` (where runs are kept: the project), else the experiment's own folder. The real path
// of a data file, symlinks resolved, must lie inside the real path of that folder (language/check).
import * as fs from 'node:fs';
import * as path from 'node:path';

export const RUNS_MARKER = '.unroll';

export function dataRoot(experimentPath: string, workspaceFolders?: string | readonly string[]): string {
  const folder = workspaceFolderOf(experimentPath, workspaceFolders);
  if (folder) return folder;
  const own = path.dirname(path.resolve(experimentPath));
  return projectRoot(own) ?? own;
}

/**
 * The editor's workspace folder that holds the experiment (the innermost, when folders nest), or undefined
 * when none does: a multi-root workspace gives each file its own folder, and a client whose root does not
 * hold the file falls back to the command line's rule.
 */
export function workspaceFolderOf(experimentPath: string, workspaceFolders?: string | readonly string[]): string | undefined {
  const folders = typeof workspaceFolders === 'string' ? [workspaceFolders] : workspaceFolders ?? [];
  const file = path.resolve(experimentPath);
  let best: string | undefined;
  for (const f of folders) {
    const dir = path.resolve(f);
    if (!inside(dir, file) && !inside(realPath(dir), realPath(file))) continue;
    if (!best || dir.length > best.length) best = dir;
  }
  return best;
}

function inside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * The nearest folder at or above `dir` holding `.unroll/` (the project: where runs are kept and the data's
 * workspace), never the file system's root (a `/.unroll` would open every file to every experiment).
 */
export function projectRoot(dir: string): string | undefined {
  for (let d = path.resolve(dir); path.dirname(d) !== d; d = path.dirname(d)) {
    try { if (fs.statSync(path.join(d, RUNS_MARKER)).isDirectory()) return d; } catch { /* keep looking */ }
  }
  return undefined;
}

export function realPath(p: string): string {
  try { return fs.realpathSync.native(p); } catch { return p; }
}
