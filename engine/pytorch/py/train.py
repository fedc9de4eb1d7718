"""Trains the exported experiment in PyTorch, in one process or many under torchrun
(DistributedDataParallel: NCCL on GPUs, gloo on CPUs), and writes the run in Unroll's format, so Unroll's
loss panel, predict, sample, export and train --resume read it like one of its own.

    python3 train.py                          # one process
    torchrun --nproc_per_node 4 train.py      # four processes on this machine

Every process reads the same global batches (data.py: the engine's batches, epoch by epoch) and takes its
share of each batch's rows; the gradients are averaged over processes, and each loss is the sum over the
process's rows divided by the whole batch's count, so N processes take the steps one process takes.
Only rank 0 writes the run.
"""
import argparse
import datetime
import json
import math
import os
import shutil
import sys
import time

import torch
import torch.distributed as dist

import data as data_mod
import layers as layers_mod
import model as model_mod
import run_format
import step

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args(cfg):
    p = argparse.ArgumentParser(description=f'Train {cfg["experiment"]} with PyTorch; the run goes to RUNS/{cfg["experiment"]}/<run id>/.')
    p.add_argument('--runs', default=cfg['runs'], help='the runs folder of an Unroll workspace (default: the one the export came from)')
    p.add_argument('--epochs', type=int, default=cfg['epochs'])
    p.add_argument('--steps', type=int, default=cfg.get('steps'), help='stop after this many steps')
    p.add_argument('--weights', default=os.path.join(HERE, 'weights.bin') if os.path.exists(os.path.join(HERE, 'weights.bin')) else None,
                   help='start from these weights (an Unroll checkpoint); default: the exported run\'s')
    p.add_argument('--fresh', action='store_true', help='start from PyTorch\'s initial weights, not the exported run\'s')
    p.add_argument('--data', help='train on this data file instead of the one exported (read with the export\'s vocabulary)')
    return p.parse_args()


class Processes:
    """This process's place among torchrun's: rank, world size, device; one process without torchrun."""

    def __init__(self):
        self.world = int(os.environ.get('WORLD_SIZE', '1'))
        self.rank = int(os.environ.get('RANK', '0'))
        local = int(os.environ.get('LOCAL_RANK', '0'))
        cuda = torch.cuda.is_available()
        self.device = torch.device(f'cuda:{local}' if cuda else 'cpu')
        if cuda:
            torch.cuda.set_device(self.device)
        if self.world > 1:
            dist.init_process_group('nccl' if cuda else 'gloo')

    def share(self, n):
        """This rank's rows of a batch of n."""
        return slice(self.rank * n // self.world, (self.rank + 1) * n // self.world)

    def sum(self, t):
        if self.world > 1:
            dist.all_reduce(t)
        return t


def names_of(m):
    """Each parameter object -> its engine name (`enc.weight_ih_l0`, `dense#1.weight`)."""
    return {p: run_format.engine_name(k, model_mod.RENAMED) for k, p in m.named_parameters()}


def carried_tensors(m, procs):
    """carry_state: each layer's last state as the engine stores it (`state/<layer>/h`, [layers*dirs, batch,
    hidden]); with several processes, their rows gathered in rank order. Every rank calls it."""
    out = {}
    for layer, state in sorted((getattr(m, 'carried', None) or {}).items()):
        for field, t in zip('hc', state):
            if procs.world > 1:
                parts = [torch.empty_like(t) for _ in range(procs.world)]
                dist.all_gather(parts, t.contiguous())
                t = torch.cat(parts, dim=1)
            out[f'state/{layer}/{field}'] = t
    return out


def load_carried(m, tensors, procs, batch):
    """The carried state a checkpoint holds, this rank's rows of it."""
    if getattr(m, 'carried', None) is None:
        return
    rows = procs.share(batch)
    layers = sorted({k.split('/')[1] for k in tensors if k.startswith('state/')})
    for layer in layers:
        parts = [torch.from_numpy(tensors[f'state/{layer}/{f}'])[:, rows] for f in 'hc' if f'state/{layer}/{f}' in tensors]
        m.carried[layer] = layers_mod.State(parts)
        m.carried[layer].directions = 1


def save_checkpoint(run_dir, m, opt, epoch, step_no, step_in_epoch, loss, valid_loss, carried):
    tensors = dict(carried)
    names = names_of(m)
    for p, name in names.items():
        tensors['param/' + name] = p
    for p, state in opt.state.items():
        for slot, v in state.items():
            if torch.is_tensor(v) and v.shape == p.shape:
                tensors[f'opt/{names[p]}/{slot}'] = v
    file = f'checkpoint-{epoch + 1}-step{step_in_epoch}.bin' if step_in_epoch else f'checkpoint-{epoch}.bin'
    tmp = os.path.join(run_dir, file + '.tmp')
    run_format.write_checkpoint(tmp, tensors, epoch, step_no, step_in_epoch, {'trainer': 'pytorch'})
    os.replace(tmp, os.path.join(run_dir, file))
    pointer = {'file': file, 'epoch': epoch, 'step': step_no, 'stepInEpoch': step_in_epoch,
               'time': datetime.datetime.utcnow().isoformat(timespec='milliseconds') + 'Z', 'loss': loss}
    if valid_loss is not None:
        pointer['validLoss'] = valid_loss
    with open(os.path.join(run_dir, 'checkpoint.json.tmp'), 'w') as f:
        json.dump(pointer, f, indent=2)
    os.replace(os.path.join(run_dir, 'checkpoint.json.tmp'), os.path.join(run_dir, 'checkpoint.json'))


def load_start(m, opt, path, procs, batch):
    """The weights (and the optimizer's and carried state, when the checkpoint has them) of an Unroll
    checkpoint; returns its step."""
    header, tensors = run_format.read_checkpoint(path)
    load_carried(m, tensors, procs, batch)
    run_format.load_weights(m, tensors, model_mod.RENAMED)
    for p, name in names_of(m).items():
        slots = {k.split('/')[-1]: v for k, v in tensors.items() if k.startswith(f'opt/{name}/')}
        if slots:
            opt.state[p] = {k: torch.from_numpy(v).to(p.device) for k, v in slots.items()}
            opt.state[p]['step'] = torch.tensor(float(header['step']))
    return header['step']


def make_run_dir(experiment_dir):
    """A new run folder with a time-sortable id, as the engine names them (engine/runs/store.ts): a second
    run started in the same second gets -02, never an existing folder."""
    os.makedirs(experiment_dir, exist_ok=True)
    base = datetime.datetime.now().strftime('%Y%m%d-%H%M%S')
    for i in range(1, 10000):
        run_id = base if i == 1 else f'{base}-{i:02d}'
        try:
            os.mkdir(os.path.join(experiment_dir, run_id))
            return run_id, os.path.join(experiment_dir, run_id)
        except FileExistsError:
            continue
    raise RuntimeError(f'no free run id under {experiment_dir}')


def new_run(cfg, runs, procs, schedule):
    run_id, run_dir = make_run_dir(os.path.join(runs, cfg['experiment']))
    settings = dict(cfg['settings'], runId=run_id, created=datetime.datetime.utcnow().isoformat(timespec='milliseconds') + 'Z',
                    device=procs.device.type, trainer='pytorch', processes=procs.world, **schedule)
    with open(os.path.join(run_dir, 'settings.json'), 'w') as f:
        json.dump(settings, f, indent=2)
    for name in ('vocab.json', 'experiment.rnn'):
        shutil.copy(os.path.join(HERE, name), os.path.join(run_dir, name))
    return run_dir


class Figures:
    """An epoch's loss and metrics, summed over its batches (an epoch's figure is over all its tokens)."""

    def __init__(self, cfg):
        self.cfg, self.total, self.count, self.sums = cfg, 0.0, 0.0, {}

    def add(self, total, count, terms):
        self.total, self.count = self.total + float(total), self.count + float(count)
        for k, (s, c) in terms.items():
            a = self.sums.setdefault(k, [0.0, 0.0])
            a[0], a[1] = a[0] + float(s), a[1] + float(c)

    def loss(self):
        return self.total / self.count if self.count else None

    def metrics(self):
        out = {k: s / c for k, (s, c) in self.sums.items() if c}
        if 'perplexity' in self.cfg['metrics'] and self.cfg['loss'] == 'cross_entropy' and self.count:
            out['perplexity'] = math.exp(self.loss())
        return out


class Prediction:
    """A regression's prediction against its target on validation data, as the engine's loss panel plots it
    (engine/runtime/validation-plot.ts): the first `limit` values of feature 0 of every step, in data order."""

    def __init__(self, plot, limit=200):
        self.plot, self.limit, self.truth, self.predicted = plot, limit, [], []

    def add(self, out, batch):
        y, p = step.tensor(out, batch, self.plot['target']), step.tensor(out, batch, self.plot['output'])
        if p.numel() != y.numel() or len(self.truth) >= self.limit:
            return
        f = y.shape[-1] if y.dim() >= 3 else 1
        n = self.limit - len(self.truth)
        self.truth += y.reshape(-1)[::f][:n].tolist()
        self.predicted += p.reshape(-1)[::f][:n].tolist()

    def write(self, run_dir, run_id, epoch, step_no):
        if not self.truth:
            return
        figure = dict(runId=run_id, epoch=epoch, step=step_no, output=self.plot['output'], target=self.plot['target'], truth=self.truth, predicted=self.predicted)
        with open(os.path.join(run_dir, 'validation-prediction.json.tmp'), 'w') as f:
            json.dump(figure, f)
            f.write('\n')
        os.replace(os.path.join(run_dir, 'validation-prediction.json.tmp'), os.path.join(run_dir, 'validation-prediction.json'))


def validate(m, data, procs, cfg, plot=None):
    """The validation batches' loss and metrics; each batch starts from zeros, as the engine's do."""
    carried, m.carried = getattr(m, 'carried', None), None
    m.eval()
    fig = Figures(cfg)
    with torch.no_grad():
        for batch, mask, _ in data.valid_batches():
            batch = {k: v.to(procs.device) for k, v in batch.items()}
            mask = None if mask is None else mask.to(procs.device)
            out = m(batch, mask)
            fig.add(*step.loss_terms(out, batch, mask), step.metric_terms(out, batch, mask))
            if plot:
                plot.add(out, batch)
    m.train()
    m.carried = carried
    return fig


def load_data(args, procs):
    """The export's data (or --data's file), or the reason it cannot be read, said once, without a traceback."""
    try:
        d = data_mod.Data(HERE, args.data)
    except data_mod.loaders.DataError as e:
        if procs.rank == 0:
            print(f'error: {e}', file=sys.stderr, flush=True)
        sys.exit(2)
    if procs.rank == 0:
        for note in d.notes:
            print(f'note: {note}', flush=True)
    return d


def main():
    with open(os.path.join(HERE, 'train.json')) as f:
        cfg = json.load(f)
    args = parse_args(cfg)
    procs = Processes()
    torch.manual_seed(cfg['seed'] + procs.rank)  # dropout masks differ per process, as their rows do
    m = getattr(model_mod, cfg['className'])().to(procs.device)
    if cfg.get('carryState'):
        m.carried = {}  # carry_state: each batch starts from the state the last one ended with
    opt = step.make_optimizer(m)
    data = load_data(args, procs)
    start = load_start(m, opt, args.weights, procs, data.batch_size) if args.weights and not args.fresh else 0
    net = torch.nn.parallel.DistributedDataParallel(m) if procs.world > 1 else m
    schedule = {'epochs': args.epochs, 'steps': args.steps, 'stepsPerEpoch': data.steps_per_epoch()}
    run_dir = new_run(cfg, args.runs, procs, schedule) if procs.rank == 0 else None
    metrics = open(os.path.join(run_dir, 'metrics.jsonl'), 'a') if run_dir else None
    if run_dir:
        print(run_dir, flush=True)
    step_no, per_epoch = start, data.steps_per_epoch()
    # A checkpoint's step says where its run stopped: go on from there (the batches it had, skipped).
    first, skip = divmod(start, per_epoch) if per_epoch else (0, 0)
    for epoch in range(first, args.epochs):
        t0, fig, in_epoch = time.time(), Figures(cfg), skip
        for batch, mask, tokens in data.train_batches(epoch + 1):  # the engine numbers its first epoch 1
            if skip:
                skip -= 1
                continue
            if args.steps is not None and step_no >= args.steps:
                break
            ts = time.time()
            rows = procs.share(next(iter(batch.values())).shape[0])
            local = {k: v[rows].to(procs.device) for k, v in batch.items()}
            local_mask = None if mask is None else mask[rows].to(procs.device)
            out = net(local, local_mask)
            total, count = step.loss_terms(out, local, local_mask)
            with torch.no_grad():
                terms = step.metric_terms(out, local, local_mask)
            names = sorted(terms)
            sums = procs.sum(torch.stack([total.detach(), count.detach().to(total.dtype), *[v.to(total.dtype) for k in names for v in terms[k]]]))
            loss = total / sums[1].clamp(min=1) * procs.world  # DDP averages the gradients over processes
            opt.zero_grad()
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(m.parameters(), cfg['clip'] if cfg.get('clip') else float('inf'))
            opt.step()
            step_no, in_epoch = step_no + 1, in_epoch + 1
            value = (sums[0] / sums[1].clamp(min=1)).item()
            fig.add(sums[0], sums[1], {k: (sums[2 + 2 * i], sums[3 + 2 * i]) for i, k in enumerate(names)})
            if metrics:
                ms = (time.time() - ts) * 1000
                metrics.write(json.dumps({'kind': 'step', 'epoch': epoch + 1, 'step': step_no, 'loss': value, 'tokens': tokens,
                                          'tokensPerSec': tokens / max(ms / 1000, 1e-9), 'ms': ms, 'lr': cfg['lr'],
                                          'time': int(time.time() * 1000), 'gradNorm': norm.item()}) + '\n')
                metrics.flush()
        partial = in_epoch < per_epoch
        carried = carried_tensors(m, procs)
        plot = Prediction(cfg['plot']) if cfg.get('plot') else None
        valid = validate(m, data, procs, cfg, plot) if procs.rank == 0 else None
        if plot and run_dir:
            plot.write(run_dir, os.path.basename(run_dir), epoch + 1, step_no)
        valid_loss = valid.loss() if valid else None
        train_loss = fig.loss()
        if metrics:
            line = {'kind': 'epoch', 'epoch': epoch + 1, 'step': step_no, 'trainLoss': train_loss, 'train': fig.metrics(),
                    'seconds': time.time() - t0, 'time': int(time.time() * 1000)}
            if partial:
                line['partial'] = True
            if valid_loss is not None:
                line.update(validLoss=valid_loss, valid=valid.metrics())
            metrics.write(json.dumps(line) + '\n')
            metrics.flush()
            save_checkpoint(run_dir, m, opt, epoch if partial else epoch + 1, step_no, in_epoch if partial else 0, train_loss, valid_loss, carried)
        if procs.world > 1:
            dist.barrier()
        if partial:
            break
    if procs.world > 1:
        dist.destroy_process_group()


if __name__ == '__main__':
    main()
