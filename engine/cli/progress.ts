// The training progress display on stderr: one redrawn bar line on a terminal (epoch, step, loss, tokens/s,
// ETA), plain lines when stderr is not a terminal (CI logs, pipes). Epoch summaries are permanent lines.
import type { EpochMetrics, StepMetrics } from '../process/protocol';

export interface ProgressOptions {
  write: (s: string) => void;
  tty: boolean;
  columns?: number;
  /** Plain mode: at most one step line per this many ms (default 5000), plus every epoch's first step. */
  plainEveryMs?: number;
  now?: () => number;
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '?';
  const s = Math.round(sec);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatRate(v: number): string {
  if (!Number.isFinite(v)) return '?';
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return v.toFixed(0);
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(3);
  return v.toFixed(4);
}

export class Progress {
  private epochs = 0;
  private stepsPerEpoch = 0;
  private stepLimit: number | undefined;
  private startStep = 0;
  private startTime = 0;
  private firstStepTime: number | undefined;
  private lastDraw = 0;
  private lastPlain = -Infinity;
  private drawn = false;
  private lastStep: StepMetrics | undefined;
  private readonly now: () => number;
  constructor(private readonly o: ProgressOptions) {
    this.now = o.now ?? (() => Date.now());
  }

  /** tok/s, or ex/s where a batch counts examples (a classifier's reviews, the adding problem's sequences). */
  private unit = 'tok/s';

  start(p: { epochs: number; stepsPerEpoch: number; steps?: number; resumedStep?: number; counts?: 'tokens' | 'examples' }): void {
    this.epochs = p.epochs;
    this.unit = p.counts === 'examples' ? 'ex/s' : 'tok/s';
    this.stepsPerEpoch = p.stepsPerEpoch;
    this.stepLimit = p.steps;
    this.startStep = p.resumedStep ?? 0;
    this.startTime = this.now();
  }

  /** Seconds left, from the mean time per step since the first step finished (session creation excluded). */
  eta(step: number): number {
    const total = Math.min(this.epochs * this.stepsPerEpoch, this.stepLimit ?? Infinity);
    if (this.firstStepTime === undefined || step <= this.startStep + 1) return NaN;
    const per = (this.now() - this.firstStepTime) / (step - this.startStep - 1);
    return ((total - step) * per) / 1000;
  }

  stepLine(m: StepMetrics): string {
    const inEpoch = this.stepsPerEpoch ? ((m.step - 1) % this.stepsPerEpoch) + 1 : m.step;
    return `epoch ${m.epoch}/${this.epochs} step ${inEpoch}/${this.stepsPerEpoch || '?'} loss ${formatNumber(m.loss)}${m.diverging ? ' (diverging)' : ''} ${formatRate(m.tokensPerSec)} ${this.unit} ETA ${formatDuration(this.eta(m.step))}`;
  }

  step(m: StepMetrics): void {
    if (this.firstStepTime === undefined) this.firstStepTime = this.now();
    this.lastStep = m;
    const t = this.now();
    if (this.o.tty) {
      if (t - this.lastDraw < 100) return; // redraw at most 10 times a second
      this.lastDraw = t;
      this.draw(m);
    } else {
      const firstOfEpoch = this.stepsPerEpoch > 0 && (m.step - 1) % this.stepsPerEpoch === 0;
      if (firstOfEpoch || t - this.lastPlain >= (this.o.plainEveryMs ?? 5000)) {
        this.lastPlain = t;
        this.o.write(this.stepLine(m) + '\n');
      }
    }
  }

  private draw(m: StepMetrics): void {
    const cols = Math.max(40, this.o.columns ?? 100);
    const inEpoch = this.stepsPerEpoch ? ((m.step - 1) % this.stepsPerEpoch) + 1 : 0;
    const text = ` ${inEpoch}/${this.stepsPerEpoch} loss ${formatNumber(m.loss)}${m.diverging ? ' (diverging)' : ''} ${formatRate(m.tokensPerSec)} ${this.unit} ETA ${formatDuration(this.eta(m.step))}`;
    const head = `epoch ${m.epoch}/${this.epochs} `;
    const width = Math.max(10, Math.min(30, cols - head.length - text.length - 3));
    const frac = this.stepsPerEpoch ? inEpoch / this.stepsPerEpoch : 0;
    const filled = Math.round(frac * width);
    const bar = '[' + '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? '>' : '') + ' '.repeat(width - filled) + ']';
    this.o.write(`\r\x1b[2K${(head + bar + text).slice(0, cols - 1)}`);
    this.drawn = true;
  }

  private clear(): void {
    if (this.o.tty && this.drawn) {
      this.o.write('\r\x1b[2K');
      this.drawn = false;
    }
  }

  /** A permanent line (epoch summary, log, checkpoint); the bar is redrawn below it. */
  line(s: string): void {
    this.clear();
    this.o.write(s + '\n');
    if (this.o.tty && this.lastStep) this.draw(this.lastStep);
  }

  /** Validation progress: redrawn on a terminal, a line every few seconds (and at the end) otherwise. */
  validating(done: number, total: number): void {
    const t = this.now();
    const text = `validating ${done}/${total} batches`;
    if (this.o.tty) {
      if (t - this.lastDraw < 100 && done < total) return;
      this.lastDraw = t;
      this.o.write(`\r\x1b[2K${text}`);
      this.drawn = true;
    } else if (t - this.lastPlain >= (this.o.plainEveryMs ?? 5000)) {
      this.lastPlain = t;
      this.o.write(text + '\n');
    }
  }

  epoch(m: EpochMetrics): void {
    const parts = [`epoch ${m.epoch}/${this.epochs} done in ${formatDuration(m.seconds)}: train loss ${formatNumber(m.trainLoss)}`];
    for (const [k, v] of Object.entries(m.train)) parts.push(`train ${k} ${formatNumber(v)}`);
    if (m.validLoss !== undefined) parts.push(`valid loss ${formatNumber(m.validLoss)}`);
    for (const [k, v] of Object.entries(m.valid ?? {})) parts.push(`valid ${k} ${formatNumber(v)}`);
    this.clear();
    this.o.write(parts.join(', ') + '\n');
    this.lastStep = undefined;
  }

  end(): void {
    this.clear();
  }

  elapsed(): number {
    return (this.now() - this.startTime) / 1000;
  }
}
