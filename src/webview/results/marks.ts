/**
 * The active label set's marks of the panel's rows (what `1`/`2`/`3`/`n` wrote), as the host sends them,
 * and the set's name and state. Kept apart from the ground truth (the Truth column), which comes from the
 * folders or a CSV and is what ROC/PR are computed against.
 */
import type { LabelSetInfo, MarkLabel, RowMark } from '../../protocol/results';

export interface Mark {
  label: MarkLabel | null;
  note: string | null;
  status: RowMark[3];
  /** Box marks in whole image pixels (drawn over the grid's thumbnails). */
  boxes?: NonNullable<RowMark[4]>;
}

export class MarkTable {
  readonly byRow = new Map<number, Mark>();
  set?: LabelSetInfo;

  apply(set: LabelSetInfo, reset: boolean, items: RowMark[]): void {
    this.set = set;
    if (reset) this.byRow.clear();
    for (const [row, label, note, status, boxes] of items) {
      if (label === null && note === null && !boxes?.length) this.byRow.delete(row);
      else this.byRow.set(row, boxes?.length ? { label, note, status, boxes } : { label, note, status });
    }
  }

  get(row: number): Mark | undefined {
    return this.byRow.get(row);
  }

  counts(): Record<MarkLabel, number> {
    const c: Record<MarkLabel, number> = { normal: 0, abnormal: 0, unsure: 0 };
    for (const m of this.byRow.values()) if (m.label) c[m.label]++;
    return c;
  }
}
