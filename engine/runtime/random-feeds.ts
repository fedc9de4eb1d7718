// The random numbers of one training step (dropout masks): each `rng/<k>` input of the step graph gets
// uniform [0, 1) values from its own stream, a function of the run's seed, the global step and k only, so
// the same step draws the same masks in an uninterrupted run and in one resumed from a checkpoint.
import * as ort from 'onnxruntime-node';
import { deriveSeed, mulberry32 } from '../../language/data';
import { RANDOM_INPUT } from '../compile/ctx';
import type { GraphIO } from './types';

const STREAM_DROPOUT = 0x64726f70;

export function uniformValues(seed: number, step: number, k: number, n: number): Float32Array {
  const next = mulberry32(deriveSeed(seed, STREAM_DROPOUT, step, k));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = next();
  return out;
}

export function randomFeeds(io: GraphIO, seed: number, step: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const inp of io.inputs) {
    if (!inp.name.startsWith(RANDOM_INPUT)) continue;
    const k = Number(inp.name.slice(RANDOM_INPUT.length));
    const n = inp.shape.reduce((a, b) => a * b, 1);
    feeds[inp.name] = new ort.Tensor('float32', uniformValues(seed, step, k, n), inp.shape);
  }
  return feeds;
}
