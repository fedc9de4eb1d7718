// Seeded randomness for shuffling and generated data, so a run with the same seed repeats exactly.
// mulberry32 (Tommy Ettinger's 32-bit generator, public domain): one 32-bit state, period 2^32, passes
// gjrand/PractRand far enough for shuffling and synthetic data. Seeds for separate streams (epoch N's
// shuffle, the validation set) are derived with the murmur3 finalizer so neighbouring seeds do not correlate.

/** Returns a function giving uniform floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seed for one stream of a run: deriveSeed(seed, epoch), deriveSeed(seed, STREAM_VALID), ... */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = fmix32((seed >>> 0) ^ 0x9e3779b9);
  for (const p of parts) h = fmix32((h ^ (p >>> 0)) + 0x7f4a7c15);
  return h;
}

/** Stream ids so that no two uses of a seed share a sequence. */
export const STREAM_TRAIN_GEN = 0x7261696e; // generated training samples
export const STREAM_VALID_GEN = 0x76616c69; // generated validation samples
export const STREAM_SHUFFLE = 0x73687566; // per-epoch shuffles (combined with the epoch)

/** Uniform integer in [lo, hi] inclusive. */
export function randInt(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** Fisher-Yates in place. */
export function shuffleInPlace<T>(arr: T[] | Int32Array, rng: () => number): void {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t;
  }
}
