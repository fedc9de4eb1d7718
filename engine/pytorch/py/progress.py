"""What train.py tells the person watching (rank 0, on stderr; stdout holds the run folder only): a progress
line every 10 seconds and one per epoch, and a warning when the loss diverges, as the engine warns
(engine/runtime/divergence.ts)."""
import sys
import time


def _fmt(x):
    if x == 0:
        return '0'
    return f'{x:.2e}' if abs(x) >= 1e4 or abs(x) < 1e-3 else f'{x:.4g}'


def _duration(s):
    s = int(s)
    return f'{s // 3600}h {s // 60 % 60}m' if s >= 3600 else f'{s // 60}m {s % 60}s' if s >= 60 else f'{s}s'


class DivergenceWatch:
    """A loss whose median over the last `sustain` steps is above `factor` times the lowest of the first
    `warmup` steps' is diverging (a short spike does not move the median)."""

    def __init__(self, factor=100, sustain=20, warmup=3):
        self.factor, self.sustain, self.warmup = factor, sustain, warmup
        self.first, self.recent, self.message = [], [], None

    def add(self, loss, step_no):
        """True on the step at which divergence is first seen."""
        if len(self.first) < self.warmup:
            self.first.append(loss)
        self.recent = (self.recent + [loss])[-self.sustain:]
        if len(self.recent) < self.sustain or self.message:
            return False
        ref, median = max(1e-8, min(self.first)), sorted(self.recent)[self.sustain // 2]
        if median > self.factor * ref:
            self.message = (f'the loss is diverging: {_fmt(median)} at step {step_no} (median of the last {self.sustain} steps) against '
                            f'{_fmt(ref)} at the start; lower the learning rate or add `clip = 5` to the train block')
            return True
        return False


class Progress:
    def __init__(self, total_steps, every=10.0, out=sys.stderr):
        self.total, self.every, self.out = total_steps, every, out
        self.started = self.shown = time.time()
        self.first_step = None
        self.watch = DivergenceWatch()

    def _say(self, text):
        print(text, file=self.out, flush=True)

    def step(self, epoch, step_no, loss, tokens_per_sec):
        if self.first_step is None:
            self.first_step = step_no - 1
        if self.watch.add(loss, step_no):
            self._say(f'warning: {self.watch.message}')
        now = time.time()
        if now - self.shown < self.every:
            return
        self.shown = now
        done = step_no - self.first_step
        eta = (now - self.started) / done * (self.total - step_no) if done and self.total else None
        share = f' ({100 * step_no // self.total}%)' if self.total else ''
        self._say(f'epoch {epoch}, step {step_no:,}/{self.total:,}{share}: loss {_fmt(loss)}, {tokens_per_sec:,.0f} tokens/s'
                  + (f', ETA {_duration(eta)}' if eta is not None else ''))

    def start(self, experiment, params, start, per_epoch, epochs, device, processes):
        self._say(f'training {experiment}: {params:,} parameters, {epochs} epoch{"s" if epochs != 1 else ""} of {per_epoch:,} steps, '
                  f'from step {start:,} to {self.total:,}, on {device}' + (f', {processes} processes' if processes > 1 else ''))

    def validating(self, epoch):
        self._say(f'epoch {epoch}: validating')

    def epoch(self, epoch, step_no, train_loss, valid_loss, valid_metrics, seconds):
        parts = [f'train loss {_fmt(train_loss)}' if train_loss is not None else 'no training step',
                 *([f'valid loss {_fmt(valid_loss)}'] if valid_loss is not None else []),
                 *[f'valid {k} {_fmt(v)}' for k, v in sorted((valid_metrics or {}).items())]]
        self._say(f'epoch {epoch} (step {step_no:,}): {", ".join(parts)} ({_duration(seconds)})')
