/**
 * Detection metrics for anomaly scores (higher score = more anomalous; label true = anomalous).
 * ROC-AUC counts ties as half (Mann-Whitney U); AP is the step-wise area under precision-recall, as
 * scikit-learn's average_precision_score computes it, so the figures compare with published ones.
 */
import { XrayError } from '../errors';

function check(scores: ArrayLike<number>, labels: ArrayLike<boolean>): void {
  if (scores.length !== labels.length) throw new XrayError('INTERNAL', `metrics: ${scores.length} scores but ${labels.length} labels`);
  for (let i = 0; i < scores.length; i++) if (!Number.isFinite(scores[i])) throw new XrayError('INTERNAL', `metrics: score ${i} is ${scores[i]}`);
}

export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  check(scores, labels);
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let neg = 0;
  let rankSumPos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1; // 1-based average rank of the tie group
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]]) {
        pos++;
        rankSumPos += avgRank;
      } else neg++;
    }
    i = j + 1;
  }
  if (pos === 0 || neg === 0) throw new XrayError('INTERNAL', 'ROC-AUC needs both normal and anomalous examples');
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  check(scores, labels);
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let totalPos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) totalPos++;
  if (totalPos === 0) throw new XrayError('INTERNAL', 'AP needs at least one anomalous example');
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    for (let k = i; k <= j; k++) (labels[idx[k]] ? tp++ : fp++);
    const recall = tp / totalPos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
    i = j + 1;
  }
  return ap;
}

export interface Confusion {
  threshold: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  sensitivity: number;
  specificity: number;
}

/** Confusion matrix when "score > threshold" means anomalous. */
export function confusionAt(scores: ArrayLike<number>, labels: ArrayLike<boolean>, threshold: number): Confusion {
  check(scores, labels);
  let tp = 0, fp = 0, tn = 0, fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const predicted = scores[i] > threshold;
    if (labels[i]) predicted ? tp++ : fn++;
    else predicted ? fp++ : tn++;
  }
  return { threshold, tp, fp, tn, fn, sensitivity: tp / Math.max(1, tp + fn), specificity: tn / Math.max(1, tn + fp) };
}

/** Linear-interpolated quantile (q in [0,1]) of a sample, as numpy's default. */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) throw new XrayError('INTERNAL', 'quantile of an empty sample');
  const s = Float64Array.from(values).sort();
  const pos = Math.min(Math.max(q, 0), 1) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
