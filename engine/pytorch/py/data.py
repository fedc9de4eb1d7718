"""The engine's batches, in Python: the rows Unroll's loaders made (data.bin: token ids padded and masked as
the engine pads them, or generated samples) and the engine's way of drawing batches from them, down to the
random numbers (mulberry32 seeded per epoch), so epoch e's batches are the engine's epoch e's.

Batches of the training rows: each epoch shuffles them (plan "shuffled"; "ordered" keeps their order) and
cuts full batches, or one smaller batch when there are too few rows for one. Validation: every row, in
order, the last batch smaller.
"""
import json
import os

import torch

import run_format

STREAM_SHUFFLE = 0x73687566
M32 = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & M32


def mulberry32(seed):
    """Uniform floats in [0, 1), the engine's generator (language/data/prng.ts), bit for bit."""
    state = [seed & M32]

    def nxt():
        state[0] = (state[0] + 0x6D2B79F5) & M32
        t = state[0]
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296
    return nxt


def _fmix32(h):
    h ^= h >> 16
    h = _imul(h, 0x85EBCA6B)
    h ^= h >> 13
    h = _imul(h, 0xC2B2AE35)
    h ^= h >> 16
    return h & M32


def derive_seed(seed, *parts):
    h = _fmix32((seed & M32) ^ 0x9E3779B9)
    for p in parts:
        h = _fmix32(((h ^ (p & M32)) + 0x7F4A7C15) & M32)
    return h


def shuffle_in_place(items, rng):
    """Fisher-Yates, as the engine's shuffleInPlace."""
    for i in range(len(items) - 1, 0, -1):
        j = int(rng() * (i + 1))
        items[i], items[j] = items[j], items[i]


def chunk(items, batch):
    out = [items[i:i + batch] for i in range(0, len(items) - batch + 1, batch)]
    return out or ([list(items)] if items else [])


class Rows:
    """The rows of one split: tensors by name (leading axis = rows), the mask, and each row's token count."""

    def __init__(self, tensors, ints, prefix):
        self.tensors = {}
        for k, v in tensors.items():
            if k.startswith(prefix):
                name = k[len(prefix):]
                t = torch.from_numpy(v)
                self.tensors[name] = t.long() if name in ints else t
        self.tokens = self.tensors.pop('#tokens')
        self.mask = self.tensors.pop('#mask', None)
        self.n = self.tokens.shape[0]

    def batch(self, idx):
        idx = torch.as_tensor(idx, dtype=torch.long)
        return ({k: v[idx] for k, v in self.tensors.items()}, None if self.mask is None else self.mask[idx], int(self.tokens[idx].sum()))


class Data:
    """data.bin and data.json of an export: train_batches(epoch) and valid_batches() give (batch, mask, tokens)."""

    def __init__(self, folder):
        with open(os.path.join(folder, 'data.json')) as f:
            self.meta = json.load(f)
        _, tensors = run_format.read_checkpoint(os.path.join(folder, 'data.bin'))
        ints = set(self.meta['ints'])
        self.train = Rows(tensors, ints, 'train/')
        self.valid = Rows(tensors, ints, 'valid/')
        self.batch_size = self.meta['batch']

    def steps_per_epoch(self):
        return len(chunk(list(range(self.train.n)), self.batch_size))

    def train_batches(self, epoch):
        """Epoch `epoch` (0-based, as the engine counts them)."""
        order = list(range(self.train.n))
        if self.meta['plan'] == 'shuffled':
            shuffle_in_place(order, mulberry32(derive_seed(self.meta['seed'], STREAM_SHUFFLE, epoch)))
        for idx in chunk(order, self.batch_size):
            yield self.train.batch(idx)

    def valid_batches(self):
        for i in range(0, self.valid.n, self.batch_size):
            yield self.valid.batch(list(range(i, min(i + self.batch_size, self.valid.n))))
