// Divergence: a loss that stays far above where the run started is reported, not called a success. The
// reference is the lowest of the first few steps' losses (of this process: a resumed run measures from its
// resume; the lowest, because a blow-up can start at step 2); the run is diverging once the smoothed loss
// has stayed above `factor` times it for `sustain` steps in a row. NaN/inf losses are the trainer's to handle (they stop the run).
export class DivergenceWatch {
  private first: number[] = [];
  private ema: number | undefined;
  private above = 0;
  /** Set once the loss diverged; stays set (a later recovery is still worth the warning). */
  message: string | undefined;

  constructor(private readonly factor = 100, private readonly sustain = 20, private readonly warmup = 3) {}

  /** Feeds one step's loss; true on the step at which divergence is first detected. */
  add(loss: number, step: number): boolean {
    if (!Number.isFinite(loss)) return false;
    if (this.first.length < this.warmup) this.first.push(loss);
    this.ema = this.ema === undefined ? loss : 0.9 * this.ema + 0.1 * loss;
    const ref = Math.max(1e-8, Math.min(...this.first));
    this.above = this.ema > this.factor * ref ? this.above + 1 : 0;
    if (this.above >= this.sustain && !this.message) {
      this.message = `the loss is diverging: ${fmt(this.ema)} at step ${step} against ${fmt(ref)} at the start (over ${this.factor}x for ${this.sustain} steps); lower the learning rate or add \`clip = 5\` to the train block`;
      return true;
    }
    return false;
  }

  get diverging(): boolean {
    return this.above >= this.sustain;
  }
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toPrecision(4);
}
