// Small argument parser for the run commands: positional arguments plus `--name value` / `--name=value`
// options, each option declared with its kind so a typo or a missing value is an error, not a surprise.
export type OptionKind = 'string' | 'int' | 'float' | 'bool';

export class UsageError extends Error {}

export function parseArgs(argv: string[], spec: Record<string, OptionKind>, usage: string): { positional: string[]; options: Record<string, string | number | boolean> } {
  const positional: string[] = [];
  const options: Record<string, string | number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '--') {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq >= 0 ? eq : undefined);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option --${name}\n${usage}`);
    if (kind === 'bool') {
      options[name] = eq >= 0 ? a.slice(eq + 1) !== 'false' : true;
      continue;
    }
    const raw = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new UsageError(`--${name} needs a value\n${usage}`);
    if (kind === 'string') options[name] = raw;
    else {
      const n = Number(raw);
      if (!Number.isFinite(n) || (kind === 'int' && (!Number.isInteger(n) || n < 0))) {
        throw new UsageError(`--${name} wants ${kind === 'int' ? 'a whole number, 0 or more' : 'a number'}, got "${raw}"\n${usage}`);
      }
      options[name] = n;
    }
  }
  return { positional, options };
}
