"""Unroll's checkpoint files (engine/runs/checkpoint.ts), read and written without Node.

Layout (little-endian): 8 bytes "UNRLCKP1", a u32 header length, the UTF-8 JSON header, zero padding to a
multiple of 4, then each tensor's float32 data at the header's byte offset from the start of the data.
Tensors are named `param/<parameter>` and `opt/<parameter>/<slot>` (PyTorch's optimizer state names).
"""
import json
import struct

import numpy as np
import torch

MAGIC = b'UNRLCKP1'


def read_checkpoint(path):
    """The header (epoch, step, stepInEpoch, meta) and the tensors by name, as float32 numpy arrays."""
    with open(path, 'rb') as f:
        buf = f.read()
    if buf[:8] != MAGIC:
        raise ValueError(f'{path}: not an Unroll checkpoint (wrong magic bytes)')
    try:
        (n,) = struct.unpack_from('<I', buf, 8)
        header = json.loads(buf[12:12 + n].decode('utf-8'))
        start = 12 + n + (-(12 + n) % 4)
        tensors = {}
        for e in header['tensors']:
            data = np.frombuffer(buf, dtype='<f4', count=e['length'], offset=start + e['offset'])
            tensors[e['name']] = data.reshape(e['dims']).copy()
        if not isinstance(header.get('step'), int):
            raise KeyError('step')
    except (struct.error, ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        raise ValueError(f'{path}: a truncated or damaged Unroll checkpoint ({type(e).__name__}: {e})') from None
    return header, tensors


def write_checkpoint(path, tensors, epoch, step, step_in_epoch=0, meta=None):
    """Writes `tensors` (name -> array or tensor) in the checkpoint layout, to `path` as it is."""
    entries, blobs, offset = [], [], 0
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy() if torch.is_tensor(t) else t, dtype='<f4')
        entries.append({'name': name, 'dims': list(a.shape), 'offset': offset, 'length': int(a.size)})
        blobs.append(a.tobytes())
        offset += a.size * 4
    header = {'version': 1, 'epoch': epoch, 'step': step, 'stepInEpoch': step_in_epoch, 'tensors': entries}
    if meta is not None:
        header['meta'] = meta
    js = json.dumps(header).encode('utf-8')
    pre = 12 + len(js)
    with open(path, 'wb') as f:
        f.write(MAGIC + struct.pack('<I', len(js)) + js + b'\0' * (-pre % 4))
        for b in blobs:
            f.write(b)


def engine_name(key, renamed):
    """A state_dict key (`dense__1.weight`) as the engine names the parameter (`dense#1.weight`)."""
    module, _, rest = key.partition('.')
    return f'{renamed.get(module, module)}.{rest}'


def load_weights(model, tensors, renamed):
    """Copies every `param/<name>` of a checkpoint into the model; a missing or extra one is an error."""
    state = {}
    for key, value in model.state_dict().items():
        name = 'param/' + engine_name(key, renamed)
        if name not in tensors:
            raise KeyError(f'the checkpoint has no {name} (the model has {key})')
        if tuple(tensors[name].shape) != tuple(value.shape):
            raise ValueError(f'{name}: the checkpoint has shape {tensors[name].shape}, the model {tuple(value.shape)}')
        state[key] = torch.from_numpy(tensors[name]).to(value.dtype)
    extra = {n for n in tensors if n.startswith('param/')} - {'param/' + engine_name(k, renamed) for k in state}
    if extra:
        raise KeyError(f'the checkpoint has parameters the model does not: {sorted(extra)[:5]}')
    model.load_state_dict(state)
