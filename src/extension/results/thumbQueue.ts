/**
 * Thumbnails made on demand for rows that have none in the media cache (a store written by the CLI, or a
 * cache that evicted them). The page asks for what it shows, so the newest asks go first and only a
 * few are kept waiting: a user sweeping 100,000 rows leaves most of them behind, and those are handed
 * back as dropped (the page asks again when they show). The making itself runs in the engine's prep
 * workers; this queue only keeps the host from flooding it (one small request at a time).
 */
export interface ThumbJob {
  row: number;
  /** The file, relative to the scored folder ('/' separators). */
  path: string;
  /** Its content hash, where the maker needs it (heatmaps: PanelHeatmaps). */
  hash?: string;
}

export interface ThumbQueueLimits {
  /** Rows kept waiting; the oldest asks beyond this are dropped. */
  waiting: number;
  /** Files per request to the maker. */
  chunk: number;
}

export const DEFAULT_THUMB_LIMITS: ThumbQueueLimits = { waiting: 96, chunk: 6 };

/** Makes the thumbnails of these files: each its cache path, or undefined when the file cannot be shown. */
export type ThumbMaker = (paths: string[], jobs: readonly ThumbJob[]) => Promise<(string | undefined)[]>;

export interface ThumbResults {
  /** Made (or found) thumbnails, by row. */
  made: { row: number; file: string }[];
  /** Rows that have no thumbnail to make (unreadable, undecodable, or the maker failed): not asked again. */
  failed: number[];
  /** Rows let go before their turn: the page may ask again. */
  dropped: number[];
}

export class ThumbQueue {
  /** Oldest first; taken from the end. */
  private readonly waiting: ThumbJob[] = [];
  /** Rows waiting or in the request now running. */
  private readonly known = new Set<number>();
  private running = false;
  private disposed = false;

  constructor(
    private readonly make: ThumbMaker,
    private readonly report: (r: ThumbResults) => void,
    private readonly limits: ThumbQueueLimits = DEFAULT_THUMB_LIMITS,
  ) {}

  /** Rows waiting or being made. */
  get size(): number {
    return this.known.size;
  }

  want(jobs: readonly ThumbJob[]): void {
    if (this.disposed) return;
    for (const j of jobs) {
      if (this.known.has(j.row)) continue;
      this.known.add(j.row);
      this.waiting.push(j);
    }
    const over = this.waiting.length - this.limits.waiting;
    if (over > 0) {
      const gone = this.waiting.splice(0, over).map((j) => j.row);
      for (const r of gone) this.known.delete(r);
      this.report({ made: [], failed: [], dropped: gone });
    }
    void this.pump();
  }

  /** Stops: what waits is dropped silently (the panel is gone). */
  dispose(): void {
    this.disposed = true;
    this.waiting.length = 0;
    this.known.clear();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.disposed && this.waiting.length > 0) {
        // The newest asks are the rows on screen now.
        const jobs = this.waiting.splice(-this.limits.chunk).reverse();
        let files: (string | undefined)[];
        try {
          files = await this.make(
            jobs.map((j) => j.path),
            jobs,
          );
        } catch {
          files = [];
        }
        if (this.disposed) return;
        const out: ThumbResults = { made: [], failed: [], dropped: [] };
        jobs.forEach((j, i) => {
          this.known.delete(j.row);
          const file = files[i];
          if (file) out.made.push({ row: j.row, file });
          else out.failed.push(j.row);
        });
        this.report(out);
      }
    } finally {
      this.running = false;
    }
  }
}
