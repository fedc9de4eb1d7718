// The file-system DataHost the checker asks for data-derived sizes. A check must never wait on a corpus:
// files under `maxSyncBytes` are read at once; larger ones are streamed in the background in 1 MiB chunks
// (the event loop runs between chunks) and the probe answers undefined until they are done, then
// `onSettled` fires so the caller re-checks. Answers are cached by path, size, mtime, source and arguments.
import { createReadStream, readFileSync, statSync, type Stats } from 'node:fs';
import type { DataHost, DataProbe, DataRequest } from '../types';
import type { PlainArgs } from './args';
import { DataError } from './errors';
import { StringDecoder } from 'node:string_decoder';
import { dataRoot, realPath, workspaceFolderOf } from './root';
import { decodeText, TextSniffer } from './sniff';
import { createScanner, LineSplitter, scanText } from './scan';

export interface FsDataHostOptions {
  /** The editor's workspace folder (one), or the command line's when it names one. */
  workspaceRoot?: string;
  /** Every workspace folder of a multi-root editor; each experiment's root is the folder that holds it. */
  workspaceFolders?: readonly string[];
  /** Called (once per finished background read) when a probe that answered undefined has its result. */
  onSettled?: () => void;
  /** Files smaller than this are read synchronously (default 1 MiB). */
  maxSyncBytes?: number;
  /** Cached answers kept (default 64). */
  cacheSize?: number;
  /** Override of MAX_VOCAB (tests). */
  maxVocab?: number;
}

export interface FsDataHost extends DataHost {
  /** Resolves when no background read is running (tests, the CLI). */
  idle(): Promise<void>;
  /** Number of scans run so far (each cache miss is one; tests check the cache with it). */
  readonly scans: number;
  /** The editor's folders changed (workspace/didChangeWorkspaceFolders). */
  setWorkspaceFolders(folders: readonly string[]): void;
}

const CHUNK = 1 << 20;

export function createFsDataHost(opts: FsDataHostOptions = {}): FsDataHost {
  const maxSync = opts.maxSyncBytes ?? 1 << 20;
  const cacheSize = opts.cacheSize ?? 64;
  const cache = new Map<string, DataProbe>();
  const pending = new Map<string, Promise<void>>();
  let scans = 0;
  let folders: readonly string[] = opts.workspaceFolders ?? (opts.workspaceRoot ? [opts.workspaceRoot] : []);

  const remember = (key: string, p: DataProbe) => {
    cache.delete(key);
    cache.set(key, p);
    while (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
  };

  const fail = (e: unknown, file: string): DataProbe => {
    if (e instanceof DataError) return { dims: {}, error: { message: e.text, line: e.line, code: e.code } };
    const err = e as NodeJS.ErrnoException;
    if (err && (err.code === 'ENOENT' || err.code === 'ENOTDIR')) return { dims: {}, error: { message: `${file} does not exist`, code: 'missing-file' } };
    return { dims: {}, error: { message: `cannot read ${file}: ${err?.message ?? String(e)}`, code: 'missing-file' } };
  };

  function background(key: string, req: DataRequest): Promise<void> {
    return new Promise<void>((resolve) => {
      let split: LineSplitter;
      try {
        split = new LineSplitter(createScanner(req.source, req.args as PlainArgs, req.path, { maxVocab: opts.maxVocab }));
      } catch (e) {
        remember(key, fail(e, req.path));
        resolve();
        return;
      }
      // Bytes, checked for binary data as they come, then decoded (a character split across chunks is kept).
      const stream = createReadStream(req.path, { highWaterMark: CHUNK });
      const sniff = new TextSniffer(req.path);
      const decoder = new StringDecoder('utf8');
      let done = false;
      const finish = (p: DataProbe) => {
        if (done) return;
        done = true;
        remember(key, p);
        resolve();
      };
      stream.on('data', (chunk) => {
        try {
          sniff.push(chunk as Buffer);
          split.push(decoder.write(chunk as Buffer));
        } catch (e) {
          stream.destroy();
          finish(fail(e, req.path));
        }
      });
      stream.on('error', (e) => finish(fail(e, req.path)));
      stream.on('end', () => {
        try {
          split.push(decoder.end());
          const warning = sniff.end();
          const probe = split.end().probe;
          finish(warning ? { ...probe, warning: { message: warning, code: 'data-mismatch' } } : probe);
        } catch (e) {
          finish(fail(e, req.path));
        }
      });
    }).finally(() => {
      pending.delete(key);
      scans++;
      try { opts.onSettled?.(); } catch { /* a callback's failure must not break the host */ }
    });
  }

  return {
    workspaceRoot: opts.workspaceRoot,
    rootFor: (experimentPath) => dataRoot(experimentPath, folders),
    workspaceFolderFor: (experimentPath) => workspaceFolderOf(experimentPath, folders),
    setWorkspaceFolders(f: readonly string[]) { folders = [...f]; },
    realPath,
    get scans() { return scans; },
    exists(path: string): boolean {
      try { return statSync(path).isFile(); } catch { return false; }
    },
    probe(req: DataRequest): DataProbe | undefined {
      let st: Stats;
      try {
        st = statSync(req.path);
      } catch (e) {
        return fail(e, req.path);
      }
      if (!st.isFile()) return { dims: {}, error: { message: `${req.path} is not a file`, code: 'missing-file' } };
      const key = JSON.stringify([req.source, req.path, st.size, st.mtimeMs, req.args]);
      const hit = cache.get(key);
      if (hit) return hit;
      if (pending.has(key)) return undefined;
      if (st.size < maxSync) {
        let p: DataProbe;
        try {
          const scanner = createScanner(req.source, req.args as PlainArgs, req.path, { maxVocab: opts.maxVocab });
          const { text, warning } = decodeText(readFileSync(req.path), req.path);
          p = scanText(scanner, text).probe;
          if (warning) p = { ...p, warning: { message: warning, code: 'data-mismatch' } };
        } catch (e) {
          p = fail(e, req.path);
        }
        scans++;
        remember(key, p);
        return p;
      }
      pending.set(key, background(key, req));
      return undefined;
    },
    async idle() {
      while (pending.size) await Promise.all([...pending.values()]);
    },
  };
}
