/**
 * Detection metrics for anomaly scores (higher = more anomalous; label 1 or true = anomalous = positive),
 * defined as scikit-learn defines them so figures here and in Python papers are comparable: ROC-AUC is
 * the Mann-Whitney statistic with ties counted one half; AP is the step-wise sum over distinct thresholds,
 * without interpolation. Thresholds are quantiles of calibration scores, so the quantile lives here too.
 * The one definition for the CLI, the fitting code and the research scripts.
 */
import { XrayError } from '../errors';

export type Label = 0 | 1;

/** 0/1 (the CLI's labels) or false/true (the fitting code's): either reads as normal/anomalous. */
export type Labels = ArrayLike<Label> | ArrayLike<boolean>;

export interface Confusion {
  threshold: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** Recall; the clinical sensitivity. */
  tpr: number;
  fpr: number;
  /** tpr under its clinical name (0 without anomalous examples). */
  sensitivity: number;
  /** 1 - fpr: normal images called normal (0 without normal examples). */
  specificity: number;
  /** 0 when nothing is predicted positive (scikit-learn's zero_division=0). */
  precision: number;
  accuracy: number;
}

export interface RocPoint {
  threshold: number;
  fpr: number;
  tpr: number;
}

export function rocAuc(scores: ArrayLike<number>, labels: Labels): number {
  const { pos, neg, positive } = checkInputs(scores, labels, true);
  const order = sortedIndices(scores, 1);
  let rankSumPos = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    // Tied block i..j shares the mean of ranks i+1..j+1.
    const midRank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) if (positive[order[k]]) rankSumPos += midRank;
    i = j + 1;
  }
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

export function averagePrecision(scores: ArrayLike<number>, labels: Labels): number {
  const { pos, positive } = checkInputs(scores, labels, false);
  if (pos === 0) throw new XrayError('INTERNAL', 'Average precision is undefined without positive (anomalous) labels.');
  let ap = 0;
  let prevRecall = 0;
  for (const { tp, fp } of cumulativeByThreshold(scores, positive)) {
    const recall = tp / pos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

/** Predicted anomalous when score >= threshold (the same rule as ImageScore.aboveThreshold). */
export function confusionAt(scores: ArrayLike<number>, labels: Labels, threshold: number): Confusion {
  const { positive } = checkInputs(scores, labels, false);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const predicted = scores[i] >= threshold;
    if (positive[i]) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  }
  const tpr = tp + fn > 0 ? tp / (tp + fn) : 0;
  const fpr = fp + tn > 0 ? fp / (fp + tn) : 0;
  return {
    threshold,
    tp,
    fp,
    tn,
    fn,
    tpr,
    fpr,
    sensitivity: tpr,
    specificity: fp + tn > 0 ? tn / (fp + tn) : 0,
    precision: tp + fp > 0 ? tp / (tp + fp) : 0,
    accuracy: scores.length > 0 ? (tp + tn) / scores.length : 0,
  };
}

/** ROC curve points at every distinct score, from (0,0) at threshold +Infinity to (1,1). */
export function rocCurve(scores: ArrayLike<number>, labels: Labels): RocPoint[] {
  const { pos, neg, positive } = checkInputs(scores, labels, true);
  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  for (const { threshold, tp, fp } of cumulativeByThreshold(scores, positive))
    points.push({ threshold, fpr: fp / neg, tpr: tp / pos });
  return points;
}

/** Linear-interpolated quantile (q in [0,1]) of a sample, as numpy's default. */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) throw new XrayError('INTERNAL', 'The quantile of an empty sample is undefined.');
  const s = Float64Array.from(values).sort();
  const pos = Math.min(Math.max(q, 0), 1) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

function sortedIndices(scores: ArrayLike<number>, direction: 1 | -1): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => direction * (scores[a] - scores[b]));
}

/** Counts of positives and negatives scoring >= each distinct score, highest score first. */
function cumulativeByThreshold(
  scores: ArrayLike<number>,
  positive: Uint8Array,
): { threshold: number; tp: number; fp: number }[] {
  const order = sortedIndices(scores, -1);
  const out: { threshold: number; tp: number; fp: number }[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length;) {
    const s = scores[order[i]];
    while (i < order.length && scores[order[i]] === s) {
      if (positive[order[i]]) tp++;
      else fp++;
      i++;
    }
    out.push({ threshold: s, tp, fp });
  }
  return out;
}

function checkInputs(
  scores: ArrayLike<number>,
  labels: Labels,
  needBoth: boolean,
): { pos: number; neg: number; positive: Uint8Array } {
  if (scores.length !== labels.length)
    throw new XrayError(
      'INTERNAL',
      `Metrics need one label per score: ${scores.length} scores but ${labels.length} labels.`,
    );
  const positive = new Uint8Array(scores.length);
  let pos = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i]))
      throw new XrayError('INTERNAL', `Score ${i} is ${scores[i]}; metrics need finite scores.`);
    const l: unknown = labels[i];
    if (l !== 0 && l !== 1 && l !== true && l !== false)
      throw new XrayError(
        'INTERNAL',
        `Label ${i} is ${String(l)}; labels must be 0 or false (normal), 1 or true (anomalous).`,
      );
    positive[i] = l === 1 || l === true ? 1 : 0;
    pos += positive[i];
  }
  const neg = scores.length - pos;
  if (needBoth && (pos === 0 || neg === 0)) {
    throw new XrayError(
      'INTERNAL',
      `ROC needs both normal and anomalous examples (got ${pos} anomalous, ${neg} normal).`,
    );
  }
  return { pos, neg, positive };
}
