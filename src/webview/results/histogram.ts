/**
 * Histogram of one model column's normalised scores on [0, 1], split by ground truth when the rows have
 * it (normal, anomalous, unlabelled), and the threshold under a pointer: pure, for the chart and tests.
 */
import type { RowTable } from './rows';

export interface Histogram {
  /** Left edge of each bin. */
  edges: number[];
  /** Rows per bin: every scored row, and the labelled ones by class. */
  all: number[];
  normal: number[];
  anomalous: number[];
  total: number;
}

export function histogram(table: RowTable, model: number, bins: number, rows?: ArrayLike<number>): Histogram {
  const all = new Array<number>(bins).fill(0);
  const normal = new Array<number>(bins).fill(0);
  const anomalous = new Array<number>(bins).fill(0);
  const norm = table.normalized[model];
  let total = 0;
  const n = rows ? rows.length : table.size;
  for (let i = 0; i < n; i++) {
    const row = rows ? rows[i] : i;
    const v = norm[row];
    if (!(v >= 0 && v <= 1)) continue;
    const b = Math.min(bins - 1, Math.floor(v * bins));
    all[b]++;
    total++;
    const l = table.labels[row];
    if (l === 0) normal[b]++;
    else if (l === 1) anomalous[b]++;
  }
  return { edges: Array.from({ length: bins }, (_, i) => i / bins), all, normal, anomalous, total };
}

/** A threshold taken from a pointer position, kept inside [0, 1] and rounded to 0.001 (what the label shows). */
export function thresholdAt(value: number): number {
  if (!Number.isFinite(value)) return 0.5;
  return Math.round(Math.min(1, Math.max(0, value)) * 1000) / 1000;
}

/**
 * Does a pointer at `x` (pixels) grab the threshold line at `lineX`? A few pixels either side, so the thin
 * line is easy to catch.
 */
export function grabsLine(x: number, lineX: number, slop = 6): boolean {
  return Math.abs(x - lineX) <= slop;
}

/**
 * Sensitivity and specificity at a threshold for the labelled rows of a model column (what the ROC curve's
 * marker shows); undefined without both classes.
 */
export function operatingPoint(
  table: RowTable,
  model: number,
  threshold: number,
): { tpr: number; fpr: number; precision: number } | undefined {
  const norm = table.normalized[model];
  let tp = 0;
  let fp = 0;
  let pos = 0;
  let neg = 0;
  for (let row = 0; row < table.size; row++) {
    const v = norm[row];
    const l = table.labels[row];
    if (Number.isNaN(v) || l < 0) continue;
    if (l === 1) {
      pos++;
      if (v >= threshold) tp++;
    } else {
      neg++;
      if (v >= threshold) fp++;
    }
  }
  if (!pos || !neg) return undefined;
  return { tpr: tp / pos, fpr: fp / neg, precision: tp + fp ? tp / (tp + fp) : 1 };
}
