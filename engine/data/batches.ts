// Helpers shared by the loaders: batch index lists and tensor allocation.
import { deriveSeed, mulberry32, shuffleInPlace, STREAM_SHUFFLE } from '../../language/data';
import type { HostTensor } from './types';

export function intTensor(dims: number[]): HostTensor & { data: Int32Array } {
  return { dtype: 'int32', dims, data: new Int32Array(dims.reduce((a, b) => a * b, 1)) };
}
export function floatTensor(dims: number[]): HostTensor & { data: Float32Array } {
  return { dtype: 'float32', dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) };
}

/** Full batches of `batch` items; only when there is none, one smaller batch (so tiny data still runs). */
export function chunk(items: number[], batch: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i + batch <= items.length; i += batch) out.push(items.slice(i, i + batch));
  if (out.length === 0 && items.length > 0) out.push(items.slice());
  return out;
}

/** Every item, for validation: full batches, then the rest as one smaller batch (every held-out item is
 *  scored; training keeps full batches only). */
export function validChunks(items: number[], batch: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < items.length; i += batch) out.push(items.slice(i, i + batch));
  return out;
}

export function batchCount(n: number, batch: number): number {
  return n === 0 ? 0 : Math.max(1, Math.floor(n / batch));
}

/** The shuffle generator of one epoch. */
export function epochRng(seed: number, epoch: number): () => number {
  return mulberry32(deriveSeed(seed, STREAM_SHUFFLE, epoch));
}

export function range(start: number, end: number): number[] {
  const r: number[] = [];
  for (let i = start; i < end; i++) r.push(i);
  return r;
}

/** Item ids 0..n-1 shuffled for an epoch and cut into batches. */
export function shuffledBatches(n: number, batch: number, seed: number, epoch: number): number[][] {
  const idx = range(0, n);
  shuffleInPlace(idx, epochRng(seed, epoch));
  return chunk(idx, batch);
}
