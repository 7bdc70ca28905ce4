/**
 * Progress and ETA for a job made of stages of very different cost (reading + backbone per image, then
 * coreset selection that grows with the square of the data). Each stage starts with an expected
 * duration from a cost model; as stages run, the measured speed rescales what is left, and a running
 * stage is extrapolated from its own rate once it has made some headway. The overall fraction is
 * time-based (elapsed / (elapsed + remaining)), so it moves steadily instead of jumping at stage ends.
 */
export interface StageEstimate<S extends string> {
  stage: S;
  /** Expected seconds at nominal speed; only ratios between stages matter. */
  expected: number;
}

export interface ProgressReport<S extends string> {
  stage: S;
  /** 0..1 over the whole job, never decreasing. */
  fraction: number;
  /** Seconds left, once enough has run to say. */
  etaS?: number;
}

export class ProgressTracker<S extends string> {
  private readonly expected = new Map<S, number>();
  private readonly order: S[];
  private readonly doneActual = new Map<S, number>();
  private current?: { stage: S; startedAt: number; fraction: number };
  private readonly startedAt: number;
  private lastFraction = 0;

  constructor(
    stages: StageEstimate<S>[],
    private readonly now: () => number = () => performance.now(),
  ) {
    this.order = stages.map((s) => s.stage);
    for (const s of stages) this.expected.set(s.stage, Math.max(0, s.expected));
    this.startedAt = now();
  }

  /** Replaces a stage's expected seconds (e.g. once the number of usable images is known). */
  expect(stage: S, seconds: number): void {
    this.expected.set(stage, Math.max(0, seconds));
  }

  /** Reports `fraction` (0..1) of `stage` done; stages before it count as finished. */
  update(stage: S, fraction: number): ProgressReport<S> {
    const t = this.now();
    if (this.current?.stage !== stage) {
      if (this.current) this.doneActual.set(this.current.stage, (t - this.current.startedAt) / 1000);
      // Stages skipped over took no time.
      const at = this.order.indexOf(stage);
      for (const s of this.order.slice(0, at)) if (!this.doneActual.has(s)) this.doneActual.set(s, 0);
      this.current = { stage, startedAt: t, fraction: 0 };
    }
    this.current.fraction = Math.min(1, Math.max(0, fraction));
    const elapsed = (t - this.startedAt) / 1000;
    const remaining = this.remaining(t);
    const raw = elapsed + remaining > 0 ? elapsed / (elapsed + remaining) : 0;
    this.lastFraction = Math.max(this.lastFraction, Math.min(1, raw));
    const knowsEnough = elapsed >= 1 && (this.current.fraction >= 0.05 || this.doneActual.size > 0);
    return { stage, fraction: this.lastFraction, ...(knowsEnough ? { etaS: Math.max(0, remaining) } : {}) };
  }

  /**
   * Measured / expected seconds so far (1 before anything is known): over finished stages and the
   * running one once it is 5% in. Stages expected to be short (< 2 s) say little about the machine's
   * speed (fixed costs dominate them) and are left out.
   */
  private speed(t: number): number {
    let actual = 0;
    let expected = 0;
    for (const [s, a] of this.doneActual) {
      const e = this.expected.get(s) ?? 0;
      if (e >= 2) {
        actual += a;
        expected += e;
      }
    }
    const cur = this.current;
    const e = cur ? (this.expected.get(cur.stage) ?? 0) : 0;
    if (cur && e >= 2 && cur.fraction >= 0.05) {
      actual += (t - cur.startedAt) / 1000;
      expected += e * cur.fraction;
    }
    return expected > 0 && actual > 0 ? actual / expected : 1;
  }

  private remaining(t: number): number {
    const cur = this.current!;
    const speed = this.speed(t);
    const spent = (t - cur.startedAt) / 1000;
    const nominal = (this.expected.get(cur.stage) ?? 0) * speed;
    // Trust the stage's own rate once it is 5% in; before that, the model (but never less than spent).
    const total = cur.fraction >= 0.05 ? spent / cur.fraction : Math.max(nominal, spent);
    let rest = Math.max(0, total - spent);
    for (const s of this.order.slice(this.order.indexOf(cur.stage) + 1)) rest += (this.expected.get(s) ?? 0) * speed;
    return rest;
  }
}
