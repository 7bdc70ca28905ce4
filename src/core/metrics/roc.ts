/**
 * Ranking metrics for anomaly scores (1 = anomalous = positive), defined as scikit-learn defines them
 * so figures here and in Python papers are comparable: ROC-AUC is the Mann-Whitney statistic with ties
 * counted one half; AP is the step-wise sum over distinct thresholds, without interpolation.
 */

export type Label = 0 | 1;

export interface Confusion {
  threshold: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** Recall / sensitivity. */
  tpr: number;
  fpr: number;
  /** 0 when nothing is predicted positive (scikit-learn's zero_division=0). */
  precision: number;
  accuracy: number;
}

export interface RocPoint {
  threshold: number;
  fpr: number;
  tpr: number;
}

export function rocAuc(scores: readonly number[], labels: readonly Label[]): number {
  const { pos, neg } = checkInputs(scores, labels, true);
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    // Tied block i..j shares the mean of ranks i+1..j+1.
    const midRank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) if (labels[order[k]] === 1) rankSumPos += midRank;
    i = j + 1;
  }
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

export function averagePrecision(scores: readonly number[], labels: readonly Label[]): number {
  const { pos } = checkInputs(scores, labels, false);
  if (pos === 0) throw new RangeError('Average precision is undefined without positive (anomalous) labels.');
  let ap = 0;
  let prevRecall = 0;
  for (const { tp, fp } of cumulativeByThreshold(scores, labels)) {
    const recall = tp / pos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

/** Predicted anomalous when score >= threshold (the same rule as ImageScore.aboveThreshold). */
export function confusionAt(threshold: number, scores: readonly number[], labels: readonly Label[]): Confusion {
  checkInputs(scores, labels, false);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  scores.forEach((s, i) => {
    const predicted = s >= threshold;
    if (labels[i] === 1) predicted ? tp++ : fn++;
    else predicted ? fp++ : tn++;
  });
  return {
    threshold,
    tp,
    fp,
    tn,
    fn,
    tpr: tp + fn > 0 ? tp / (tp + fn) : 0,
    fpr: fp + tn > 0 ? fp / (fp + tn) : 0,
    precision: tp + fp > 0 ? tp / (tp + fp) : 0,
    accuracy: scores.length > 0 ? (tp + tn) / scores.length : 0,
  };
}

/** ROC curve points at every distinct score, from (0,0) at threshold +Infinity to (1,1). */
export function rocCurve(scores: readonly number[], labels: readonly Label[]): RocPoint[] {
  const { pos, neg } = checkInputs(scores, labels, true);
  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  for (const { threshold, tp, fp } of cumulativeByThreshold(scores, labels)) points.push({ threshold, fpr: fp / neg, tpr: tp / pos });
  return points;
}

/** Counts of positives and negatives scoring >= each distinct score, highest score first. */
function cumulativeByThreshold(scores: readonly number[], labels: readonly Label[]): { threshold: number; tp: number; fp: number }[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const out: { threshold: number; tp: number; fp: number }[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; ) {
    const s = scores[order[i]];
    while (i < order.length && scores[order[i]] === s) {
      if (labels[order[i]] === 1) tp++;
      else fp++;
      i++;
    }
    out.push({ threshold: s, tp, fp });
  }
  return out;
}

function checkInputs(scores: readonly number[], labels: readonly Label[], needBoth: boolean): { pos: number; neg: number } {
  if (scores.length !== labels.length) throw new RangeError(`${scores.length} scores but ${labels.length} labels.`);
  let pos = 0;
  scores.forEach((s, i) => {
    if (!Number.isFinite(s)) throw new RangeError(`Score ${i} is ${s}; metrics need finite scores.`);
    const l = labels[i];
    if (l !== 0 && l !== 1) throw new RangeError(`Label ${i} is ${String(l)}; labels must be 0 (normal) or 1 (anomalous).`);
    pos += l;
  });
  const neg = scores.length - pos;
  if (needBoth && (pos === 0 || neg === 0)) {
    throw new RangeError(`ROC needs both normal and anomalous examples (got ${pos} anomalous, ${neg} normal).`);
  }
  return { pos, neg };
}
