/**
 * ROC and precision-recall curves for charts: the points of roc.ts's definitions (scikit-learn's), thinned
 * to a few hundred so that 100,000 scores draw as fast as 1,000, with ROC-AUC and AP computed on every
 * point (never on the thinned ones).
 */
import { averagePrecision, rocAuc, rocCurve, type Label } from './roc';

export interface Curves {
  positives: number;
  negatives: number;
  rocAuc?: number;
  averagePrecision?: number;
  roc?: { x: number[]; y: number[] };
  pr?: { x: number[]; y: number[] };
}

export function curves(scores: ArrayLike<number>, labels: ArrayLike<Label>, maxPoints = 400): Curves {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];
  const negatives = labels.length - positives;
  if (!positives || !negatives) return { positives, negatives };
  const points = rocCurve(scores, labels);
  const roc = { x: [] as number[], y: [] as number[] };
  const pr = { x: [] as number[], y: [] as number[] };
  const step = Math.max(1, Math.ceil(points.length / maxPoints));
  for (let i = 0; i < points.length; i++) {
    if (i % step !== 0 && i !== points.length - 1) continue;
    const p = points[i];
    roc.x.push(p.fpr);
    roc.y.push(p.tpr);
    // Precision at the first point (nothing predicted positive) is 1 by convention, as scikit-learn draws it.
    const tp = p.tpr * positives;
    const fp = p.fpr * negatives;
    if (i > 0) {
      pr.x.push(p.tpr);
      pr.y.push(tp + fp > 0 ? tp / (tp + fp) : 1);
    }
  }
  // uPlot wants x ascending: recall grows along the ROC order already.
  return {
    positives,
    negatives,
    rocAuc: rocAuc(scores, labels),
    averagePrecision: averagePrecision(scores, labels),
    roc,
    pr: { x: [0, ...pr.x], y: [1, ...pr.y] },
  };
}
