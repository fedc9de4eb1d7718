"""What the generated model.py uses beside torch.nn: the engine's semantics where plain PyTorch has none.

- recurrent(): nn.LSTM/GRU/RNN over a padded batch, where a padded step keeps the state (the engine's rule,
  so the final state and last() are each row's last real step, front or back padding alike);
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


def recurrent(module, x, mask=None, init=None, noise=None):
    """Runs an nn.LSTM/GRU/RNN (batch_first) with the engine's semantics.

    Without a mask or test noise this is the module itself (cuDNN's fused kernel on a GPU). With a mask, each
    layer and direction is stepped here, a padded step keeping the previous state.
    """
    lstm = isinstance(module, nn.LSTM)
    directions = 2 if module.bidirectional else 1
    h0 = c0 = None
    if init is not None:
        h0 = init[0]
        c0 = init[1] if lstm and len(init) > 1 else None
    if mask is None and (noise is None or module.dropout == 0 or not module.training):
        hx = None if h0 is None else ((h0, c0) if lstm else h0)
        out, hn = module(x, hx)
        h, c = (hn if lstm else (hn, None))
        return out, _state(h, c, directions)
    return _stepped(module, x, mask, h0, c0, noise, lstm, directions)


def _stepped(module, x, mask, h0, c0, noise, lstm, directions):
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
