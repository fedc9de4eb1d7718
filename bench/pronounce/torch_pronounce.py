"""PyTorch with the settings of examples/pronounce.rnn (and pronounce_plain.rnn with --no-attention).

The same data file, tokens, held-out words (the engine's split, ported: mulberry32 shuffle of the rows under
the experiment's seed), sizes and training: embedding 64, encoder LSTM 128, a decoder LSTM 128 that starts
from the encoder's final state and reads the target shifted right (teacher forcing), Luong's general
attention, tanh(dense(concat(context, decoder))) then dense to the vocabulary; Adam lr 2e-3, global norm
clip 5, batch 64, 12 epochs, cross-entropy over the real target tokens. Reports, on the held-out words:
teacher-forced exact match (the engine's exact_match), greedy word accuracy and phoneme error rate.

Usage: /usr/bin/python3 bench/pronounce/torch_pronounce.py [--no-attention] [--epochs N] [--threads N]
"""
import argparse, csv, os, time
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', '..', 'examples', 'data', 'cmudict.csv')
PAD, UNK, BOS, EOS = '<pad>', '<unk>', '<s>', '</s>'
STREAM_SPLIT = 0x73706c74


# ---- the engine's PRNG (language/data/prng.ts), for the same held-out words -------------------------------
def u32(x): return x & 0xFFFFFFFF
def imul(a, b): return u32(a * b)
def fmix32(h):
    h ^= h >> 16; h = imul(h, 0x85ebca6b); h ^= h >> 13; h = imul(h, 0xc2b2ae35); h ^= h >> 16
    return h
def derive_seed(seed, *parts):
    h = fmix32(u32(seed) ^ 0x9e3779b9)
    for p in parts: h = fmix32(u32((h ^ u32(p)) + 0x7f4a7c15))
    return h
def mulberry32(seed):
    a = [u32(seed)]
    def nxt():
        a[0] = u32(a[0] + 0x6d2b79f5); t = a[0]
        t = imul(t ^ (t >> 15), t | 1)
        t = u32(t ^ u32(t + imul(t ^ (t >> 7), t | 61)))
        return u32(t ^ (t >> 14)) / 4294967296
    return nxt
def split(n, valid, seed):
    order = list(range(n)); rng = mulberry32(derive_seed(seed, STREAM_SPLIT))
    for i in range(n - 1, 0, -1):
        j = int(rng() * (i + 1)); order[i], order[j] = order[j], order[i]
    nv = int(n * valid)
    return order[:n - nv], order[n - nv:]


class Model(nn.Module):
    def __init__(self, V, E, H, attention):
        super().__init__()
        self.src_emb, self.tgt_emb = nn.Embedding(V, E), nn.Embedding(V, E)
        self.enc, self.dec = nn.LSTM(E, H, batch_first=True), nn.LSTM(E, H, batch_first=True)
        self.attention = attention
        self.W = nn.Parameter(torch.empty(H, H).uniform_(-H ** -0.5, H ** -0.5)) if attention else None
        self.hid = nn.Linear(2 * H if attention else H, H)
        self.out = nn.Linear(H, V)

    def forward(self, x, x_mask, y_in):
        enc, (h, c) = self.enc(self.src_emb(x))            # x padded at the front: the final state is the last letter's
        dec, _ = self.dec(self.tgt_emb(y_in), (h, c))
        if self.attention:
            scores = dec @ self.W @ enc.transpose(1, 2)     # [B, tgt, src]
            scores = scores + ((x_mask - 1) * 1e9).unsqueeze(1)
            ctx = torch.softmax(scores, -1) @ enc
            dec = torch.cat([ctx, dec], -1)
        return self.out(torch.tanh(self.hid(dec)))


def edit_distance(a, b):
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, y in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (x != y))
    return d[len(b)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--no-attention', action='store_true'); ap.add_argument('--epochs', type=int, default=12)
    ap.add_argument('--threads', type=int, default=2); ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    torch.manual_seed(a.seed); torch.set_num_threads(a.threads)
    rows = [(list(r['spelling']), r['pronunciation'].split()) for r in csv.DictReader(open(DATA, encoding='utf-8'))]
    tokens = [PAD, UNK, BOS, EOS] + sorted({t for s, p in rows for t in s + p})
    ix = {t: i for i, t in enumerate(tokens)}
    S = max(len(s) for s, _ in rows); T = max(len(p) for _, p in rows) + 1
    def tensors(idx):
        B = len(idx); x = torch.zeros(B, S, dtype=torch.long); xm = torch.zeros(B, S)
        y = torch.zeros(B, T, dtype=torch.long); yin = torch.zeros(B, T, dtype=torch.long); ym = torch.zeros(B, T)
        for b, i in enumerate(idx):
            s, p = rows[i]
            x[b, S - len(s):] = torch.tensor([ix[t] for t in s]); xm[b, S - len(s):] = 1
            ids = [ix[t] for t in p]
            y[b, :len(ids) + 1] = torch.tensor(ids + [ix[EOS]]); yin[b, :len(ids) + 1] = torch.tensor([ix[BOS]] + ids); ym[b, :len(ids) + 1] = 1
        return x, xm, yin, y, ym
    train, valid = split(len(rows), 0.1, a.seed)
    m = Model(len(tokens), 64, 128, not a.no_attention)
    opt = torch.optim.Adam(m.parameters(), lr=2e-3)
    t0 = time.time()
    for epoch in range(1, a.epochs + 1):
        m.train(); order = torch.randperm(len(train)).tolist(); total = 0.0
        for k in range(0, len(order), 64):
            x, xm, yin, y, ym = tensors([train[i] for i in order[k:k + 64]])
            logits = m(x, xm, yin)
            loss = (nn.functional.cross_entropy(logits.transpose(1, 2), y, reduction='none') * ym).sum() / ym.sum()
            opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(m.parameters(), 5.0); opt.step(); total += float(loss)
        print(f'epoch {epoch}: train loss {total / ((len(order) + 63) // 64):.4f} ({time.time() - t0:.0f}s)', flush=True)
    m.eval()
    with torch.no_grad():
        x, xm, yin, y, ym = tensors(valid)
        pred = m(x, xm, yin).argmax(-1)
        exact = float((((pred == y) | (ym == 0)).all(1)).float().mean())
        # Greedy: feed each predicted phoneme back, stop at </s>.
        out = torch.full((len(valid), T), ix[PAD], dtype=torch.long); cur = torch.full((len(valid), T), ix[PAD], dtype=torch.long); cur[:, 0] = ix[BOS]
        for t in range(T):
            step = m(x, xm, cur).argmax(-1)[:, t]; out[:, t] = step
            if t + 1 < T: cur[:, t + 1] = step
        right = errs = n = 0
        for b, i in enumerate(valid):
            ref = rows[i][1]; hyp = []
            for tid in out[b].tolist():
                if tid == ix[EOS]: break
                hyp.append(tokens[tid])
            right += hyp == ref; errs += edit_distance(hyp, ref); n += len(ref)
    kind = 'without attention' if a.no_attention else 'with general attention'
    print(f'PyTorch {torch.__version__} {kind}, {a.threads} threads, {a.epochs} epochs in {time.time() - t0:.0f}s, {len(valid)} held-out words: '
          f'teacher-forced exact match {exact:.4f}, greedy word accuracy {right / len(valid):.4f}, phoneme error rate {errs / n:.4f}')


if __name__ == '__main__':
    main()
