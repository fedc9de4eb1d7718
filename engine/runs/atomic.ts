// Crash-safe file writes: a killed process leaves either the old file or the new one, never a torn one.
// Write a temporary file next to the target, fsync it, rename it over the target, then fsync the folder so
// the rename itself survives a power cut.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function writeFileAtomic(file: string, data: string | Uint8Array | Uint8Array[]): void {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const parts = Array.isArray(data) ? data : [typeof data === 'string' ? Buffer.from(data, 'utf8') : data];
    for (const p of parts) {
      let off = 0;
      while (off < p.byteLength) off += fs.writeSync(fd, p, off, p.byteLength - off);
    }
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

function fsyncDir(dir: string): void {
  // Directories cannot be opened for fsync on every platform (Windows); the rename is still atomic there.
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* best effort */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Removes temporary files that a killed writer left in `dir` (`<name>.tmp-<pid>-<id>` of a dead process). */
export function removeStaleTemps(dir: string): void {
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return; }
  for (const n of names) {
    const m = /\.tmp-(\d+)-[a-z0-9]+$/.exec(n);
    if (m && !processAlive(Number(m[1]))) fs.rmSync(path.join(dir, n), { force: true });
  }
}

/** Is a process with this id running (on this machine)? */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // it exists, owned by someone else
  }
}

/** A failed write as a sentence with what to do (the error codes people meet: no space, no permission). */
export function describeWriteError(e: unknown, file: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOSPC': return `cannot write ${file}: the disk is full; free some space or write elsewhere`;
    case 'EACCES': case 'EPERM': return `cannot write ${file}: no permission to write there; choose a folder you can write to`;
    case 'EROFS': return `cannot write ${file}: the file system is read-only; write elsewhere`;
    case 'EISDIR': return `cannot write ${file}: it is a folder; give a file name inside it`;
    case 'ENOENT': case 'ENOTDIR': return `cannot write ${file}: its folder does not exist; create it first`;
    case 'ENAMETOOLONG': return `cannot write ${file}: the name is too long for the file system; choose a shorter one`;
    case 'EDQUOT': return `cannot write ${file}: the disk quota is used up; free some space or write elsewhere`;
    default: return `cannot write ${file}: ${(e as Error).message}`;
  }
}
