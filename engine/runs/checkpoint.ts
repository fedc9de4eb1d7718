// Checkpoint files: `checkpoint-<epoch>.bin` hold every parameter and optimizer slot; `checkpoint.json`
// points at the newest complete one. Both are written atomically, so a run killed at any moment still has
// a readable pointer to a whole checkpoint.
//
// Binary layout (little-endian): 8-byte magic "UNRLCKP1", u32 header length, UTF-8 JSON header, zero
// padding to a multiple of 4, then each tensor's float32 data at the header's byte offset (relative to the
// start of the data section).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomic';
import { listRuns, resolveRun, RunError, type RunInfo } from './store';

const MAGIC = 'UNRLCKP1';

export interface CheckpointState {
  /** Epochs fully completed (an end-of-epoch checkpoint of epoch 3 has epoch 3, stepInEpoch 0). */
  epoch: number;
  /** Global steps taken. */
  step: number;
  /** Steps already taken inside epoch `epoch + 1` (a mid-epoch stop); 0 at an epoch boundary. */
  stepInEpoch: number;
  /** Tensors by graph name: `param/<name>`, `opt/<name>/<slot>`. */
  tensors: Record<string, { dims: number[]; data: Float32Array }>;
  /** Anything else worth keeping (best validation loss, ...). */
  meta?: Record<string, unknown>;
}

export interface CheckpointPointer {
  file: string;
  epoch: number;
  step: number;
  stepInEpoch: number;
  time: string;
  loss?: number;
  validLoss?: number;
}

interface Header {
  version: 1;
  epoch: number;
  step: number;
  stepInEpoch: number;
  meta?: Record<string, unknown>;
  tensors: { name: string; dims: number[]; offset: number; length: number }[];
}

export function encodeCheckpoint(state: CheckpointState): Uint8Array[] {
  const entries: Header['tensors'] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(state.tensors)) {
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`checkpoint tensor ${name}: dims [${t.dims}] hold ${n} values, data has ${t.data.length}`);
    entries.push({ name, dims: t.dims, offset, length: n });
    offset += n * 4;
  }
  const header: Header = { version: 1, epoch: state.epoch, step: state.step, stepInEpoch: state.stepInEpoch, meta: state.meta, tensors: entries };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const pre = 8 + 4 + json.length;
  const pad = (4 - (pre % 4)) % 4;
  const head = Buffer.alloc(pre + pad);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, 8);
  json.copy(head, 12);
  const parts: Uint8Array[] = [head];
  for (const t of Object.values(state.tensors)) parts.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return parts;
}

export function decodeCheckpoint(bytes: Uint8Array, file = 'checkpoint'): CheckpointState {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string) => new Error(`${file}: not a readable Unroll checkpoint (${why}); resume from an earlier checkpoint or start a new run`);
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) throw bad('wrong magic bytes');
  const len = buf.readUInt32LE(8);
  if (12 + len > buf.length) throw bad('header runs past the end of the file');
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + len)) as Header;
  } catch {
    throw bad('header is not JSON');
  }
  const dataStart = 12 + len + ((4 - ((12 + len) % 4)) % 4);
  const tensors: CheckpointState['tensors'] = {};
  for (const e of header.tensors) {
    const start = dataStart + e.offset;
    if (start + e.length * 4 > buf.length) throw bad(`tensor ${e.name} is truncated`);
    // Copy out so the result does not pin the file buffer and is 4-byte aligned whatever the source.
    const data = new Float32Array(e.length);
    new Uint8Array(data.buffer).set(buf.subarray(start, start + e.length * 4));
    tensors[e.name] = { dims: e.dims, data };
  }
  return { epoch: header.epoch, step: header.step, stepInEpoch: header.stepInEpoch ?? 0, tensors, meta: header.meta };
}

export function checkpointFileName(epoch: number, stepInEpoch: number): string {
  return stepInEpoch > 0 ? `checkpoint-${epoch + 1}-step${stepInEpoch}.bin` : `checkpoint-${epoch}.bin`;
}

/**
 * Write a checkpoint and move the pointer to it. Older checkpoint files beyond `keep` are removed only after
 * the pointer has moved, so at every instant the pointer names a complete file.
 */
export function writeCheckpoint(dir: string, state: CheckpointState, extra: { loss?: number; validLoss?: number } = {}, keep = 2): CheckpointPointer {
  const name = checkpointFileName(state.epoch, state.stepInEpoch);
  writeFileAtomic(path.join(dir, name), encodeCheckpoint(state));
  const pointer: CheckpointPointer = { file: name, epoch: state.epoch, step: state.step, stepInEpoch: state.stepInEpoch, time: new Date().toISOString(), ...extra };
  writeFileAtomic(path.join(dir, 'checkpoint.json'), JSON.stringify(pointer, null, 2) + '\n');
  pruneCheckpoints(dir, name, keep);
  return pointer;
}

function pruneCheckpoints(dir: string, current: string, keep: number): void {
  const files = fs.readdirSync(dir)
    .filter((f) => /^checkpoint-.*\.bin$/.test(f) && f !== current)
    .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { f } of files.slice(Math.max(0, keep - 1))) fs.rmSync(path.join(dir, f), { force: true });
  // Temporary files of a writer that was killed mid-write.
  for (const f of fs.readdirSync(dir)) if (f.includes('.tmp-')) {
    const pid = Number(f.split('.tmp-')[1]?.split('-')[0]);
    if (pid !== process.pid) fs.rmSync(path.join(dir, f), { force: true });
  }
}

export function readCheckpointPointer(dir: string): CheckpointPointer | undefined {
  const p = path.join(dir, 'checkpoint.json');
  if (!fs.existsSync(p)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8')) as CheckpointPointer;
  } catch {
    throw new RunError(`${p}: the checkpoint pointer is not valid JSON; delete it to start this run over`);
  }
}

/** The newest checkpoint of a run, or undefined when it has none yet. */
export function readLatestCheckpoint(dir: string): { pointer: CheckpointPointer; state: CheckpointState } | undefined {
  const pointer = readCheckpointPointer(dir);
  if (!pointer) return undefined;
  const file = path.join(dir, pointer.file);
  if (!fs.existsSync(file)) throw new RunError(`${file}: named by checkpoint.json but missing; the run folder was changed by hand`);
  return { pointer, state: decodeCheckpoint(fs.readFileSync(file), file) };
}

/**
 * Resolve RUN for using a trained model (predict, sample, export): by experiment name, the latest run that
 * has a checkpoint (a killed or `--epochs 0` run must not hide the good ones), with a note saying which run
 * was taken and what was passed over. A run folder or `<experiment>/<run-id>` is taken as given.
 */
export function resolveTrainedRun(ref: string, root: string): RunInfo & { note?: string } {
  const info = resolveRun(ref, root);
  const byName = !ref.includes('/') && !ref.includes('\\') && !fs.existsSync(path.join(path.resolve(ref), 'settings.json'));
  if (!byName || readCheckpointPointer(info.dir)) return info;
  const runs = listRuns(root, ref);
  const skipped: string[] = [];
  for (let i = runs.length - 1; i >= 0; i--) {
    if (readCheckpointPointer(runs[i].dir)) {
      return { ...runs[i], note: `using run ${runs[i].experiment}/${runs[i].runId}, the latest with a checkpoint (${skipped.join(', ')} ${skipped.length === 1 ? 'has' : 'have'} none)` };
    }
    skipped.push(runs[i].runId);
  }
  return info; // none has a checkpoint: the caller says so for the latest
}
