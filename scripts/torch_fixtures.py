#!/usr/bin/python3
"""PyTorch reference fixtures for the engine's numerics tests.

Run with Debian's python, which has torch (the `python3` first on PATH may be a pyenv one without it):

    apt-get install -y python3-torch python3-numpy
    /usr/bin/python3 scripts/torch_fixtures.py            # writes test/fixtures/torch/*.json
    /usr/bin/python3 scripts/torch_fixtures.py --check    # exits 1 if a file on disk differs

Every case uses its own fixed seed, float64 math and one thread, and the JSON has a fixed layout, so
re-running gives byte-identical files with the same torch and BLAS (another BLAS changes the last bits:
--check compares within 1e-12 relative). The format is
documented in test/fixtures/torch/README.md and read by test/engine/fixtures.ts.
"""
import argparse
import json
import os
import sys
import zlib

# One BLAS thread: a threaded gemm may sum in another order from run to run.
os.environ['OMP_NUM_THREADS'] = '1'
os.environ['OPENBLAS_NUM_THREADS'] = '1'
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)
torch.use_deterministic_algorithms(True)

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'torch')

# Sizes are all different, so a swapped axis changes a shape instead of passing silently:
# batch 3, time 5, input 6, hidden 4 (2*hidden 8); layers*directions is 1, 2 or 4 (only in h0/h_n,
# where the axis a real bug swaps is batch, which stays distinct).
B, T, I, H = 3, 5, 6, 4


def seed_for(name):
    # A seed per case (not one global stream), so adding a case never changes the others.
    return zlib.crc32(name.encode('utf-8'))


def tensor(t, integer=False):
    t = t.detach()
    shape = list(t.shape)
    if integer:
        return {'shape': shape, 'dtype': 'int', 'data': [int(v) for v in t.reshape(-1).tolist()]}
    # Python floats print as the shortest string that reads back to the same double: full precision.
    return {'shape': shape, 'data': [float(v) for v in t.reshape(-1).tolist()]}


def rand(*shape, lo=-1.0, hi=1.0):
    return torch.rand(*shape) * (hi - lo) + lo


def backward_of(outputs, wrt):
    """Random upstream per output; L = sum over outputs of sum(output * upstream); grads of L."""
    upstream = {k: rand(*v.shape) for k, v in outputs.items()}
    loss = sum((v * upstream[k]).sum() for k, v in outputs.items())
    grads = torch.autograd.grad(loss, [t for _, t in wrt])
    return upstream, loss, {name: g for (name, _), g in zip(wrt, grads)}


# ------------------------------------------------------------------------------------------------------
# Layers: embedding, linear

def case_embedding(name):
    V, E = 7, 5
    # Repeated ids: the weight gradient must sum the rows of every occurrence (ScatterND add).
    x = torch.tensor([[1, 3, 3, 0, 6], [6, 1, 2, 3, 1], [5, 5, 5, 4, 2]], dtype=torch.int64)
    emb = nn.Embedding(V, E)
    with torch.no_grad():
        emb.weight.copy_(rand(V, E))
    out = emb(x)
    upstream, loss, grads = backward_of({'out': out}, [('weight', emb.weight)])
    return {
        'kind': 'embedding', 'config': {'vocab': V, 'size': E, 'batch': B, 'time': T},
        'inputs': {'x': tensor(x, integer=True)},
        'params': {'weight': tensor(emb.weight)},
        'outputs': {'out': tensor(out)}, 'upstream': {k: tensor(v) for k, v in upstream.items()},
        'grads': {k: tensor(v) for k, v in grads.items()}, 'loss': float(loss),
    }


def case_linear(name, activation):
    In, Out = 6, 5
    lin = nn.Linear(In, Out)
    with torch.no_grad():
        lin.weight.copy_(rand(Out, In))
        lin.bias.copy_(rand(Out))
    x = rand(B, T, In).requires_grad_(True)
    y = lin(x)
    act = {'none': lambda v: v, 'tanh': torch.tanh, 'sigmoid': torch.sigmoid, 'relu': torch.relu}[activation]
    out = act(y)
    upstream, loss, grads = backward_of({'out': out}, [('x', x), ('weight', lin.weight), ('bias', lin.bias)])
    return {
        'kind': 'linear',
        'config': {'in_features': In, 'out_features': Out, 'activation': activation, 'batch': B, 'time': T,
                   'weight_layout': '[out_features, in_features] (torch.nn.Linear); out = x @ weight^T + bias'},
        'inputs': {'x': tensor(x)},
        'params': {'weight': tensor(lin.weight), 'bias': tensor(lin.bias)},
        'outputs': {'out': tensor(out)}, 'upstream': {k: tensor(v) for k, v in upstream.items()},
        'grads': {k: tensor(v) for k, v in grads.items()}, 'loss': float(loss),
    }


def case_layer_norm(name):
    F = 5
    ln = nn.LayerNorm(F)
    with torch.no_grad():
        ln.weight.copy_(rand(F, lo=0.5, hi=1.5))
        ln.bias.copy_(rand(F))
    x = rand(B, T, F).requires_grad_(True)
    out = ln(x)
    upstream, loss, grads = backward_of({'out': out}, [('x', x), ('weight', ln.weight), ('bias', ln.bias)])
    return {
        'kind': 'layer_norm', 'config': {'features': F, 'eps': ln.eps, 'batch': B, 'time': T},
        'inputs': {'x': tensor(x)},
        'params': {'weight': tensor(ln.weight), 'bias': tensor(ln.bias)},
        'outputs': {'out': tensor(out)}, 'upstream': {k: tensor(v) for k, v in upstream.items()},
        'grads': {k: tensor(v) for k, v in grads.items()}, 'loss': float(loss),
    }


def case_attention(name, score, masked):
    # The keys are [B, S, Fk]; general and additive let the query have another feature size.
    Fq, Fk, Fv, Tq, S = (6 if score == 'dot' else 4), 6, 3, 4, 5
    q = rand(B, Tq, Fq).requires_grad_(True)
    k = rand(B, S, Fk).requires_grad_(True)
    v = rand(B, S, Fv).requires_grad_(True)
    params, wrt = {}, [('query', q), ('keys', k), ('values', v)]
    if score == 'dot':
        scores = q @ k.transpose(1, 2)
    elif score == 'general':
        params['W'] = rand(Fq, Fk).requires_grad_(True)
        scores = q @ params['W'] @ k.transpose(1, 2)
    else:
        params['W_q'] = rand(Fk, Fq).requires_grad_(True)
        params['W_k'] = rand(Fk, Fk).requires_grad_(True)
        params['v'] = rand(Fk).requires_grad_(True)
        e = torch.tanh((q @ params['W_q'].T).unsqueeze(2) + (k @ params['W_k'].T).unsqueeze(1))
        scores = e @ params['v']
    lengths = [S, 3, 2][:B] if masked else [S] * B
    mask = torch.tensor([[1.0 if s < n else 0.0 for s in range(S)] for n in lengths])
    scores = scores + ((mask - 1) * 1e9).unsqueeze(1)
    w = torch.softmax(scores, dim=-1)
    context = w @ v
    wrt += list(params.items())
    upstream, loss, grads = backward_of({'context': context, 'weights': w}, wrt)
    return {
        'kind': 'attention', 'config': {'score': score, 'masked': masked, 'lengths': lengths, 'batch': B},
        'inputs': {'query': tensor(q), 'keys': tensor(k), 'values': tensor(v), 'mask': tensor(mask, integer=True)},
        'params': {n: tensor(t) for n, t in params.items()},
        'outputs': {'context': tensor(context), 'weights': tensor(w)},
        'upstream': {n: tensor(t) for n, t in upstream.items()},
        'grads': {n: tensor(t) for n, t in grads.items()}, 'loss': float(loss),
    }


# ------------------------------------------------------------------------------------------------------
# Recurrent layers

def case_recurrent(name, cell, layers, bidirectional, init):
    D = 2 if bidirectional else 1
    cls = {'lstm': nn.LSTM, 'gru': nn.GRU, 'rnn': nn.RNN}[cell]
    kwargs = {'nonlinearity': 'tanh'} if cell == 'rnn' else {}
    m = cls(I, H, num_layers=layers, bidirectional=bidirectional, batch_first=True, **kwargs)
    # Weights in [-0.5, 0.5] (not torch's default 1/sqrt(H) range) so gates leave their linear region.
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(rand(*p.shape, lo=-0.5, hi=0.5))
    x = rand(B, T, I).requires_grad_(True)
    inputs = {'x': x}
    if init:
        inputs['h0'] = rand(layers * D, B, H).requires_grad_(True)
        if cell == 'lstm':
            inputs['c0'] = rand(layers * D, B, H).requires_grad_(True)
    if cell == 'lstm':
        out, (h_n, c_n) = m(x, (inputs['h0'], inputs['c0'])) if init else m(x)
        outputs = {'out': out, 'h_n': h_n, 'c_n': c_n}
    else:
        out, h_n = m(x, inputs['h0']) if init else m(x)
        outputs = {'out': out, 'h_n': h_n}
    named_params = list(m.named_parameters())
    upstream, loss, grads = backward_of(outputs, list(inputs.items()) + named_params)
    gates = {'lstm': 'i, f, g, o', 'gru': 'r, z, n (n = tanh(W_in x + b_in + r * (W_hn h + b_hn)): '
             'linear_before_reset = 1)', 'rnn': 'h = tanh(W_ih x + b_ih + W_hh h + b_hh)'}[cell]
    return {
        'kind': cell,
        'config': {'input_size': I, 'hidden_size': H, 'num_layers': layers, 'bidirectional': bidirectional,
                   'batch': B, 'time': T, 'initial_state': init, 'gate_order': gates,
                   'state_layout': '[num_layers * directions, batch, hidden], layer-major, forward before reverse'},
        'inputs': {k: tensor(v) for k, v in inputs.items()},
        'params': {k: tensor(v) for k, v in named_params},
        'outputs': {k: tensor(v) for k, v in outputs.items()},
        'upstream': {k: tensor(v) for k, v in upstream.items()},
        'grads': {k: tensor(v) for k, v in grads.items()}, 'loss': float(loss),
    }


# ------------------------------------------------------------------------------------------------------
# Losses: the output is the (mean) loss itself; grads are d loss / d input (no upstream).

def case_cross_entropy(name, masked):
    V = 7
    logits = rand(B, T, V, lo=-2, hi=2).requires_grad_(True)
    targets = torch.randint(0, V, (B, T))
    inputs = {'logits': tensor(logits), 'targets': None}
    if masked:
        lengths = [4, 2, 3]
        mask = torch.tensor([[1.0 if t < n else 0.0 for t in range(T)] for n in lengths])
        targets = torch.where(mask > 0, targets, torch.zeros_like(targets))  # padding id 0, as a loader pads
        ignored = torch.where(mask > 0, targets, torch.full_like(targets, -100))
        loss = F.cross_entropy(logits.reshape(-1, V), ignored.reshape(-1), ignore_index=-100)
        # The same mean written out, as the engine computes it: sum over real tokens / count of real tokens.
        logp = torch.log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        manual = -(logp * mask).sum() / mask.sum()
        assert torch.allclose(loss, manual, rtol=1e-12, atol=0), (loss, manual)
        inputs['mask'] = tensor(mask)
    else:
        loss = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
    inputs['targets'] = tensor(targets, integer=True)
    (g,) = torch.autograd.grad(loss, [logits])
    return {
        'kind': 'loss',
        'config': {'loss': 'cross_entropy', 'classes': V, 'batch': B, 'time': T, 'reduction': 'mean',
                   'masked': masked, **({'mask_meaning': '1 = real token, 0 = padding (ignored); mean over real tokens'}
                                        if masked else {})},
        'inputs': inputs, 'outputs': {'loss': tensor(loss)}, 'grads': {'logits': tensor(g)}, 'loss': float(loss),
    }


def case_bce(name):
    p = rand(B, T, lo=0.05, hi=0.95).requires_grad_(True)
    y = torch.randint(0, 2, (B, T)).double()
    loss = F.binary_cross_entropy(p, y)
    (g,) = torch.autograd.grad(loss, [p])
    return {
        'kind': 'loss', 'config': {'loss': 'binary_cross_entropy', 'input': 'probabilities', 'reduction': 'mean'},
        'inputs': {'p': tensor(p), 'y': tensor(y)}, 'outputs': {'loss': tensor(loss)},
        'grads': {'p': tensor(g)}, 'loss': float(loss),
    }


def case_mse(name):
    pred = rand(B, T, 2).requires_grad_(True)
    y = rand(B, T, 2)
    loss = F.mse_loss(pred, y)
    (g,) = torch.autograd.grad(loss, [pred])
    return {
        'kind': 'loss', 'config': {'loss': 'mse', 'reduction': 'mean'},
        'inputs': {'pred': tensor(pred), 'y': tensor(y)}, 'outputs': {'loss': tensor(loss)},
        'grads': {'pred': tensor(g)}, 'loss': float(loss),
    }


# ------------------------------------------------------------------------------------------------------
# Optimizers and clipping: params before, a gradient per step, params after every step.

STEPS = 3

STATE_NAMES = {'momentum_buffer', 'exp_avg', 'exp_avg_sq', 'square_avg', 'sum'}


def opt_params():
    return {'w': rand(4, 3).requires_grad_(True), 'b': rand(3).requires_grad_(True)}


def case_optim(name, opt_name, config):
    params = opt_params()
    before = {k: tensor(v) for k, v in params.items()}
    hyper = {k: v for k, v in config.items()}
    if 'betas' in hyper:
        hyper['betas'] = tuple(hyper['betas'])
    opt = {'sgd': torch.optim.SGD, 'adam': torch.optim.Adam, 'rmsprop': torch.optim.RMSprop,
           'adagrad': torch.optim.Adagrad}[opt_name](list(params.values()), **hyper)
    grads, after, state = [], [], []
    for _ in range(STEPS):
        g = {k: rand(*v.shape) for k, v in params.items()}
        for k, v in params.items():
            v.grad = g[k].clone()
        opt.step()
        grads.append({k: tensor(v) for k, v in g.items()})
        after.append({k: tensor(v) for k, v in params.items()})
        st = {}
        for k, v in params.items():
            for sk, sv in opt.state[v].items():
                if sk in STATE_NAMES and torch.is_tensor(sv):
                    st[k + '.' + sk] = tensor(sv)
        state.append(st)
    return {
        'kind': 'optim',
        'config': {'optimizer': opt_name, **config, 'steps': STEPS, 'grads': 'per_step',
                   'note': 'grads[k] is applied at step k+1; outputs[k] and state[k] are after step k+1'},
        'params': before, 'grads': grads, 'outputs': after, 'state': state,
    }


def case_clip(name):
    max_norm = 1.5
    params = opt_params()
    before = {k: tensor(v) for k, v in params.items()}
    grads, clipped, norms = [], [], []
    # Step 1 and 3 exceed max_norm (scaled down), step 2 is below it (left unchanged).
    for scale in (2.0, 0.3, 5.0):
        g = {k: rand(*v.shape) * scale for k, v in params.items()}
        for k, v in params.items():
            v.grad = g[k].clone()
        total = nn.utils.clip_grad_norm_(list(params.values()), max_norm)
        grads.append({k: tensor(v) for k, v in g.items()})
        out = {k: tensor(v.grad) for k, v in params.items()}
        out['total_norm'] = tensor(total)
        clipped.append(out)
        norms.append(float(total))
    assert norms[0] > max_norm and norms[1] < max_norm and norms[2] > max_norm, norms
    return {
        'kind': 'clip',
        'config': {'max_norm': max_norm, 'norm_type': 2, 'steps': STEPS, 'grads': 'per_step',
                   'rule': 'g * min(1, max_norm / (total_norm + 1e-6)), total_norm = L2 norm over all grads',
                   'note': 'outputs[k] holds the clipped grads of grads[k] and total_norm (before clipping); params are not changed'},
        'params': before, 'grads': grads, 'outputs': clipped,
    }


# ------------------------------------------------------------------------------------------------------

def all_cases():
    cases = [
        ('embedding', case_embedding, ()),
        ('linear', case_linear, ('none',)),
        ('linear_tanh', case_linear, ('tanh',)),
        ('linear_sigmoid', case_linear, ('sigmoid',)),
        ('linear_relu', case_linear, ('relu',)),
        ('layer_norm', case_layer_norm, ()),
    ]
    for score in ('dot', 'general', 'additive'):
        for masked in (False, True):
            cases.append((f'attention_{score}' + ('_masked' if masked else ''), case_attention, (score, masked)))
    for cell in ('lstm', 'gru', 'rnn'):
        for init in (False, True):
            for layers, bi in ((1, False), (2, False), (1, True), (2, True)):
                name = f'{cell}_l{layers}' + ('_bi' if bi else '') + ('_init' if init else '')
                cases.append((name, case_recurrent, (cell, layers, bi, init)))
    cases += [
        ('loss_cross_entropy', case_cross_entropy, (False,)),
        ('loss_cross_entropy_masked', case_cross_entropy, (True,)),
        ('loss_bce', case_bce, ()),
        ('loss_mse', case_mse, ()),
        ('optim_sgd', case_optim, ('sgd', {'lr': 0.1, 'momentum': 0.9, 'dampening': 0.0, 'weight_decay': 1e-5,
                                           'nesterov': False})),
        ('optim_adam', case_optim, ('adam', {'lr': 0.1, 'betas': [0.9, 0.999], 'eps': 1e-8, 'weight_decay': 0.0,
                                             'amsgrad': False})),
        ('optim_rmsprop', case_optim, ('rmsprop', {'lr': 0.01, 'alpha': 0.99, 'eps': 1e-8, 'weight_decay': 0.0,
                                                   'momentum': 0.0, 'centered': False})),
        ('optim_adagrad', case_optim, ('adagrad', {'lr': 0.1, 'lr_decay': 0.0, 'weight_decay': 0.0,
                                                   'initial_accumulator_value': 0.0, 'eps': 1e-10})),
        ('clip_global_norm', case_clip, ()),
    ]
    return cases


def render(name, fn, args):
    torch.manual_seed(seed_for(name))
    body = fn(name, *args)
    doc = {'case': name, 'kind': body.pop('kind'), 'seed': seed_for(name)}
    doc.update(body)
    return fmt(doc, 0) + '\n'


def fmt(v, depth):
    # One tensor per line keeps diffs readable without bloating the file with one number per line.
    pad = '  ' * (depth + 1)
    if isinstance(v, dict) and not ('shape' in v and 'data' in v) and v:
        items = [pad + json.dumps(k) + ': ' + fmt(x, depth + 1) for k, x in v.items()]
        return '{\n' + ',\n'.join(items) + '\n' + '  ' * depth + '}'
    if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
        return '[\n' + ',\n'.join(pad + fmt(x, depth + 1) for x in v) + '\n' + '  ' * depth + ']'
    return json.dumps(v, separators=(',', ':'), allow_nan=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--check', action='store_true', help='compare with the files on disk instead of writing')
    ap.add_argument('--out', default=OUT_DIR)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    differ = []
    for name, fn, a in all_cases():
        text = render(name, fn, a)
        path = os.path.join(args.out, name + '.json')
        if args.check:
            old = json.load(open(path, encoding='utf-8')) if os.path.exists(path) else None
            if not same(old, json.loads(text)):
                differ.append(name)
        else:
            with open(path, 'w', encoding='utf-8') as f:
                f.write(text)
    if args.check:
        if differ:
            print('differ from a fresh run: ' + ', '.join(differ), file=sys.stderr)
            sys.exit(1)
        print(f'all {len(all_cases())} fixtures match a fresh run (torch {torch.__version__})')
    else:
        print(f'wrote {len(all_cases())} fixtures to {os.path.normpath(args.out)} (torch {torch.__version__})')


def same(a, b, rel=1e-12):
    # Another BLAS (reference vs OpenBLAS) changes the last bits of a float64 gemm, so --check compares
    # numbers within 1e-12 relative instead of byte for byte; structure, ints and strings must be equal.
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], rel) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, rel) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= rel * max(1.0, abs(a), abs(b))
    return type(a) is type(b) and a == b


if __name__ == '__main__':
    main()
