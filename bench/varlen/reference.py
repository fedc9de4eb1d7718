"""The hand-written PyTorch a user would write for bench/varlen.bench.ts: the sentiment model of
examples/sentiment.rnn (embedding 400, LSTM 256 x 2 with dropout 0.5, the last real step, dropout, dense 1,
sigmoid; Adam 1e-3, clip 5), each shuffled batch padded to its longest row and run through
pack_padded_sequence (PyTorch's sentiment-LSTM tutorials). Rows are cut to their last max_len words, as Keras's
pad_sequences and Unroll cut them.

--sorted: batches of similar lengths, as torchtext's BucketIterator makes them (the shuffled rows sorted by
length inside pools of 100 batches, the batches shuffled), the other thing a user who knows the trick writes.

Usage: python3 reference.py DATA.csv --steps N [--sorted] [--max-len 200] [--batch 50] [--model 400,256,2,0.5] [--device cpu|cuda]
Prints one JSON line: the median ms/step after the first two steps, every step's ms, and the rows' real tokens.
"""
import argparse
import csv
import json
import random
import statistics
import time

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence


class Sentiment(nn.Module):
    def __init__(self, vocab, embed=400, hidden=256, layers=2, dropout=0.5):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, dropout=dropout if layers > 1 else 0, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(self.embed(x), lengths, batch_first=True, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        return torch.sigmoid(self.out(self.drop(h[-1]))).squeeze(1)


def read(path, max_len):
    with open(path, newline='', encoding='utf-8') as f:
        rows = list(csv.DictReader(f))
    words = [r['text'].lower().split()[-max_len:] or ['<empty>'] for r in rows]
    vocab = {w: i + 1 for i, w in enumerate(sorted({w for ws in words for w in ws}))}
    labels = sorted({r['label'] for r in rows})
    return [(torch.tensor([vocab[w] for w in ws]), float(labels.index(r['label']))) for ws, r in zip(words, rows)], len(vocab) + 1


def epoch(rows, batch, by_length):
    """One epoch's batches (full ones): shuffled rows, or with by_length, sorted inside pools of 100 batches."""
    order = list(range(len(rows)))
    random.shuffle(order)
    order = order[:len(order) // batch * batch]
    if by_length:
        pool = 100 * batch
        order = [i for p in range(0, len(order), pool) for i in sorted(order[p:p + pool], key=lambda i: len(rows[i][0]))]
    out = [[rows[i] for i in order[j:j + batch]] for j in range(0, len(order), batch)]
    random.shuffle(out)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument('data')
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--max-len', type=int, default=200)
    p.add_argument('--batch', type=int, default=50)
    p.add_argument('--device', default='cpu')
    p.add_argument('--sorted', action='store_true')
    p.add_argument('--model', default='400,256,2,0.5', help='embed,hidden,layers,dropout (examples/spam.rnn: 64,64,1,0)')
    a = p.parse_args()
    torch.manual_seed(1)
    random.seed(1)
    rows, vocab = read(a.data, a.max_len)
    dev = torch.device(a.device)
    e, h, n, d = a.model.split(',')
    model = Sentiment(vocab, int(e), int(h), int(n), float(d)).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCELoss()
    ms, tokens = [], 0
    batches = []
    for _ in range(a.steps):
        if not batches:
            batches = epoch(rows, a.batch, a.sorted)
        batch = batches.pop()
        t0 = time.perf_counter()
        x = pad_sequence([r[0] for r in batch], batch_first=True).to(dev)
        lengths = torch.tensor([len(r[0]) for r in batch])
        y = torch.tensor([r[1] for r in batch], device=dev)
        opt.zero_grad()
        loss = loss_fn(model(x, lengths), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5)
        opt.step()
        loss.item()
        if dev.type == 'cuda':
            torch.cuda.synchronize()
        ms.append((time.perf_counter() - t0) * 1000)
        tokens += int(lengths.sum())
    print(json.dumps({'msPerStep': statistics.median(ms[2:] or ms), 'ms': ms, 'tokens': tokens, 'threads': torch.get_num_threads(), 'device': a.device}))


if __name__ == '__main__':
    main()
