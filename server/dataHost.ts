// The data host the server gives the checker: the core's file-system host, which reads small data files at
// once and large ones in the background, then calls back so pending documents are re-checked.
import { createFsDataHost } from '../language/data';
import type { DataHost } from './core';
import type { HostFactoryOptions } from './server';

export function createHost(opts: HostFactoryOptions): DataHost {
  return createFsDataHost({ workspaceFolders: opts.workspaceFolders, onSettled: opts.onSettled });
}
