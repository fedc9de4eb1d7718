"""The engine's batches, in Python, and the engine's way of drawing them, down to the random numbers
(mulberry32 seeded per epoch), so epoch e's batches are the engine's epoch e's. The rows come from the data
file itself (loaders.py: the engine's loaders and tokenization, with the export's vocabulary), or, for
generated data, from data.bin (the samples the engine generated).

Plans, as the engine's loaders draw batches:
- shuffled: each epoch shuffles the training rows and cuts full batches (one smaller batch when there are
  too few rows for one); ordered: the same without the shuffle (generated, a contiguous wave);
- shuffled and grouped by length ("lengths": classify, pairs; engine/data/lengths.ts): after the shuffle and
  the cut, the rows are sorted by length (stable, padded dimensions in order) inside pools of 100 batches,
  cut into batches again and the batches shuffled with the same generator; each batch is as wide along each
  padded dimension as the smallest width that holds its longest row (x and the mask keep their last
  columns, being padded at the front; y, y_in and mask/tgt their first);
- blocks: batch j is the j-th block of rows (a text stream's windows, row b continuing row b of the batch
  before), the blocks shuffled per epoch when "shuffle" is on;
- buckets: sentences by bucket length, each bucket's members shuffled and cut into full batches, then the
  batches shuffled (text with buckets); a batch is as wide as its bucket.
Validation: every row, in order, the last batch of each bucket smaller; grouped by length, the rows are
pooled and sorted likewise (not shuffled), the last batch smaller.
"""
import json
import os

import torch

import loaders
import run_format
from rng import STREAM_SHUFFLE, derive_seed, mulberry32, shuffle_in_place

def chunk(items, batch):
    out = [items[i:i + batch] for i in range(0, len(items) - batch + 1, batch)]
    return out or ([list(items)] if items else [])


class Rows:
    """The rows of one split: tensors by name (leading axis = rows), the mask, and each row's token count."""

    def __init__(self, tensors):
        self.tensors = dict(tensors)
        self.tokens = self.tensors.pop('#tokens')
        self.mask = self.tensors.pop('#mask', None)
        self.n = self.tokens.shape[0]

    @staticmethod
    def stored(tensors, ints, prefix):
        """One split of data.bin (every tensor stored as float32; `ints`: the id tensors)."""
        out = {}
        for k, v in tensors.items():
            if k.startswith(prefix):
                name = k[len(prefix):]
                t = torch.from_numpy(v)
                out[name] = t.long() if name in ints else t
        return Rows(out)

    def batch(self, idx, cuts=None):
        """Rows idx; `cuts`: the columns each tensor keeps by name ('mask' the mask), for a batch narrower than
        the rows are stored (a bucket's length, a length group's widths)."""
        idx = torch.as_tensor(idx, dtype=torch.long)
        cuts = cuts or {}

        def cut(name, t):
            c = cuts.get(name)
            return t if c is None else t[:, c].contiguous()
        tensors = {k: cut(k, v[idx]) for k, v in self.tensors.items()}
        return (tensors, None if self.mask is None else cut('mask', self.mask[idx]), int(self.tokens[idx].sum()))


class Data:
    """An export's data: train_batches(epoch) and valid_batches() give (batch, mask, tokens).
    `data_file`: another file than the one exported (read with the export's vocabulary)."""

    def __init__(self, folder, data_file=None):
        with open(os.path.join(folder, 'data.json')) as f:
            self.meta = json.load(f)
        if 'source' in self.meta:
            with open(os.path.join(folder, 'vocab.json')) as f:
                saved = json.load(f)
            path = data_file or self.meta['file']
            plan, train, valid = loaders.load(self.meta, saved, path)
            self.read = dict(plan.pop('read'), path=path)
            self.notes = read_notes(self.meta, saved, path, self.read)
            self.meta = dict(self.meta, **plan)
            self.train, self.valid = Rows(train), Rows(valid)
        else:
            if data_file:
                raise loaders.DataError(data_file, 'this experiment\'s data is generated (data.bin holds its samples), not read from a file', fix='drop --data')
            _, tensors = run_format.read_checkpoint(os.path.join(folder, 'data.bin'))
            self.read = None
            ints = set(self.meta['ints'])
            self.train, self.valid = Rows.stored(tensors, ints, 'train/'), Rows.stored(tensors, ints, 'valid/')
            self.notes = []
        self.batch_size = self.meta['batch']
        self.plan_kind = self.meta['plan']

    def _rng(self, epoch):
        return mulberry32(derive_seed(self.meta['seed'], STREAM_SHUFFLE, epoch))

    def _plan(self, epoch=None):
        """Epoch `epoch`'s batches as (rows, cuts); None: the unshuffled plan (for counting)."""
        kind, b = self.plan_kind, self.batch_size
        if kind == 'blocks':
            order = list(range(self.train.n // b))
            if epoch is not None and self.meta.get('shuffle'):
                shuffle_in_place(order, self._rng(epoch))
            return [(list(range(j * b, (j + 1) * b)), None) for j in order]
        if kind == 'buckets':
            return [(idx, self._bucket_cuts(w)) for idx, w in _bucket_plan(self.meta['buckets']['sizes'], self.meta['buckets']['train'], b, None if epoch is None else self._rng(epoch))]
        order = list(range(self.train.n))
        rng = None
        if kind == 'shuffled' and epoch is not None:
            rng = self._rng(epoch)
            shuffle_in_place(order, rng)
        batches = chunk(order, b)
        lengths = self.meta.get('lengths')
        if not lengths:
            return [(idx, None) for idx in batches]
        # Grouped by length: the same generator goes on to shuffle the batches (engine/data/lengths.ts).
        out = _pooled([i for idx in batches for i in idx], b, lengths['train'], lengths['pool'])
        if rng is not None:
            shuffle_in_place(out, rng)
        return [(idx, self._length_cuts(idx, lengths['train'])) for idx in out]

    def _bucket_cuts(self, width):
        """A bucket's batch: every tensor keeps its first `width` columns (rows are stored as wide as the widest bucket)."""
        return {k: slice(0, width) for k in [*self.train.tensors, 'mask']}

    def _length_cuts(self, idx, row_lengths):
        """A batch grouped by length: along each padded dimension, the smallest width that holds its longest
        row; a tensor padded at the front keeps its last columns, one padded at the back its first."""
        lengths = self.meta['lengths']
        width = {d: _width_for(max([1] + [row_lengths[d][i] for i in idx]), w) for d, w in lengths['widths'].items()}
        cuts = {}
        for name, t in lengths['tensors'].items():
            w = width[t['dim']]
            cuts[name] = slice(-w, None) if t['pad'] == 'front' else slice(0, w)
        return cuts

    def _unshuffled(self):
        """The plan without its shuffle (the same every epoch): computed once, for the counts below."""
        if getattr(self, '_counted', None) is None:
            self._counted = self._plan()
        return self._counted

    def steps_per_epoch(self):
        return len(self._unshuffled())

    def smallest_batch(self):
        """Rows of the smallest training batch (every process needs one of them)."""
        return min((len(idx) for idx, _ in self._unshuffled()), default=0)

    def train_batches(self, epoch):
        """Epoch `epoch`, numbered as the engine's trainer numbers them (its first epoch is 1)."""
        for idx, width in self._plan(epoch):
            yield self.train.batch(idx, width)

    def valid_batches(self):
        if self.plan_kind == 'buckets':
            for idx, width in _bucket_plan(self.meta['buckets']['sizes'], self.meta['buckets']['valid'], self.batch_size, None, every=True):
                yield self.valid.batch(idx, self._bucket_cuts(width))
            return
        lengths = self.meta.get('lengths')
        if lengths:
            for idx in _pooled(list(range(self.valid.n)), self.batch_size, lengths['valid'], lengths['pool']):
                yield self.valid.batch(idx, self._length_cuts(idx, lengths['valid']))
            return
        b = self.meta.get('validBatch', self.batch_size)
        for i in range(0, self.valid.n, b):
            yield self.valid.batch(list(range(i, min(i + b, self.valid.n))))


def read_notes(meta, saved, path, read):
    """What a person should know of the file read: another file than the export's, tokens read as <unk>
    (the export's own file needs no note: its rare words are <unk> by the vocabulary's design)."""
    notes = [read['warning']] if read['warning'] else []
    if read['sha256'] == meta.get('sha256'):
        return notes
    notes += [f'{path} is not the file exported (its content differs); it is read with the export\'s vocabulary']
    if read['unknown']:
        notes.append(f'{read["unknown"]:,} tokens of {path} are not in the vocabulary ({len(saved["vocab"]["tokens"]):,} tokens) and read as <unk>')
    return notes


def _pooled(rows, batch, row_lengths, pool):
    """Rows sorted by length inside pools of `pool` batches (stable: ties keep their order; the padded
    dimensions compared in order), cut into batches of `batch` (each pool's last one smaller)."""
    dims = list(row_lengths)
    key = (lambda i: row_lengths[dims[0]][i]) if len(dims) == 1 else (lambda i: tuple(row_lengths[d][i] for d in dims))
    out, size = [], pool * batch
    for p in range(0, len(rows), size):
        ordered = sorted(rows[p:p + size], key=key)
        out += [ordered[i:i + batch] for i in range(0, len(ordered), batch)]
    return out


def _width_for(n, widths):
    """The smallest width that holds `n` (the widths end with the longest row, so one always does)."""
    for w in widths:
        if n <= w:
            return w
    return widths[-1]


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
