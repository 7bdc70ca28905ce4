/**
 * How many inputs to give one session run. Batching is not always a gain: a convolutional autoencoder
 * runs a batch of 16 in much less than 16 single runs, while a PatchCore model's nearest-neighbour
 * search over a batch builds a distance matrix 16 times larger and gets slower per image (measured on
 * chest-patchcore, 2 threads: batch 16 ~3x the time per image of batch 1). So the size is measured,
 * not assumed: start at 1, try double the size, keep it when a full batch of it costs at least 15% less
 * time per input, and stop at the first doubling that does not pay (or at `max`).
 */
export class BatchSizer {
  private size = 1;
  private probe?: number;
  private settled: boolean;
  private readonly stats = new Map<number, number[]>();

  constructor(
    private readonly max: number,
    /** Full runs measured per size before deciding. */
    private readonly runs = 4,
  ) {
    this.settled = max <= 1;
  }

  /** The largest batch to take now. */
  get target(): number {
    return this.probe ?? this.size;
  }

  /** The size settled on, or undefined while still measuring. */
  get chosen(): number | undefined {
    return this.settled ? this.size : undefined;
  }

  /** A run of `n` inputs took `ms`. Only full runs (n = target) count: a part batch says little. */
  record(n: number, ms: number): void {
    if (this.settled || n !== this.target) return;
    const list = this.stats.get(n) ?? [];
    list.push(ms / n);
    this.stats.set(n, list);
    if (list.length < this.runs) return;
    if (this.probe === undefined) {
      if (this.size * 2 > this.max) this.settled = true;
      else this.probe = this.size * 2;
      return;
    }
    if (median(list) < 0.85 * median(this.stats.get(this.size)!)) this.size = this.probe;
    else this.settled = true;
    this.probe = undefined;
    if (!this.settled && this.size * 2 > this.max) this.settled = true;
    else if (!this.settled) this.probe = this.size * 2;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
