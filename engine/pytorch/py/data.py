"""The engine's batches, in Python: the rows Unroll's loaders made (data.bin: token ids padded and masked as
the engine pads them, or generated samples) and the engine's way of drawing batches from them, down to the
random numbers (mulberry32 seeded per epoch), so epoch e's batches are the engine's epoch e's.

Plans (data.json's "plan"), as the engine's loaders draw batches:
- shuffled: each epoch shuffles the training rows and cuts full batches (one smaller batch when there are
  too few rows for one); ordered: the same without the shuffle (generated, tables, a contiguous wave);
- blocks: batch j is the j-th block of rows (a text stream's windows, row b continuing row b of the batch
  before), the blocks shuffled per epoch when "shuffle" is on;
- buckets: sentences by bucket length, each bucket's members shuffled and cut into full batches, then the
  batches shuffled (text with buckets); a batch is as wide as its bucket.
Validation: every row, in order, the last batch of each bucket smaller.
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

    def batch(self, idx, width=None):
        """Rows idx; `width`: a bucket's length (every row is stored as wide as the widest bucket)."""
        idx = torch.as_tensor(idx, dtype=torch.long)
        cut = (lambda t: t[:, :width]) if width is not None else (lambda t: t)
        tensors = {k: cut(v[idx]) for k, v in self.tensors.items()}
        return (tensors, None if self.mask is None else cut(self.mask[idx]), int(self.tokens[idx].sum()))


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
        self.plan_kind = self.meta['plan']

    def _rng(self, epoch):
        return mulberry32(derive_seed(self.meta['seed'], STREAM_SHUFFLE, epoch))

    def _plan(self, epoch=None):
        """Epoch `epoch`'s batches as (rows, width); None: the unshuffled plan (for counting)."""
        kind, b = self.plan_kind, self.batch_size
        if kind == 'blocks':
            order = list(range(self.train.n // b))
            if epoch is not None and self.meta.get('shuffle'):
                shuffle_in_place(order, self._rng(epoch))
            return [(list(range(j * b, (j + 1) * b)), None) for j in order]
        if kind == 'buckets':
            return _bucket_plan(self.meta['buckets']['sizes'], self.meta['buckets']['train'], b, None if epoch is None else self._rng(epoch))
        order = list(range(self.train.n))
        if kind == 'shuffled' and epoch is not None:
            shuffle_in_place(order, self._rng(epoch))
        return [(idx, None) for idx in chunk(order, b)]

    def steps_per_epoch(self):
        return len(self._plan())

    def train_batches(self, epoch):
        """Epoch `epoch`, numbered as the engine's trainer numbers them (its first epoch is 1)."""
        for idx, width in self._plan(epoch):
            yield self.train.batch(idx, width)

    def valid_batches(self):
        if self.plan_kind == 'buckets':
            for idx, width in _bucket_plan(self.meta['buckets']['sizes'], self.meta['buckets']['valid'], self.batch_size, None, every=True):
                yield self.valid.batch(idx, width)
            return
        b = self.meta.get('validBatch', self.batch_size)
        for i in range(0, self.valid.n, b):
            yield self.valid.batch(list(range(i, min(i + b, self.valid.n))))


def _bucket_plan(sizes, row_bucket, batch, rng, every=False):
    """engine/data/text.ts's plan: per bucket (in order) its members, shuffled, cut into full batches (every:
    all of them, the last smaller); too few for one full batch anywhere: one batch per bucket; then shuffled."""
    out = []
    for width in sizes:
        members = [i for i, w in enumerate(row_bucket) if w == width]
        m = list(members)
        if rng is not None:
            shuffle_in_place(m, rng)
        i = 0
        while i < len(m) and (every or i + batch <= len(m)):
            out.append((m[i:i + batch], width))
            i += batch
    if not out:
        for width in sizes:
            members = [i for i, w in enumerate(row_bucket) if w == width]
            if members:
                out.append((members, width))
    if rng is not None:
        shuffle_in_place(out, rng)
    return out
