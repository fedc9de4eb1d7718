// Loads the data an experiment's `data` block names, as batches of host tensors for the training loop.
// File sources run the same scanner as the checker's probe (language/data), so the sizes the model was
// checked with are the sizes it trains with.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { DataSource } from '../../language/types';
import {
  addingSettings, ArgReader, decodeText, argsFromValues, arithmeticSettings, classifySettings, createScanner, DataError,
  FILE_SOURCES, GENERATOR_SOURCES, makeVocab, pairsSettings, scanText, seriesSettings, sineSettings, textSettings,
  type PlainArgs, type ScanResult,
} from '../../language/data';
import { addingDataset, arithmeticDataset, sineDataset } from './generators';
import { seriesDataset } from './series';
import { classifyDataset, pairsDataset } from './tables';
import { textDataset } from './text';
import type { Dataset, SavedDataset } from './types';

export type { Batch, Dataset, HostTensor, SavedDataset, Vocab } from './types';
export { DataError } from '../../language/data';
export { bucketFor } from './text';
export { arithmeticSample } from './generators';

export interface LoadOptions {
  seed: number;
  /** Folder a relative data path is resolved against (the experiment file's). */
  baseDir: string;
  /** Override of MAX_VOCAB (tests). */
  maxVocab?: number;
}

/** Loads and batches the data. Throws DataError {file, line?, message} for anything the user must fix. */
export async function loadDataset(source: DataSource, opts: LoadOptions): Promise<Dataset> {
  const args = argsFromValues(source.args);
  const name = source.source;
  if (GENERATOR_SOURCES.has(name)) return withSave(generated(name, args, opts.seed), name, args, opts.seed);
  if (!FILE_SOURCES.has(name)) throw new DataError(`data ${name}`, `unknown data source ${name}`, { code: 'bad-argument' });
  const shown = source.path ?? source.resolvedPath;
  const path = source.resolvedPath ?? (source.path !== undefined ? (isAbsolute(source.path) ? source.path : resolve(opts.baseDir, source.path)) : undefined);
  if (!path || !shown) throw new DataError(`data ${name}`, `${name} needs a file path`, { code: 'missing-file', fix: `write data ${name} "data/file"` });
  // Settings first, so a bad argument is reported before a large file is read.
  const scanner = createScanner(name, args, shown, { collect: true, maxVocab: opts.maxVocab });
  let content: string;
  try {
    content = decodeText(await readFile(path), shown).text; // binary data is refused (DataError)
  } catch (e) {
    if (e instanceof DataError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(shown, code === 'ENOENT' ? 'the file does not exist' : `cannot read the file: ${(e as Error).message}`, { code: 'missing-file', fix: 'check the path (it is relative to the experiment file)' });
  }
  const scan = scanText(scanner, content);
  const file = { bytes: Buffer.byteLength(content), sha256: createHash('sha256').update(content).digest('hex') };
  content = '';
  const d = fromScan(name, args, scan, opts.seed, shown);
  if (scan.probe.lengths) d.report = scan.probe.lengths;
  return withSave(d, name, args, opts.seed, scan.probe.dims, file);
}

function generated(name: string, args: PlainArgs, seed: number): Dataset {
  const r = new ArgReader(name, args, `data ${name}`);
  switch (name) {
    case 'arithmetic': return arithmeticDataset(arithmeticSettings(r), seed);
    case 'sine': return sineDataset(sineSettings(r), seed);
    default: return addingDataset(addingSettings(r), seed);
  }
}

function fromScan(name: string, args: PlainArgs, scan: ScanResult, seed: number, file: string): Dataset {
  const r = new ArgReader(name, args, file);
  switch (name) {
    case 'text':
      return textDataset(textSettings(r), scan.vocab!, scan.seqs, seed, file);
    case 'classify':
      return classifyDataset(classifySettings(r), scan.vocab!, scan.labels!, scan.rows, seed);
    case 'pairs':
      return pairsDataset(pairsSettings(r), scan.vocab!, { src: scan.probe.dims.src, tgt: scan.probe.dims.tgt }, scan.rows, seed, scan.targetOnly);
    default:
      return seriesDataset(seriesSettings(r), scan.columns!, scan.values, seed, file);
  }
}

function withSave(d: Dataset, source: string, args: PlainArgs, seed: number, probe?: Record<string, number>, file?: SavedDataset['file']): Dataset {
  d.save = (): SavedDataset => ({
    version: 1, source, args, seed, dims: d.dims, ...(probe ? { probe } : {}), ...(file ? { file } : {}),
    vocab: d.vocab ? { tokens: d.vocab.tokens, kind: d.vocab.kind } : undefined,
    labels: d.labels, columns: d.columns, ...(d.targetOnly ? { targetOnly: d.targetOnly } : {}),
  });
  return d;
}

/**
 * A data set from what `save()` stored with a run: vocabulary, labels and sizes, for sample and predict.
 * Generated sources are regenerated (cheap, and the same under the seed); file sources are not reread, so
 * their train/valid batches are empty. The seed is the saved one unless given.
 */
export function restoreDataset(saved: unknown, source: DataSource, seedOverride?: number): Dataset {
  const s = saved as Partial<SavedDataset> | undefined;
  const where = source.path ?? `data ${source.source}`;
  if (!s || s.version !== 1 || typeof s.source !== 'string' || typeof s.args !== 'object' || !s.dims) {
    throw new DataError(where, 'the run has no saved data description (or one from another version)', { code: 'bad-argument', fix: 'train the experiment again' });
  }
  const args = s.args as PlainArgs;
  const name = s.source;
  const seed = seedOverride ?? (typeof s.seed === 'number' ? s.seed : 42);
  if (GENERATOR_SOURCES.has(name)) return withSave(generated(name, args, seed), name, args, seed);
  const vocab = s.vocab ? makeVocab(s.vocab.tokens, s.vocab.kind) : undefined;
  const scan: ScanResult = { probe: { dims: s.dims }, vocab, labels: s.labels, columns: s.columns, targetOnly: Array.isArray(s.targetOnly) ? s.targetOnly : undefined };
  return withSave(fromScan(name, args, scan, seed, where), name, args, seed, s.probe, s.file);
}
