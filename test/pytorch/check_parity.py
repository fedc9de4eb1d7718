"""Runs a generated PyTorch export on the engine's weights and batch (written by parity.test.ts) and prints,
as JSON, how far its forward outputs, loss and one step's updated weights are from the engine's."""
import importlib
import json
import os
import sys

os.environ.setdefault('OMP_NUM_THREADS', '1')
import torch  # noqa: E402

torch.set_num_threads(1)
here = sys.argv[1]
sys.path.insert(0, here)
rf = importlib.import_module('run_format')
mod = importlib.import_module('model')
step = importlib.import_module('step')
meta = json.load(open(os.path.join(here, 'meta.json')))
_, weights = rf.read_checkpoint(os.path.join(here, 'weights.bin'))
_, data = rf.read_checkpoint(os.path.join(here, 'batch.bin'))
_, expect = rf.read_checkpoint(os.path.join(here, 'expect.bin'))

batch = {}
for k, v in data.items():
    if k.startswith('batch/'):
        name = k[len('batch/'):]
        t = torch.from_numpy(v)
        batch[name] = t.long() if name in meta['ints'] else t
mask = torch.from_numpy(data['mask']) if 'mask' in data else None

model = getattr(mod, meta['className'])()
rf.load_weights(model, weights, mod.RENAMED)


def err(a, b):
    a, b = a.detach().double(), torch.from_numpy(b).double()
    if tuple(a.shape) != tuple(b.shape):
        return {'shape': [list(a.shape), list(b.shape)]}
    if a.numel() == 0:
        return {'abs': 0.0, 'rel': 0.0}
    # rel: norm-wise, ||a - b|| / ||b||. Element-wise it would be noise: Adam's first step moves each weight
    # by about lr * sign(grad), so a gradient component near eps moves by float32 rounding (PyTorch float32
    # and float64 differ as much there as the engine and PyTorch do).
    return {'abs': (a - b).abs().max().item(), 'rel': ((a - b).norm() / max(b.norm().item(), 1e-12)).item()}


report = {'forward': {}, 'next': {}}
model.eval()
with torch.no_grad():
    out = model(batch, mask)
for name, t in out.items():
    if 'out/' + name in expect:
        report['forward'][name] = err(t, expect['out/' + name])
# The metrics of the same batch: (sum, count) as the engine's forward graph gives them.
report['metrics'] = {}
if hasattr(step, 'metric_terms'):
    with torch.no_grad():
        for k, (s, c) in step.metric_terms(out, batch, mask).items():
            report['metrics'][k] = [[float(s), float(c)], [float(v) for v in expect['out/metric/' + k].reshape(-1)]]

if 'loss' in expect and hasattr(step, 'train_step'):
    noise = [torch.from_numpy(data[k]) for k in sorted((k for k in data if k.startswith('rng/')), key=lambda k: int(k[4:]))]

    def draw(shape):
        u = noise.pop(0)
        assert tuple(u.shape) == tuple(shape), f'dropout noise {tuple(u.shape)} for a tensor of shape {tuple(shape)}'
        return u

    model.noise = draw
    opt = step.make_optimizer(model)
    loss = step.train_step(model, opt, batch, mask)
    report['loss'] = [loss, float(expect['loss'].reshape(-1)[0])]
    report['noise_left'] = len(noise)
    for key, p in model.state_dict().items():
        name = 'next/' + rf.engine_name(key, mod.RENAMED)
        report['next'][name] = err(p, expect[name])
print(json.dumps(report))
