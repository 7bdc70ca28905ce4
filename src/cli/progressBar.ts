/**
 * Progress of a batch on stderr. On a terminal: one line redrawn in place (bar, count, rate, ETA,
 * failures, restarts). Elsewhere (CI logs, Kubernetes, Slurm output files): a plain line every
 * `everyMs`, so logs stay readable and small.
 */
import type { BatchProgress } from '../core/batch/progress';

export interface ProgressSink {
  write(s: string): void;
  isTTY?: boolean;
  columns?: number;
}

export function formatProgress(p: BatchProgress, width: number): string {
  const frac = p.total > 0 ? p.done / p.total : 1;
  const stats = [
    `${p.done}/${p.total}`,
    p.rate !== undefined ? `${p.rate.toFixed(1)} img/s` : '',
    p.etaS !== undefined && p.done < p.total ? `ETA ${formatDuration(p.etaS)}` : '',
    p.failed ? `${p.failed} failed` : '',
    p.restarts ? `${p.restarts} engine restart${p.restarts > 1 ? 's' : ''}` : '',
  ]
    .filter(Boolean)
    .join('  ');
  const barWidth = Math.max(10, Math.min(40, width - stats.length - 10));
  const filled = Math.round(frac * barWidth);
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${stats}`;
}

export function formatDuration(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export class ProgressBar {
  private lastPlain = 0;
  private drawn = false;

  constructor(
    private readonly out: ProgressSink,
    private readonly everyMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  update(p: BatchProgress): void {
    if ((p.phase !== 'scoring' && p.phase !== 'done') || p.total === 0) return;
    if (this.out.isTTY) {
      this.out.write(`\r${formatProgress(p, this.out.columns ?? 80)}\x1b[K`);
      this.drawn = true;
      return;
    }
    const t = this.now();
    if (p.phase === 'done' || t - this.lastPlain >= this.everyMs) {
      this.lastPlain = t;
      this.out.write(`${formatProgress(p, 60)}\n`);
    }
  }

  /** Ends the redrawn line before other output. */
  finish(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
