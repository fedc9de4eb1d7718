"""Trains the exported experiment in PyTorch, in one process or many under torchrun
(DistributedDataParallel: NCCL on GPUs, gloo on CPUs), and writes the run in Unroll's format, so Unroll's
loss panel, predict, sample, export and train --resume read it like one of its own.

    python3 train.py                          # one process
    torchrun --nproc_per_node 4 train.py      # four processes on this machine

Every process reads the same global batches (data.py: the engine's batches, epoch by epoch) and takes its
share of each batch's rows; the gradients are averaged over processes, and each loss is the sum over the
process's rows divided by the whole batch's count, so N processes take the steps one process takes (dropout aside: each process draws its own masks).
Only rank 0 writes the run. Nothing is lost on the way: a checkpoint at every epoch's end and on a clock
inside one (checkpoint_every, 300 s by default), one where Ctrl-C or SIGTERM stops it, and a loss that becomes
NaN or infinite stops the run before its weights are saved.
"""
import argparse
import json
import math
import os
import signal
import sys
import time

try:
    import torch
    import torch.distributed as dist
except ImportError:
    sys.exit(f'error: train.py needs PyTorch, which {sys.executable} does not have.\n  fix: pip install torch (or apt-get install python3-torch on Debian)')

import data as data_mod
import layers as layers_mod
import model as model_mod
import progress
import run_format
import run_writer
import step

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args(cfg):
    p = argparse.ArgumentParser(description=f'Train {cfg["experiment"]} with PyTorch; the run goes to <runs>/{cfg["experiment"]}/<run id>/.')
    p.add_argument('--runs', help=f'the runs folder of an Unroll workspace (default: {cfg["runs"]}, the one the export came from)')
    p.add_argument('--epochs', type=int, default=cfg['epochs'], help=f'train to the end of this epoch (default: {cfg["epochs"]}, the train block\'s)')
    p.add_argument('--steps', type=int, default=cfg.get('steps'), help='stop after this many steps')
    p.add_argument('--weights', help='start from these weights (an Unroll checkpoint); default: the exported run\'s (weights.bin)')
    p.add_argument('--fresh', action='store_true', help='start from PyTorch\'s initial weights, not the exported run\'s')
    p.add_argument('--data', help='train on this data file instead of the one exported (read with the export\'s vocabulary)')
    a = p.parse_args()
    if a.steps is not None and a.steps < 1:
        p.error(f'--steps must be at least 1 (got {a.steps})')
    if a.epochs < 1:
        p.error(f'--epochs must be at least 1 (got {a.epochs})')
    if a.fresh and a.weights:
        p.error('--fresh starts from PyTorch\'s initial weights and --weights from a checkpoint: give one of them')
    if not a.fresh and not a.weights and os.path.exists(os.path.join(HERE, 'weights.bin')):
        a.weights = os.path.join(HERE, 'weights.bin')
    return a


def fail(procs, message, fix=None, code=2):
    """Ends every process with a message rank 0 prints: what is wrong and how to fix it, no traceback (code 0:
    nothing is wrong, there is nothing to do)."""
    if procs.rank == 0:
        print(('error: ' if code else '') + message + (f'\n  fix: {fix}' if fix else ''), file=sys.stderr, flush=True)
    sys.exit(code)


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

    def all_ok(self, ok):
        """Whether every process is ok: a refusal only rank 0 can see (its run folder) ends them all alike."""
        return bool(self.sum(torch.tensor([0.0 if ok else 1.0], device=self.device)) == 0)


def names_of(m):
    """Each parameter object -> its engine name (`enc.weight_ih_l0`, `dense#1.weight`)."""
    return {p: run_format.engine_name(k, model_mod.RENAMED) for k, p in m.named_parameters()}


def carried_tensors(m, procs):
    """carry_state: each layer's last state as the engine stores it (`state/<layer>/h`, [layers*dirs, batch,
    hidden]); with several processes, their rows gathered in rank order. Every rank calls it."""
    out = {}
    for layer, state in sorted((getattr(m, 'carried', None) or {}).items()):
        for field, t in zip('hc', state):
            out[f'state/{layer}/{field}'] = gather_rows(t, procs) if procs.world > 1 else t
    return out


def gather_rows(t, procs):
    """Every rank's rows (dim 1) of t in rank order; ranks may hold different numbers of rows (gloo's
    all_gather needs one size, so each part is padded to the largest and cut back)."""
    n = torch.tensor([t.shape[1]], device=t.device)
    sizes = [torch.zeros_like(n) for _ in range(procs.world)]
    dist.all_gather(sizes, n)
    width = max(int(x) for x in sizes)
    padded = t.new_zeros((t.shape[0], width, *t.shape[2:]))
    padded[:, :t.shape[1]] = t
    parts = [torch.empty_like(padded) for _ in range(procs.world)]
    dist.all_gather(parts, padded.contiguous())
    return torch.cat([part[:, :int(k)] for part, k in zip(parts, sizes)], dim=1)


def load_carried(m, tensors, procs, batch):
    """The carried state a checkpoint holds, this rank's rows of it."""
    if getattr(m, 'carried', None) is None:
        return
    rows = procs.share(batch)
    layers = sorted({k.split('/')[1] for k in tensors if k.startswith('state/')})
    held = {tensors[f'state/{layer}/h'].shape[1] for layer in layers if f'state/{layer}/h' in tensors}
    if held and held != {batch}:
        if procs.rank == 0:
            print(f'note: the checkpoint carries the state of {held.pop()} rows and a batch here has {batch}: the state starts from zeros', file=sys.stderr, flush=True)
        return
    for layer in layers:
        parts = [torch.from_numpy(tensors[f'state/{layer}/{f}'])[:, rows].to(procs.device) for f in 'hc' if f'state/{layer}/{f}' in tensors]
        m.carried[layer] = layers_mod.State(parts)
        m.carried[layer].directions = 1


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


def validate(m, data, procs, cfg, plot=None, stop=None):
    """The first validSteps validation batches' loss and metrics (the engine reads at most 200); each batch
    starts from zeros, as the engine's do. None when a stop is asked meanwhile (a stop does not wait for it)."""
    carried, m.carried = getattr(m, 'carried', None), None
    m.eval()
    fig = Figures(cfg)
    with torch.no_grad():
        for i, (batch, mask, _) in enumerate(data.valid_batches()):
            if i >= cfg.get('validSteps', 200):
                break
            if stop is not None and stop.asked:
                fig = None
                break
            batch = {k: v.to(procs.device) for k, v in batch.items()}
            mask = None if mask is None else mask.to(procs.device)
            out = m(batch, mask)
            fig.add(*step.loss_terms(out, batch, mask), step.metric_terms(out, batch, mask))
            if plot:
                plot.add(step.tensor(out, batch, plot.plot['target']), step.tensor(out, batch, plot.plot['output']))
    m.train()
    m.carried = carried
    return fig


def load_data(args, procs):
    """The export's data (or --data's file), or the reason it cannot be read, said once, without a traceback."""
    try:
        d = data_mod.Data(HERE, args.data)
    except data_mod.loaders.DataError as e:
        fail(procs, str(e).split('\n  fix: ')[0], e.fix)
    if procs.rank == 0:
        for note in d.notes:
            print(f'note: {note}', file=sys.stderr, flush=True)
    return d


class Stop:
    """Ctrl-C, SIGTERM or SIGHUP (a closed terminal) asks for a stop: the step in flight finishes, every
    process stops after the same step, and that step is checkpointed; the exit code is 128 + the signal's.
    In one process a second Ctrl-C stops at once. Under torchrun it does not: torchrun passes each Ctrl-C on
    to every process, so one press can arrive twice, and torchrun itself ends its processes 30 s after it."""

    def __init__(self, torchrun):
        self.asked, self.signum, self.torchrun = False, None, torchrun
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._ask)

    def _ask(self, signum, frame):
        if self.asked and signum == signal.SIGINT == self.signum and not self.torchrun:
            raise KeyboardInterrupt
        self.asked, self.signum = True, self.signum or signum

    @property
    def code(self):
        return 128 + (self.signum or signal.SIGINT)


class NotFinite(Exception):
    """A step's loss (summed over every process) is NaN or infinite."""


class Trainer:
    def __init__(self, cfg, args, procs, m, opt, data, run):
        self.cfg, self.args, self.procs, self.m, self.opt, self.data, self.run = cfg, args, procs, m, opt, data, run
        self.net = torch.nn.parallel.DistributedDataParallel(m) if procs.world > 1 else m
        self.names = names_of(m)
        self.every = cfg.get('checkpointEvery') or 300
        self.saved_at = time.time()
        self.stop = Stop(torchrun=procs.world > 1 or 'TORCHELASTIC_RUN_ID' in os.environ)
        self.progress = None

    def tensors(self, carried):
        out = dict(carried)
        out.update({'param/' + name: p for p, name in self.names.items()})
        out.update(run_writer.optimizer_tensors(self.opt, self.names))
        return out

    def save(self, epoch, step_no, in_epoch, loss, valid_loss=None):
        """A checkpoint (every rank calls it: the carried state is gathered); rank 0 writes it."""
        carried = carried_tensors(self.m, self.procs)
        if self.run:
            self.run.checkpoint(self.tensors(carried), epoch, step_no, in_epoch, loss, valid_loss)
        self.saved_at = time.time()

    def step(self, batch, mask):
        """One update on this rank's rows; returns the batch's summed figures over every process, and
        whether every process stops or checkpoints after it. A loss that is not finite raises NotFinite before
        the update."""
        rows = self.procs.share(next(iter(batch.values())).shape[0])
        local = {k: v[rows].to(self.procs.device) for k, v in batch.items()}
        local_mask = None if mask is None else mask[rows].to(self.procs.device)
        out = self.net(local, local_mask)
        total, count = step.loss_terms(out, local, local_mask)
        with torch.no_grad():
            terms = step.metric_terms(out, local, local_mask)
        names = sorted(terms)
        # One all-reduce carries the figures, a stop asked of any process, and rank 0's clock.
        flags = [float(self.stop.asked), float(self.procs.rank == 0 and time.time() - self.saved_at >= self.every)]
        sums = self.procs.sum(torch.stack([total.detach(), count.detach().to(total.dtype), *[v.to(total.dtype) for k in names for v in terms[k]],
                                           *[torch.tensor(f, dtype=total.dtype, device=total.device) for f in flags]]))
        if not torch.isfinite(sums[0]):
            raise NotFinite(sums[0].item())
        loss = total / sums[1].clamp(min=1) * self.procs.world  # DDP averages the gradients over processes
        self.opt.zero_grad()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(self.m.parameters(), self.cfg['clip'] if self.cfg.get('clip') else float('inf'))
        self.opt.step()
        figures = (sums[0], sums[1], {k: (sums[2 + 2 * i], sums[3 + 2 * i]) for i, k in enumerate(names)})
        return figures, norm.item(), bool(sums[-2] > 0), bool(sums[-1] > 0)

    def not_finite(self, value, step_no, epoch):
        last = self.run.last if self.run else None
        where = f'the last good checkpoint is {last["file"]} (epoch {last["epoch"]}, step {last["step"]})' if last else 'no checkpoint was written before it'
        if self.procs.rank == 0:
            print(f'error: loss became {value} at step {step_no + 1} (epoch {epoch + 1}); the run stopped and {where}. '
                  f'Lower the learning rate (optimizer lr = {self.cfg["lr"]}) or add `clip = 5` to the train block.', file=sys.stderr, flush=True)
        return 1

    def train(self, start, limit):
        """Every epoch from the checkpoint's on, to step `limit`; returns the exit code (128 + the signal's when
        stopped by one). A second Ctrl-C in one process ends it at once, the last checkpoint standing."""
        self.progress = progress.Progress(limit) if self.run else None
        if self.progress:
            self.progress.start(self.cfg['experiment'], sum(p.numel() for p in self.m.parameters()), start, self.data.steps_per_epoch(),
                                self.args.epochs, self.procs.device.type, self.procs.world)
        try:
            return self._train(start)
        except KeyboardInterrupt:
            if self.run:
                last = self.run.last
                print('stopped at once (a second Ctrl-C): ' + (f'the last checkpoint is {last["file"]} (step {last["step"]})' if last else 'no checkpoint was written'), file=sys.stderr, flush=True)
            return 130

    def _train(self, start):
        args, cfg, data = self.args, self.cfg, self.data
        step_no, per_epoch = start, data.steps_per_epoch()
        # A checkpoint's step says where its run stopped: go on from there (the batches it had, skipped).
        first, skip = divmod(start, per_epoch) if per_epoch else (0, 0)
        for epoch in range(first, args.epochs):
            t0, fig, in_epoch, limited = time.time(), Figures(cfg), skip, False
            for batch, mask, tokens in data.train_batches(epoch + 1):  # the engine numbers its first epoch 1
                if skip:
                    skip -= 1
                    continue
                if args.steps is not None and step_no >= args.steps:
                    break
                ts = time.time()
                try:
                    figures, norm, stop, due = self.step(batch, mask)
                except NotFinite as e:
                    return self.not_finite(e.args[0], step_no, epoch)
                step_no, in_epoch = step_no + 1, in_epoch + 1
                stop = stop or (self.procs.world == 1 and self.stop.asked)  # one process needs no agreement
                limited = args.steps is not None and step_no >= args.steps
                fig.add(*figures)
                value = (figures[0] / figures[1].clamp(min=1)).item()
                if self.run:
                    ms = (time.time() - ts) * 1000
                    self.run.step_line(epoch + 1, step_no, value, tokens, ms, cfg['lr'], norm)
                    self.progress.step(epoch + 1, step_no, value, tokens / max(ms / 1000, 1e-9))
                if stop or (due and in_epoch < per_epoch and not limited):
                    self.save(epoch, step_no, in_epoch, value)
                if stop:
                    return self.stopped(step_no)
                if limited:
                    break  # as the engine: a step limit ends a (partial) epoch, validated and checkpointed
            partial = limited or in_epoch < per_epoch
            self.end_epoch(epoch, step_no, in_epoch, partial, fig, t0)
            if not self.procs.all_ok(not self.stop.asked):  # asked during validation: the epoch's checkpoint stands
                return self.stopped(step_no)
            if partial:
                break
        return 0

    def stopped(self, step_no):
        if self.run:
            print(f'stopped at step {step_no}; checkpoint {self.run.last["file"]} (unroll train --resume {self.run.dir} goes on)', file=sys.stderr, flush=True)
        return self.stop.code

    def end_epoch(self, epoch, step_no, in_epoch, partial, fig, t0):
        """Validation, the epoch's line, and its checkpoint (a partial one when --steps ended it early)."""
        plot = run_writer.Prediction(self.cfg['plot']) if self.cfg.get('plot') else None
        if self.progress:
            self.progress.validating(epoch + 1)
        valid = validate(self.m, self.data, self.procs, self.cfg, plot, self.stop) if self.procs.rank == 0 else None
        valid_loss, train_loss = (valid.loss() if valid else None), fig.loss()
        if self.run:
            figure = valid and plot and plot.figure(epoch + 1, step_no)
            if figure:
                self.run.prediction(figure)  # before the epoch's line: the panel reads it on that line
            line = {'kind': 'epoch', 'epoch': epoch + 1, 'step': step_no, 'trainLoss': train_loss, 'train': fig.metrics(),
                    'seconds': time.time() - t0, 'time': int(time.time() * 1000)}
            if partial:
                line['partial'] = True
            if valid_loss is not None:
                line.update(validLoss=valid_loss, valid=valid.metrics())
            self.run.line(line)
            self.progress.epoch(epoch + 1, step_no, train_loss, valid_loss, valid.metrics() if valid else None, time.time() - t0)
        self.save(epoch if partial else epoch + 1, step_no, in_epoch if partial else 0, train_loss, valid_loss)
        if self.procs.world > 1:
            dist.barrier()


def main():
    try:
        sys.exit(run_training())
    except KeyboardInterrupt:  # before training started, or a second Ctrl-C: the last checkpoint stands
        sys.exit(130)


def run_training():
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
    smallest = data.smallest_batch()
    if smallest < procs.world:
        fail(procs, f'a training batch of {smallest} row{"s" if smallest != 1 else ""} cannot be split over {procs.world} processes: each needs at least one row',
             f'run at most {smallest} process{"es" if smallest != 1 else ""} (--nproc_per_node), or raise batch in the data block and export again')
    start = starting_weights(m, opt, args, procs, data.batch_size)
    per_epoch = data.steps_per_epoch()
    limit = min(args.epochs * per_epoch, args.steps if args.steps is not None else math.inf)
    if start >= limit:
        by = '' if args.steps is None else f', steps = {args.steps} in the train block' if args.steps == cfg.get('steps') else f', --steps {args.steps}'
        fail(procs, f'nothing to train: the weights are at step {start}, and training stops at step {limit} ({args.epochs} epoch{"s" if args.epochs != 1 else ""} of {per_epoch} steps{by})', 'pass --epochs or --steps beyond it to go on', code=0)  # as `unroll train --resume` of a finished run
    run = open_run(cfg, args, procs, data, {'epochs': args.epochs, 'steps': args.steps, 'stepsPerEpoch': per_epoch})  # every rank: they agree
    try:
        code = Trainer(cfg, args, procs, m, opt, data, run).train(start, limit)
    finally:
        if run:
            run.close()
    if procs.world > 1 and code == 0:
        dist.destroy_process_group()
    return code


def starting_weights(m, opt, args, procs, batch):
    """The step the weights are at: a checkpoint's (the exported run's, or --weights), or 0 (--fresh)."""
    if not args.weights:
        return 0
    try:
        return load_start(m, opt, args.weights, procs, batch)
    except FileNotFoundError:
        fail(procs, f'--weights {args.weights}: the file does not exist', 'give a checkpoint file (a run\'s checkpoint-*.bin), or --fresh')
    except OSError as e:
        fail(procs, f'--weights {args.weights}: cannot read it ({e.strerror or e})', 'give a checkpoint file (a run\'s checkpoint-*.bin), or --fresh')
    except (KeyError, ValueError) as e:
        reason = str(e.args[0] if e.args else e)
        fail(procs, reason if reason.startswith(args.weights) else f'{args.weights}: {reason}', 'give a checkpoint of this experiment (its run\'s checkpoint-*.bin, or weights.bin of its export), or --fresh')


def open_run(cfg, args, procs, data, schedule):
    """Rank 0's new run folder (locked while it trains); every process ends alike when it cannot be made."""
    run, refused = None, None
    if procs.rank == 0:
        try:
            run = make_run(cfg, args, procs, data, schedule)
        except Refused as e:
            refused = e
    if not procs.all_ok(refused is None):
        fail(procs, *(refused.args if refused else ('',)))
    if run:
        print(run.dir, flush=True)
    return run


class Refused(Exception):
    """What a person must change (message, fix)."""


def make_run(cfg, args, procs, data, schedule):
    runs = os.path.abspath(args.runs or cfg['runs'])
    workspace = os.path.dirname(os.path.dirname(runs))
    if not args.runs and not os.path.isdir(workspace):
        raise Refused(f'the workspace this export came from ({workspace}) is not on this machine', 'say where runs go: --runs DIR (a workspace\'s .unroll/runs)')
    if os.path.basename(runs) != 'runs' or os.path.basename(os.path.dirname(runs)) != '.unroll':
        print(f'note: {runs} is not a workspace\'s .unroll/runs folder: Unroll lists runs from there only', file=sys.stderr, flush=True)
    extra = dict(device=procs.device.type, processes=procs.world, **schedule, **({'dataFile': os.path.abspath(data.read['path'])} if args.data else {}))
    try:
        return run_writer.Run(cfg, runs, HERE, extra, data.read)
    except OSError as e:
        raise Refused(f'cannot write a run under {runs}: {e.strerror or e}', 'pass --runs DIR, a folder you can write')


if __name__ == '__main__':
    main()
