"""What the generated model.py uses beside torch.nn: the engine's semantics where plain PyTorch has none.

- recurrent(): nn.LSTM/GRU/RNN over a padded batch, where a padded step keeps the state (the engine's rule,
  so the final state and last() are each row's last real step, front or back padding alike), run over the
  packed rows (pack_padded_sequence: the fused kernels, cuDNN on a GPU);
- last_step(), masked_mean/max/sum(): over the real steps only;
- dropout(): inverted dropout, with optional given noise (tests draw the engine's masks);
- Attention: dot, general (Luong) and additive (Bahdanau) scores; padded source steps get no weight.
"""
import torch
from torch import nn


def dropout(x, p, training, noise=None):
    """Inverted dropout as PyTorch does it; `noise(shape)` (tests) gives the uniforms the mask is drawn from."""
    if not training or p <= 0:
        return x
    u = noise(tuple(x.shape)) if noise is not None else torch.rand_like(x)
    return x * (u < 1 - p).to(x.dtype) / (1 - p)


def state_field(state, field):
    """`enc.h` / `enc.c`: the top layer's forward-direction state, [batch, hidden] (PyTorch's h_n order).
    A state is (h_n, c_n) for an lstm, (h_n,) for a gru or rnn."""
    t = state[0] if field == 'h' else state[1]
    return t[-2] if getattr(state, 'directions', 1) == 2 else t[-1]


class State(tuple):
    """(h_n, c_n) or (h_n,) with the layer's direction count, so state_field finds the top forward h."""
    directions = 1


def detached(state):
    """A state cut from the graph that made it (carry_state: the next batch starts from its values)."""
    return _state(state[0].detach(), state[1].detach() if len(state) > 1 else None, getattr(state, 'directions', 1))


def _state(h, c, directions):
    s = State((h, c) if c is not None else (h,))
    s.directions = directions
    return s


def recurrent(module, x, mask=None, init=None, noise=None, state=True):
    """Runs an nn.LSTM/GRU/RNN (batch_first) with the engine's semantics: a padded step keeps the state.

    Without a mask this is the module itself; with one, the module runs over the packed rows (_packed). Either
    way it is PyTorch's fused kernel (cuDNN on a GPU). Training on the CPU in one direction runs the module over
    the rows moved to the left instead (_aligned): PyTorch's CPU backward through a packed output costs a
    full-size zero tensor per time step (20 s for a batch of 50 x 200 steps). `state`: whether the caller
    reads the final state (False: None is returned for it). The module is stepped here in Python (_stepped),
    one layer, direction and step at a time, only where packing cannot say what the engine does:
    - given dropout noise (tests: the engine's masks) in training, with dropout between layers: nn.LSTM
      draws its own masks there, masked or not;
    - a mask with more than one run of real steps in a row (the data's batches never have one: rows are
      padded at the front or at the back), or a batch of no rows.
    """
    lstm = isinstance(module, nn.LSTM)
    directions = 2 if module.bidirectional else 1
    h0 = c0 = None
    if init is not None:
        h0 = init[0]
        c0 = init[1] if lstm and len(init) > 1 else None
    if noise is not None and module.training and module.dropout > 0 and module.num_layers > 1:
        return _stepped(module, x, mask, h0, c0, noise, lstm, directions)
    if mask is None:
        return _run(module, x, h0, c0, lstm, directions)
    if ALIGN_ON_CPU and directions == 1 and not x.is_cuda and torch.is_grad_enabled():
        aligned = _aligned(module, x, mask, h0, c0, lstm, state)
        if aligned is not None:
            return aligned
    packed = _packed(module, x, mask, h0, c0, lstm, directions)
    return packed if packed is not None else _stepped(module, x, mask, h0, c0, noise, lstm, directions)


# Tests turn it off to check the packed path on the CPU too.
ALIGN_ON_CPU = True


def _runs(mask):
    """Each row's real steps as one run: (start, end, lengths and starts on the CPU), or None when a row has
    more than one run of real steps."""
    B, T = mask.shape
    real = mask > 0
    steps = torch.arange(T, device=mask.device)
    length = real.sum(dim=1)
    start = (real.cumsum(dim=1) == 0).sum(dim=1)  # padded steps before the first real one
    end = start + length
    one_run = (((steps >= start[:, None]) & (steps < end[:, None])) == real).all()
    # One transfer: pack_padded_sequence takes the lengths on the CPU.
    host = torch.cat([length, start, one_run.long().view(1)]).cpu()
    if not bool(host[-1]):
        return None
    return steps, start, end, host[:B], host[B:2 * B]


def _aligned(module, x, mask, h0, c0, lstm, state):
    """One direction, every row's real steps moved to the left, the module run over the whole width: each
    row's outputs at its real steps are exact (the padding comes after them); its final state is the output
    at its last real step, and the padded steps are filled as _filled does. A state the caller reads (every
    layer's, and an LSTM's c) comes from the packed run's (_packed), whose backward without an output
    gradient is cheap. None where a row's real steps are not one run."""
    runs = _runs(mask) if x.shape[0] else None
    if runs is None:
        return None
    steps, start, end, lengths, starts = runs
    if bool((lengths == x.shape[1]).all()):
        return _run(module, x, h0, c0, lstm, 1)
    front = bool(starts.any())
    out, _ = _run(module, _to_left(x, start, steps) if front else x, h0, c0, lstm, 1)
    B, _, H = out.shape
    final = out.gather(1, (end - start - 1).clamp(min=0)[:, None, None].expand(B, 1, H))[:, 0]
    if front:
        out = _back(out, start, steps)
    init = h0[-1] if h0 is not None else torch.zeros_like(final)
    out = torch.where((steps < start[:, None])[:, :, None], init[:, None], out)
    out = torch.where((steps >= end[:, None])[:, :, None], final[:, None], out)
    return out, (_packed(module, x, mask, h0, c0, lstm, 1, runs)[1] if state else None)


def _to_left(x, start, steps):
    """Each row's real steps first (a row padded at the front moved to the left)."""
    B, T, F = x.shape
    return x.gather(1, (start[:, None] + steps).clamp(max=T - 1)[:, :, None].expand(B, T, F))


def _back(out, start, steps):
    """_to_left undone: each row's steps back where its real steps were."""
    B, T, H = out.shape
    return out.gather(1, (steps - start[:, None]).clamp(min=0)[:, :, None].expand(B, T, H))


def _run(module, x, h0, c0, lstm, directions):
    """The module itself on x (a tensor or a PackedSequence)."""
    hx = None
    if h0 is not None:
        hx = (h0, c0 if c0 is not None else torch.zeros_like(h0)) if lstm else h0
    out, hn = module(x, hx)
    h, c = (hn if lstm else (hn, None))
    return out, _state(h, c, directions)


def _packed(module, x, mask, h0, c0, lstm, directions, runs=None):
    """The module over each row's real steps, packed (pack_padded_sequence); None where a row's real steps
    are not one run. A row padded at the front is moved to the left first and its outputs moved back.
    `runs`: _runs(mask), when the caller has it already."""
    T = x.shape[1]
    runs = runs or (_runs(mask) if x.shape[0] else None)
    if runs is None:
        return None
    steps, start, end, lengths, starts = runs
    if bool((lengths == T).all()):
        return _run(module, x, h0, c0, lstm, directions)
    front = bool(starts.any())
    if front:
        x = _to_left(x, start, steps)
    # A row of no real step runs one step here (pack_padded_sequence needs a length >= 1) whose results
    # _filled replaces: its state stays the initial one, as the engine's.
    seq = nn.utils.rnn.pack_padded_sequence(x, lengths.clamp(min=1), batch_first=True, enforce_sorted=False)
    out, state = _run(module, seq, h0, c0, lstm, directions)
    out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=T)
    if front:
        out = _back(out, start, steps)
    return _filled(module, out, state, steps, start, end, h0, c0, directions, bool((lengths == 0).any()))


def _filled(module, out, state, steps, start, end, h0, c0, directions, empty_rows=False):
    """What the engine gives at padded steps, where a padded step keeps the state. Forward: the initial state
    before a row's real steps, its final state after them; reverse (which starts at the row's last real
    step): its initial state after them, its final state before them. Only the top layer's reach `out`; a
    lower layer's padded steps feed nothing (the next layer keeps its state there)."""
    h = state[0]
    if empty_rows:  # rows of no real step: every layer and direction keeps its initial state
        empty = (end == start)[None, :, None]
        h = torch.where(empty, h0 if h0 is not None else torch.zeros_like(h), h)
        if len(state) > 1:
            state = _state(h, torch.where(empty, c0 if c0 is not None else torch.zeros_like(h), state[1]), directions)
        else:
            state = _state(h, None, directions)
    top = (module.num_layers - 1) * directions
    init = [h0[top + d] if h0 is not None else torch.zeros_like(h[top]) for d in range(directions)]
    before = [init[0]] + ([h[top + 1]] if directions == 2 else [])
    after = [h[top]] + ([init[1]] if directions == 2 else [])
    out = torch.where((steps < start[:, None])[:, :, None], torch.cat(before, dim=1)[:, None], out)
    out = torch.where((steps >= end[:, None])[:, :, None], torch.cat(after, dim=1)[:, None], out)
    return out, state


def _stepped(module, x, mask, h0, c0, noise, lstm, directions):
    """The engine's rule, one layer, direction and step at a time in Python: only what packing cannot say
    (recurrent's docstring lists it); the reference the packed path is tested against."""
    B, T, _ = x.shape
    H = module.hidden_size
    hs, cs = [], []
    inp = x
    for layer in range(module.num_layers):
        outs = []
        for d in range(directions):
            k = layer * directions + d
            sfx = f'_l{layer}' + ('_reverse' if d == 1 else '')
            w_ih, w_hh = getattr(module, 'weight_ih' + sfx), getattr(module, 'weight_hh' + sfx)
            b_ih, b_hh = getattr(module, 'bias_ih' + sfx), getattr(module, 'bias_hh' + sfx)
            h = h0[k] if h0 is not None else x.new_zeros(B, H)
            c = (c0[k] if c0 is not None else x.new_zeros(B, H)) if lstm else None
            steps = [None] * T
            for t in (range(T - 1, -1, -1) if d == 1 else range(T)):
                h_new, c_new = _cell(module, inp[:, t], h, c, w_ih, w_hh, b_ih, b_hh)
                if mask is not None:
                    m = mask[:, t:t + 1] > 0
                    h_new = torch.where(m, h_new, h)
                    if lstm:
                        c_new = torch.where(m, c_new, c)
                h, c = h_new, c_new
                steps[t] = h
            outs.append(torch.stack(steps, dim=1))
            hs.append(h)
            if lstm:
                cs.append(c)
        inp = outs[0] if directions == 1 else torch.cat(outs, dim=2)
        if layer < module.num_layers - 1:
            inp = dropout(inp, module.dropout, module.training, noise)
    return inp, _state(torch.stack(hs), torch.stack(cs) if lstm else None, directions)


def _cell(module, x, h, c, w_ih, w_hh, b_ih, b_hh):
    if isinstance(module, nn.LSTM):
        i, f, g, o = (x @ w_ih.T + b_ih + h @ w_hh.T + b_hh).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c
    if isinstance(module, nn.GRU):
        xr, xz, xn = (x @ w_ih.T + b_ih).chunk(3, dim=1)
        hr, hz, hn = (h @ w_hh.T + b_hh).chunk(3, dim=1)
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        n = torch.tanh(xn + r * hn)
        return n + z * (h - n), None
    pre = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    return (torch.relu(pre) if module.nonlinearity == 'relu' else torch.tanh(pre)), None


def last_step(x, mask=None):
    """Each row's last real step: mask[t] * (1 - mask[t + 1]) picks it, for front and back padding.
    Without a mask every step is real: the final one."""
    if mask is None:
        return x[:, -1]
    nxt = torch.cat([mask[:, 1:], mask.new_zeros(mask.shape[0], 1)], dim=1)
    return (x * _mask_like(x, mask * (1 - nxt))).sum(dim=1)


def first_step(x, mask=None):
    """Each row's first real step: mask[t] * (1 - mask[t - 1]) (rows padded at the front start later)."""
    if mask is None:
        return x[:, 0]
    prev = torch.cat([mask.new_zeros(mask.shape[0], 1), mask[:, :-1]], dim=1)
    return (x * _mask_like(x, mask * (1 - prev))).sum(dim=1)


def _mask_like(x, mask):
    return mask.reshape(*mask.shape, *([1] * (x.dim() - 2)))


def masked_sum(x, mask=None):
    return x.sum(dim=1) if mask is None else (x * _mask_like(x, mask)).sum(dim=1)


def masked_mean(x, mask=None):
    if mask is None:
        return x.mean(dim=1)
    m = _mask_like(x, mask)
    return (x * m).sum(dim=1) / m.sum(dim=1)


def masked_max(x, mask=None):
    return x.amax(dim=1) if mask is None else (x + (_mask_like(x, mask) - 1) * 1e9).amax(dim=1)


class Attention(nn.Module):
    """Scores of each query step against every key step, a softmax over the keys, the weighted sum of values.

    dot: q.k; general: q W k (W [f_q, f_k]); additive: v . tanh(q W_q^T + k W_k^T) (Bahdanau, no biases).
    A [batch, f] query is one step. Padded key steps get -1e9 before the softmax (weight exactly 0).
    """

    def __init__(self, score, f_query, f_keys):
        super().__init__()
        self.score = score
        if score == 'general':
            self.W = nn.Parameter(torch.empty(f_query, f_keys))
            nn.init.uniform_(self.W, -f_query ** -0.5, f_query ** -0.5)
        elif score == 'additive':
            self.W_q = nn.Parameter(torch.empty(f_keys, f_query))
            self.W_k = nn.Parameter(torch.empty(f_keys, f_keys))
            self.v = nn.Parameter(torch.empty(f_keys))
            for p, fan in ((self.W_q, f_query), (self.W_k, f_keys), (self.v, f_keys)):
                nn.init.uniform_(p, -fan ** -0.5, fan ** -0.5)

    def forward(self, query, keys, values, mask=None):
        single = query.dim() == 2
        q = query.unsqueeze(1) if single else query
        if self.score == 'dot':
            scores = q @ keys.transpose(1, 2)
        elif self.score == 'general':
            scores = (q @ self.W) @ keys.transpose(1, 2)
        else:
            e = torch.tanh((q @ self.W_q.T).unsqueeze(2) + (keys @ self.W_k.T).unsqueeze(1))
            scores = e @ self.v
        if mask is not None:
            scores = scores + ((mask - 1) * 1e9).unsqueeze(1)
        w = torch.softmax(scores, dim=-1)
        ctx = w @ values
        return (ctx.squeeze(1), w.squeeze(1)) if single else (ctx, w)
