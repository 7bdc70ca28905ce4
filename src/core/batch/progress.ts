/**
 * Count, rate and ETA of a running batch. The rate is a moving window over the last few seconds, so
 * the ETA follows a batch that speeds up (cache warm) or slows down (bigger files) without the jitter
 * of per-image timings. The clock is injected.
 */
export interface BatchProgress {
  /** 'stopped': the run failed as a whole (a full disk, a read-only store, an engine that gave up); last event. */
  phase: 'scanning' | 'planning' | 'scoring' | 'done' | 'stopped';
  /** Files to process in this run, and how many are done (scored, failed or refreshed). */
  total: number;
  done: number;
  /**
   * Files of `done` whose rows reached the store (appended, not only scored): after a full disk fewer
   * than `done`, and what a re-run will not score again.
   */
  saved: number;
  scored: number;
  failed: number;
  /**
   * Files already up to date before the run (not part of total); for a run stopped before it could plan (a
   * store it cannot write), the files the store has rows of.
   */
  skipped: number;
  /** Files per second over the recent window; undefined until measurable. */
  rate?: number;
  etaS?: number;
  /** Times the engine was restarted during this run. */
  restarts: number;
}

export class RateMeter {
  private readonly marks: { t: number; done: number }[] = [];

  constructor(
    private readonly now: () => number,
    private readonly windowMs = 5000,
  ) {}

  mark(done: number): void {
    const t = this.now();
    this.marks.push({ t, done });
    while (this.marks.length > 2 && t - this.marks[1].t > this.windowMs) this.marks.shift();
  }

  /** Items per second, or undefined before two marks at least 200 ms apart. */
  rate(): number | undefined {
    if (this.marks.length < 2) return undefined;
    const a = this.marks[0];
    const b = this.marks[this.marks.length - 1];
    const dt = b.t - a.t;
    return dt >= 200 ? ((b.done - a.done) * 1000) / dt : undefined;
  }

  eta(remaining: number): number | undefined {
    const r = this.rate();
    return r && r > 0 ? remaining / r : undefined;
  }
}
