/**
 * Heatmaps made when a row shows. A run scores without them by default (the map costs the model's whole
 * graph, about twice a score-only run's time: docs/results-store.md, "Heatmaps when seen"), and a store the
 * CLI wrote without --media has none; so when the page asks for the images of the rows it shows, a scored
 * row with no heatmap of a model column that draws one gets it made, in the engine, off the host. One small
 * queue per model column (ThumbQueue: newest asks first, the oldest let go and handed back as dropped, so
 * the page asks again when the row shows).
 */
import type { ResultsModel } from '../../protocol/results';
import type { RowIndex } from './rowIndex';
import { ThumbQueue, type ThumbJob, type ThumbResults } from './thumbQueue';

export interface PanelHeatmapsDeps {
  models: readonly ResultsModel[];
  index: Pick<RowIndex, 'cell' | 'hashes' | 'paths'>;
  /** The panel knows a heatmap file of this row and column (stored, or made before). */
  has(row: number, col: number): boolean;
  /** Makes the heatmaps of these files by model column `col`: each its path in the media cache, or undefined. */
  make(col: number, items: { path: string; hash: string }[]): Promise<(string | undefined)[]>;
  /** Heatmaps made (by row), and rows let go before their turn (the page may ask again). */
  made(col: number, made: { row: number; file: string }[], dropped: number[]): void;
}

export class PanelHeatmaps {
  private readonly queues = new Map<number, ThumbQueue>();
  /** `row:col` that could not be made: not asked again while the panel lives. */
  private readonly failed = new Set<string>();

  constructor(private readonly deps: PanelHeatmapsDeps) {}

  /** The page shows these rows: each scored row's missing heatmaps are made. */
  want(rows: readonly number[]): void {
    const hashes = this.deps.index.hashes;
    this.deps.models.forEach((m, col) => {
      if (!m.hasMap) return;
      const jobs: ThumbJob[] = [];
      for (const row of rows) {
        const path = this.deps.index.paths[row];
        const raw = this.deps.index.cell(row, col)?.[2];
        if (!hashes[row] || path === undefined || typeof raw !== 'number' || !Number.isFinite(raw)) continue;
        if (this.deps.has(row, col) || this.failed.has(`${row}:${col}`)) continue;
        jobs.push({ row, path, hash: hashes[row] });
      }
      if (jobs.length) this.queue(col).want(jobs);
    });
  }

  dispose(): void {
    for (const q of this.queues.values()) q.dispose();
    this.queues.clear();
  }

  private queue(col: number): ThumbQueue {
    let q = this.queues.get(col);
    if (!q) {
      q = new ThumbQueue(
        (_paths, jobs) =>
          this.deps.make(
            col,
            jobs.map((j) => ({ path: j.path, hash: j.hash ?? '' })),
          ),
        (r: ThumbResults) => {
          for (const row of r.failed) this.failed.add(`${row}:${col}`);
          this.deps.made(col, r.made, r.dropped);
        },
        // A heatmap costs the model's whole graph (a thumbnail only the decode): fewer wait, fewer per request.
        { waiting: 48, chunk: 4 },
      );
      this.queues.set(col, q);
    }
    return q;
  }
}
