"""A run folder in Unroll's format, written by rank 0 (engine/runs): settings.json, metrics.jsonl, the
checkpoints and the pointer to the newest, validation-prediction.json. Every file is written to a temporary
name and renamed, so a process killed at any moment leaves a readable run."""
import datetime
import glob
import json
import os
import shutil
import socket
import time

import torch

import run_format

KEEP = 2  # checkpoint files kept, as the engine keeps them


def _now():
    return datetime.datetime.utcnow().isoformat(timespec='milliseconds') + 'Z'


def _write_json(path, value):
    with open(path + '.tmp', 'w') as f:
        json.dump(value, f, indent=2)
        f.write('\n')
    os.replace(path + '.tmp', path)


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


class Run:
    """`read`: the data file train.py read (its path, size and hash), recorded in the run's vocab.json so
    `unroll train --resume` compares the data with the file the run trained on."""

    def __init__(self, cfg, runs, export_dir, extra, read=None):
        self.run_id, self.dir = make_run_dir(os.path.join(runs, cfg['experiment']))
        self._lock()
        _write_json(os.path.join(self.dir, 'settings.json'), dict(cfg['settings'], runId=self.run_id, created=_now(), trainer='pytorch', **extra))
        shutil.copy(os.path.join(export_dir, 'experiment.rnn'), os.path.join(self.dir, 'experiment.rnn'))
        with open(os.path.join(export_dir, 'vocab.json')) as f:
            saved = json.load(f)
        if read:
            saved['file'] = {'bytes': read['bytes'], 'sha256': read['sha256']}
        _write_json(os.path.join(self.dir, 'vocab.json'), saved)
        self.metrics = open(os.path.join(self.dir, 'metrics.jsonl'), 'a')
        self.last = None  # the newest checkpoint's pointer

    def _lock(self):
        """The run's `lock` (engine/runs/lock.ts): while it is held, Unroll refuses to train the run too."""
        with open(os.path.join(self.dir, 'lock'), 'x') as f:
            json.dump({'pid': os.getpid(), 'host': socket.gethostname(), 'started': _now()}, f)
            f.write('\n')

    def close(self):
        self.metrics.close()
        try:
            os.remove(os.path.join(self.dir, 'lock'))
        except FileNotFoundError:
            pass

    def line(self, value):
        self.metrics.write(json.dumps(value) + '\n')
        self.metrics.flush()

    def step_line(self, epoch, step_no, loss, tokens, ms, lr, grad_norm):
        """A step's line of metrics.jsonl, as the engine writes it."""
        self.line({'kind': 'step', 'epoch': epoch, 'step': step_no, 'loss': loss, 'tokens': tokens, 'tokensPerSec': tokens / max(ms / 1000, 1e-9),
                   'ms': ms, 'lr': lr, 'time': int(time.time() * 1000), 'gradNorm': grad_norm})

    def checkpoint(self, tensors, epoch, step_no, step_in_epoch, loss, valid_loss=None):
        """`epoch`: epochs complete; `step_in_epoch`: steps taken in the next one (a mid-epoch checkpoint)."""
        file = f'checkpoint-{epoch + 1}-step{step_in_epoch}.bin' if step_in_epoch else f'checkpoint-{epoch}.bin'
        tmp = os.path.join(self.dir, file + '.tmp')
        run_format.write_checkpoint(tmp, tensors, epoch, step_no, step_in_epoch, {'trainer': 'pytorch'})
        os.replace(tmp, os.path.join(self.dir, file))
        pointer = {'file': file, 'epoch': epoch, 'step': step_no, 'stepInEpoch': step_in_epoch, 'time': _now(), 'loss': loss}
        if valid_loss is not None:
            pointer['validLoss'] = valid_loss
        _write_json(os.path.join(self.dir, 'checkpoint.json'), pointer)
        self.last = pointer
        # Older files go only after the pointer has moved, so it always names a complete one.
        older = sorted((f for f in glob.glob(os.path.join(self.dir, 'checkpoint-*.bin')) if os.path.basename(f) != file), key=os.path.getmtime, reverse=True)
        for f in older[KEEP - 1:]:
            os.remove(f)

    def prediction(self, figure):
        _write_json(os.path.join(self.dir, 'validation-prediction.json'), dict(figure, runId=self.run_id))


class Prediction:
    """A regression's prediction against its target on validation data, as the engine's loss panel plots it
    (engine/runtime/validation-plot.ts): the first `limit` values of feature 0 of every step, in data order."""

    def __init__(self, plot, limit=200):
        self.plot, self.limit, self.truth, self.predicted = plot, limit, [], []

    def add(self, y, p):
        if p.numel() != y.numel() or len(self.truth) >= self.limit:
            return
        f = y.shape[-1] if y.dim() >= 3 else 1
        n = self.limit - len(self.truth)
        self.truth += y.reshape(-1)[::f][:n].tolist()
        self.predicted += p.reshape(-1)[::f][:n].tolist()

    def figure(self, epoch, step_no):
        if not self.truth:
            return None
        return dict(epoch=epoch, step=step_no, output=self.plot['output'], target=self.plot['target'], truth=self.truth, predicted=self.predicted)


def optimizer_tensors(opt, names):
    """The optimizer's per-parameter slots as the engine names them (`opt/<parameter>/<slot>`)."""
    out = {}
    for p, state in opt.state.items():
        for slot, v in state.items():
            if torch.is_tensor(v) and v.shape == p.shape:
                out[f'opt/{names[p]}/{slot}'] = v
    return out
