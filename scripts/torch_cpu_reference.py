#!/usr/bin/python3
"""CPU reference step times of PyTorch for the language-model workloads, on the machine it runs on.

The model, data and step are those of design/bench/torch_reference.py (embedding -> LSTM x 2 -> dense,
random ids, one step = zero_grad, forward, cross-entropy, backward, clip_grad_norm_(5), Adam 1e-3). That
script measures 2 and 16 threads and prints a mean; this one takes the thread counts and step counts as
options and prints the median of individually timed steps, which is what the tables in workloads.md show.

Run with Debian's python, which has torch:  /usr/bin/python3 scripts/torch_cpu_reference.py --threads 2
One thread count per process: OpenBLAS (which Debian's torch calls for matrix products) reads its thread
count from the environment when it loads, so this script sets that before importing torch.
"""
import argparse
import os
import statistics
import sys
import time


def thread_arg():
    # Parsed before argparse because it must reach the environment before torch (and its BLAS) loads.
    for i, a in enumerate(sys.argv):
        if a == '--threads' and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith('--threads='):
            return a.split('=', 1)[1]
    return '2'


for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[var] = thread_arg()

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402


class LM(nn.Module):
    def __init__(s, V, E, H, L):
        super().__init__()
        s.emb = nn.Embedding(V, E)
        s.rnn = nn.LSTM(E, H, L, batch_first=True)
        s.fc = nn.Linear(H, V)

    def forward(s, x):
        y, _ = s.rnn(s.emb(x))
        return s.fc(y)


CFGS = {  # name: V, E, H, L, B, T (as in torch_reference.py)
    'char_lm': (86, 30, 256, 2, 32, 100),
    'ptb_lm': (10000, 256, 256, 2, 50, 40),
    'imdb': (20000, 400, 256, 2, 50, 200),
}


def step_times(V, E, H, L, B, T, warmup, steps):
    torch.manual_seed(0)
    m = LM(V, E, H, L)
    opt = torch.optim.Adam(m.parameters(), 1e-3)
    lf = nn.CrossEntropyLoss()
    x = torch.randint(0, V, (B, T))
    y = torch.randint(0, V, (B, T))

    def step():
        opt.zero_grad()
        loss = lf(m(x).reshape(-1, V), y.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(m.parameters(), 5)
        opt.step()
        return loss

    for _ in range(warmup):
        step()
    out = []
    for _ in range(steps):
        t = time.perf_counter()
        step()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--threads', type=int, default=2, help='CPU threads (default 2)')
    ap.add_argument('--configs', default=','.join(CFGS), help='comma-separated: ' + ', '.join(CFGS))
    ap.add_argument('--steps', default='char_lm=10,ptb_lm=10,imdb=5',
                    help='timed steps per config, NAME=N,... (default char_lm=10,ptb_lm=10,imdb=5)')
    ap.add_argument('--warmup', type=int, default=2)
    a = ap.parse_args()
    steps = {k: int(v) for k, v in (kv.split('=') for kv in a.steps.split(','))}
    blas = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.split()[-1]})
    torch.set_num_threads(a.threads)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, BLAS {", ".join(blas) or "?"}, '
          f'warmup {a.warmup} steps, median of individually timed steps', flush=True)
    print('| config | threads | steps | median ms/step | min | max | tokens/s (median) |', flush=True)
    print('| --- | --- | --- | --- | --- | --- | --- |', flush=True)
    for name in a.configs.split(','):
        c = CFGS[name]
        ts = step_times(*c, a.warmup, steps.get(name, 5))
        med = statistics.median(ts)
        print(f'| {name} (V{c[0]} E{c[1]} H{c[2]} L{c[3]} B{c[4]} T{c[5]}) | {a.threads} | {len(ts)} | {med:.1f} | '
              f'{min(ts):.1f} | {max(ts):.1f} | {c[4] * c[5] / med * 1000:.0f} |', flush=True)


if __name__ == '__main__':
    main()
