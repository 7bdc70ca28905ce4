/** Shared bits of the experiment scripts: scoring a setting on a split and printing a result table. */
import { averagePrecision, rocAuc } from '../../../src/core/metrics/roc';
import type { Split } from './dataset';

export interface Result {
  name: string;
  split: number;
  auc: number;
  ap: number;
  fitMs: number;
  /** Scoring time per validation image, excluding the backbone. */
  scoreMsPerImage: number;
  scores?: Float32Array;
}

export function evaluate(name: string, split: Split, scores: ArrayLike<number>, fitMs: number, scoreMs: number): Result {
  const labels = split.val.map((i) => i.anomalous);
  return { name, split: split.seed, auc: rocAuc(scores, labels), ap: averagePrecision(scores, labels), fitMs, scoreMsPerImage: scoreMs / split.val.length, scores: Float32Array.from(scores) };
}

export function formatRow(r: Result): string {
  return `| ${r.name} | ${r.split} | ${r.auc.toFixed(4)} | ${r.ap.toFixed(4)} | ${(r.fitMs / 1000).toFixed(2)} | ${r.scoreMsPerImage.toFixed(3)} |`;
}

export const HEADER = '| setting | split | ROC-AUC | AP | fit s | score ms/img (excl. backbone) |\n|---|---|---|---|---|---|';

/** Rank-normalises scores to [0,1] using a reference (normal) sample, so different detectors combine fairly. */
export function zscoreBy(ref: ArrayLike<number>, x: ArrayLike<number>): Float32Array {
  let m = 0;
  for (let i = 0; i < ref.length; i++) m += ref[i];
  m /= ref.length;
  let v = 0;
  for (let i = 0; i < ref.length; i++) v += (ref[i] - m) ** 2;
  const sd = Math.sqrt(v / Math.max(1, ref.length - 1)) || 1;
  return Float32Array.from(x, (s) => (s - m) / sd);
}
