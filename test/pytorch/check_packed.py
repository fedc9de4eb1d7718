"""layers.recurrent on masked batches (the packed path) against layers._stepped (the engine's rule, step by
step): prints, as JSON, the largest differences per case (output at every step, padded ones included; h_n;
c_n; the gradients of the weights, the input and the initial state, relative to their largest magnitude over 1), the same for deliberately wrong
padded-step fills (each must differ), and which path training-mode calls take. Argument: the folder of
layers.py (engine/pytorch/py)."""
import json
import os
import sys

os.environ.setdefault('OMP_NUM_THREADS', '1')
import torch  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(1)
sys.path.insert(0, sys.argv[1])
import layers  # noqa: E402

B, T, F, H = 7, 9, 5, 6
STEPPED = layers._stepped
FILLED = layers._filled


def masks():
    """Rows padded at the front (right-aligned), at the back, and a batch mixing both with full rows and
    one-step rows. Every row has a real step."""
    front = torch.zeros(B, T)
    back = torch.zeros(B, T)
    for b, n in enumerate([9, 1, 4, 7, 2, 5, 3]):
        front[b, T - n:] = 1
        back[b, :n] = 1
    mixed = torch.zeros(B, T)
    for b, (s, n) in enumerate([(0, 9), (5, 4), (0, 3), (8, 1), (0, 1), (2, 7), (3, 4)]):
        mixed[b, s:s + n] = 1  # (3, 4): real steps in the middle, padded on both sides
    return {'front': front, 'back': back, 'mixed': mixed}


def module(cell, num_layers, bidirectional, nonlinearity='tanh'):
    torch.manual_seed(1)
    kw = {'nonlinearity': nonlinearity} if cell is nn.RNN else {}
    return cell(F, H, num_layers=num_layers, batch_first=True, bidirectional=bidirectional, **kw)


def run(m, mask, with_init, path, with_state=True):
    """Output, state and gradients of one weighted sum of everything recurrent returns, by `path`:
    'packed' (layers.recurrent over packed rows, with _stepped made to raise), 'aligned' (layers.recurrent's
    CPU training path for one direction: rows moved to the left), 'aligned, no state' (the same when the
    caller reads no state: only the output counts) or 'stepped' (the reference)."""
    torch.manual_seed(2)
    x = torch.randn(B, T, F, requires_grad=True)
    D = 2 if m.bidirectional else 1
    L = m.num_layers * D
    lstm = isinstance(m, nn.LSTM)
    init = None
    if with_init:
        init = layers._state(torch.randn(L, B, H).requires_grad_(), torch.randn(L, B, H).requires_grad_() if lstm else None, D)
    wo, wh, wc = torch.randn(B, T, D * H), torch.randn(L, B, H), torch.randn(L, B, H)
    if not with_state:
        wh, wc = wh * 0, wc * 0
    m.zero_grad()
    no_state = path == 'aligned, no state'
    if path == 'stepped':
        h0, c0 = (init[0], init[1] if lstm else None) if init is not None else (None, None)
        out, st = STEPPED(m, x, mask, h0, c0, None, lstm, D)
    else:
        layers.ALIGN_ON_CPU = path.startswith('aligned')
        out, st = layers.recurrent(m, x, mask, init, None, state=not no_state)
        layers.ALIGN_ON_CPU = True
    if no_state:
        assert st is None
        st = [torch.zeros(L, B, H)] * 2
    loss = (out * wo).sum() + (st[0] * wh).sum() + ((st[1] * wc).sum() if lstm else 0)
    loss.backward()
    grads = {n: p.grad.clone() for n, p in m.named_parameters()}
    grads['input'] = x.grad.clone()
    if init is not None:
        grads['init h'] = init[0].grad.clone()
        if lstm:
            grads['init c'] = init[1].grad.clone()
    return out.detach(), [s.detach() for s in st], grads


def diff(a, b):
    return (a - b).abs().max().item()


def rel(a, b):
    """Relative to the reference's largest magnitude where it is over 1 (a gradient sums B * T terms)."""
    return diff(a, b) / max(1.0, b.abs().max().item())


def compare(m, mask, with_init, path='packed'):
    if path == 'aligned, no state':
        return compare_outputs(m, mask, with_init)
    want = run(m, mask, with_init, 'stepped')
    got = run(m, mask, with_init, path)
    r = {'out': diff(got[0], want[0]), 'h_n': diff(got[1][0], want[1][0]), 'grad': max(rel(got[2][k], want[2][k]) for k in want[2])}
    if len(want[1]) > 1:
        r['c_n'] = diff(got[1][1], want[1][1])
    r['grads compared'] = len(want[2])
    return r


def compare_outputs(m, mask, with_init):
    """The output alone (the caller reads no state): the loss without the state's terms, aligned against stepped."""
    want = run(m, mask, with_init, 'stepped', with_state=False)
    got = run(m, mask, with_init, 'aligned, no state', with_state=False)
    return {'out': diff(got[0], want[0]), 'h_n': 0.0, 'c_n': 0.0, 'grad': max(rel(got[2][k], want[2][k]) for k in want[2]), 'grads compared': len(want[2])}


def refuse(*a, **k):
    raise AssertionError('_stepped was called')


report = {'cases': {}, 'aligned': {}, 'wrong fills': {}, 'paths': {}}
layers._stepped = refuse
for cell in (nn.LSTM, nn.GRU, nn.RNN):
    for num_layers in (1, 2):
        for bi in (False, True):
            for with_init in (False, True):
                for pad, mask in masks().items():
                    m = module(cell, num_layers, bi).eval()
                    name = f'{cell.__name__} layers={num_layers}{" bidirectional" if bi else ""}{" init" if with_init else ""} {pad}'
                    report['cases'][name] = compare(m, mask, with_init)
                    if not bi:
                        report['aligned'][name] = compare(m, mask, with_init, 'aligned')
                        report['aligned'][f'{name}, no state'] = compare(m, mask, with_init, 'aligned, no state')
# relu rnn; a 2-layer lstm with dropout in eval mode (inactive: packed).
report['cases']['RNN relu layers=2 bidirectional init mixed'] = compare(module(nn.RNN, 2, True, 'relu').eval(), masks()['mixed'], True)
m = nn.LSTM(F, H, num_layers=2, batch_first=True, bidirectional=True, dropout=0.5).eval()
report['cases']['LSTM layers=2 dropout=0.5 eval bidirectional init mixed'] = compare(m, masks()['mixed'], True)
# A row with no real step keeps the initial state (the engine's rule), though the data never makes one.
empty = masks()['back']
empty[3] = 0
report['cases']['LSTM layers=2 bidirectional init back, a row without real steps'] = compare(module(nn.LSTM, 2, True).eval(), empty, True)
report['cases']['GRU layers=1 bidirectional back, a row without real steps'] = compare(module(nn.GRU, 1, True).eval(), empty, False)


# The comparison catches a wrong padded-step fill: each of these must differ from _stepped.
def zero_fill(module, out, state, *a, **k):
    return out, state  # pad_packed_sequence's zeros at padded steps


def swapped_fill(module, out, state, steps, start, end, h0, c0, directions, empty_rows=False):
    return FILLED(module, out, state, steps, end, start, h0, c0, directions, empty_rows)  # before and after swapped


def reverse_as_forward(module, out, state, steps, start, end, h0, c0, directions, empty_rows=False):
    # The reverse direction filled like the forward one (initial state before, final after).
    h = state[0]
    top = (module.num_layers - 1) * directions
    fill0 = h0[top:top + directions].permute(1, 0, 2).reshape(out.shape[0], -1)
    fill1 = h[top:top + directions].permute(1, 0, 2).reshape(out.shape[0], -1)
    out = torch.where((steps < start[:, None])[:, :, None], fill0[:, None], out)
    out = torch.where((steps >= end[:, None])[:, :, None], fill1[:, None], out)
    return out, state


for wrong, fill in (('zeros', zero_fill), ('before and after swapped', swapped_fill), ('reverse filled as forward', reverse_as_forward)):
    layers._filled = fill
    m = module(nn.LSTM, 2, True).eval()
    report['wrong fills'][wrong] = compare(m, masks()['mixed'], True)
layers._filled = FILLED

# CPU training in one direction, no state read: the module runs once over the rows moved left, never packed.
PACKED = layers._packed
layers._packed = lambda *a: (_ for _ in ()).throw(AssertionError('_packed was called'))
try:
    m = nn.LSTM(F, H, num_layers=2, batch_first=True, dropout=0.5).train()
    out, st = layers.recurrent(m, torch.randn(B, T, F), masks()['front'], None, None, state=False)
    out.sum().backward()
    report['paths']['train on the CPU, one direction, no state read'] = 'aligned' if st is None else 'a state came back'
except AssertionError as e:
    report['paths']['train on the CPU, one direction, no state read'] = str(e)
layers._packed = PACKED

# Training mode: without noise, dropout between layers is nn.LSTM's own (a fused kernel, _stepped still
# raises); with the engine's noise and no dropout between layers, fused too; noise with dropout: stepped.
torch.manual_seed(3)
x = torch.randn(B, T, F)
try:
    m = nn.LSTM(F, H, num_layers=2, batch_first=True, dropout=0.5).train()
    out, _ = layers.recurrent(m, x, masks()['mixed'], None, None)
    out.sum().backward()
    report['paths']['train, dropout, no noise'] = 'fused'
except AssertionError as e:
    report['paths']['train, dropout, no noise'] = str(e)
calls = []


def noise(shape):
    calls.append(shape)
    return torch.rand(shape)


for name, m in (('train, noise, no dropout', nn.GRU(F, H, num_layers=2, batch_first=True).train()),
                ('train, noise, dropout in one layer (none between layers)', nn.LSTM(F, H, batch_first=True, dropout=0.5).train())):
    try:
        layers.recurrent(m, x, masks()['front'], None, noise)
        report['paths'][name] = 'fused'
    except AssertionError as e:
        report['paths'][name] = str(e)
layers._stepped = STEPPED
# A row with two runs of real steps (no data makes one) is stepped, and equals the engine's rule.
holes = masks()['mixed']
holes[0, 4] = 0
stepped = []
layers._stepped = lambda *a: stepped.append(1) or STEPPED(*a)
report['cases']['LSTM layers=2 bidirectional init, a row with two runs of real steps'] = compare(module(nn.LSTM, 2, True).eval(), holes, True)
report['paths']['a row with two runs of real steps'] = 'stepped' if stepped else 'fused'
layers._stepped = STEPPED
m = nn.LSTM(F, H, num_layers=2, batch_first=True, dropout=0.5).train()
layers.recurrent(m, x, masks()['back'], None, noise)
report['paths']['train, noise, dropout between layers'] = 'stepped' if calls == [(B, T, H)] else f'noise drawn {calls}'
print(json.dumps(report))
