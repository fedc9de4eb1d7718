// When to re-check a document after an edit. A fixed debounce makes every keystroke wait even when a check
// takes 5 ms, and a zero debounce on a file whose check takes 160 ms builds a backlog (one check per
// keystroke, each queued behind the last). Instead the wait follows how long this document's checks take:
// none while they are fast; when they are slow, as long as a check but at most a typing pause, so the
// keystrokes of a burst merge into one check. (Edits that queued up during a check arrive microseconds
// apart, so any wait merges those.) The user's debounce setting is a minimum on top.

/** Checks faster than this run at once after an edit, unless the edit queued up behind a check. */
export const FAST_CHECK_MS = 50;
/** The longest adaptive wait: longer than the gap between a fast typist's keystrokes (60-100 ms). */
export const MAX_WAIT_MS = 100;
/** An edit handled this soon after a check ended arrived during it (typing faster than checks keep up). */
export const QUEUED_MS = 3;

export class CheckTiming {
  private readonly took = new Map<string, number>();
  private readonly ended = new Map<string, number>();

  /** Records a check of `uri` that took `ms` and ended at `now` (an average: the file grows and shrinks). */
  record(uri: string, ms: number, now: number): void {
    const prev = this.took.get(uri);
    this.took.set(uri, prev === undefined ? ms : 0.5 * prev + 0.5 * ms);
    this.ended.set(uri, now);
  }

  /** How long to wait, after an edit of `uri` handled at `now`, before checking it; at least `minimum` ms. */
  delay(uri: string, minimum: number, now: number): number {
    const took = this.took.get(uri) ?? 0;
    const queued = now - (this.ended.get(uri) ?? -Infinity) < QUEUED_MS;
    const adaptive = took < FAST_CHECK_MS && !queued ? 0 : Math.min(Math.max(took, 1), MAX_WAIT_MS);
    return Math.max(minimum, adaptive);
  }

  forget(uri: string): void { this.took.delete(uri); this.ended.delete(uri); }
}
