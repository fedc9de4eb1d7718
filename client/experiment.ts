// Pure helpers about an experiment file (no `vscode` import: unit-tested in plain Node).
import { basename, extname } from 'node:path';

/** `experiment NAME` if the file declares one (outside comments), else the file name: language.md's default. */
export function experimentName(text: string, fsPath: string): string {
  return /^[ \t]*experiment[ \t]+([A-Za-z_][\w-]*)/m.exec(text)?.[1] ?? basename(fsPath, extname(fsPath));
}
