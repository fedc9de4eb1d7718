// Runs async jobs one at a time. Restarting the language server is such a job: two quick restarts must not
// interleave (a second `start` while the first `stop` is pending leaves two servers or a dead client).
// Requests that arrive while a job runs collapse into one follow-up run, so ten clicks restart at most twice.

export class Serialiser {
  private tail: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private active = 0;

  constructor(private readonly job: () => Promise<void>) {}

  /**
   * Resolves when a run that starts after this call has finished (rejects with that run's error). Every run
   * chains on the previous one, so runs never overlap; a request made while a run is queued but not yet
   * started joins that run.
   */
  request(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.tail.catch(() => undefined).then(async () => {
      this.queued = undefined;
      this.active++;
      try { await this.job(); } finally { this.active--; }
    });
    this.queued = run;
    this.tail = run;
    return run;
  }

  /** True while a run is in progress. */
  get busy(): boolean { return this.active > 0; }
}

/** Resolves with the promise's value, or rejects after `ms` with `message` (the promise keeps running). */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
