// Divergence: a loss that stays far above where the run started is reported, not called a success. The
// reference is the lowest of the first few steps' losses (of this process: a resumed run measures from its
// resume; the lowest, because a blow-up can start at step 2). The run is diverging while the median of the
// last `sustain` losses is above `factor` times it: a sustained stretch, where a short spike (fewer than half
// the window) moves the median not at all. NaN/inf losses are the trainer's to handle (they stop the run).
export class DivergenceWatch {
  private first: number[] = [];
  private recent: number[] = [];
  private over = false;
  /** Set once the loss diverged; stays set (a later recovery is still worth the warning). */
  message: string | undefined;

  constructor(private readonly factor = 100, private readonly sustain = 20, private readonly warmup = 3) {}

  /** Feeds one step's loss; true on the step at which divergence is first detected. */
  add(loss: number, step: number): boolean {
    if (!Number.isFinite(loss)) return false;
    if (this.first.length < this.warmup) this.first.push(loss);
    this.recent.push(loss);
    if (this.recent.length > this.sustain) this.recent.shift();
    if (this.recent.length < this.sustain) return false;
    const ref = Math.max(1e-8, Math.min(...this.first));
    const median = [...this.recent].sort((a, b) => a - b)[this.sustain >> 1];
    this.over = median > this.factor * ref;
    if (this.over && !this.message) {
      this.message = `the loss is diverging: ${fmt(median)} at step ${step} (median of the last ${this.sustain} steps) against ${fmt(ref)} at the start; lower the learning rate or add \`clip = 5\` to the train block`;
      return true;
    }
    return false;
  }

  get diverging(): boolean {
    return this.over;
  }
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toPrecision(4);
}
