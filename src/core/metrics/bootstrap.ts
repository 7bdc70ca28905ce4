/**
 * Bootstrap confidence intervals for detection figures on small evaluation sets (test-dev has 116 normal and
 * 205 pneumonia images): resample the images, with replacement and within each class so both classes keep
 * their size, recompute the figure, and report the 2.5th and 97.5th percentiles (percentile bootstrap).
 * Resampling is by group (patient) when groups are given: images of one patient are not independent, and
 * treating them as such makes the interval too narrow.
 */
import { XrayError } from '../errors';
import { mulberry32 } from '../fit/random';
import { averagePrecision, confusionAt, rocAuc } from './roc';

export interface Interval {
  value: number;
  low: number;
  high: number;
}

export interface BootstrapOptions {
  /** Resamples (default 1000). */
  reps?: number;
  /** Coverage (default 0.95). */
  level?: number;
  seed?: number;
  /** Group (patient) of each image: whole groups are resampled. */
  groups?: readonly string[];
}

export type Figure = (scores: Float32Array, labels: boolean[]) => number;

/** Percentile bootstrap of `figure` over images resampled within each class (by group when given). */
export function bootstrap(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean>,
  figure: Figure,
  opts: BootstrapOptions = {},
): Interval {
  const n = scores.length;
  if (labels.length !== n) throw new XrayError('INTERNAL', `${n} scores but ${labels.length} labels`);
  const reps = opts.reps ?? 1000;
  const level = opts.level ?? 0.95;
  const rng = mulberry32(opts.seed ?? 1);
  const all = Float32Array.from(scores);
  const lab = Array.from(labels);
  // Per class: the groups, each a list of image indices.
  const strata: number[][][] = [false, true].map((cls) => {
    const byGroup = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      if (lab[i] !== cls) continue;
      const g = opts.groups ? opts.groups[i] : `#${i}`;
      const list = byGroup.get(g) ?? [];
      list.push(i);
      byGroup.set(g, list);
    }
    return [...byGroup.values()];
  });
  const value = figure(all, lab);
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const idx: number[] = [];
    for (const groups of strata) {
      if (groups.length === 0) continue;
      for (let k = 0; k < groups.length; k++) idx.push(...groups[Math.floor(rng() * groups.length)]);
    }
    const s = Float32Array.from(idx, (i) => all[i]);
    const l = idx.map((i) => lab[i]);
    const v = figure(s, l);
    if (Number.isFinite(v)) samples.push(v);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.max(0, Math.floor(q * samples.length)))];
  return { value, low: at((1 - level) / 2), high: at(1 - (1 - level) / 2) };
}

export const FIGURES = {
  rocAuc: ((s, l) => rocAuc(s, l)) as Figure,
  averagePrecision: ((s, l) => averagePrecision(s, l)) as Figure,
  sensitivityAt:
    (threshold: number): Figure =>
    (s, l) =>
      confusionAt(s, l, threshold).sensitivity,
  specificityAt:
    (threshold: number): Figure =>
    (s, l) =>
      confusionAt(s, l, threshold).specificity,
};

/** ROC-AUC, AP, and sensitivity/specificity at a threshold, each with its interval. */
export function detectionIntervals(
  scores: ArrayLike<number>,
  labels: ArrayLike<boolean>,
  threshold: number,
  opts: BootstrapOptions = {},
): { rocAuc: Interval; averagePrecision: Interval; sensitivity: Interval; specificity: Interval } {
  return {
    rocAuc: bootstrap(scores, labels, FIGURES.rocAuc, opts),
    averagePrecision: bootstrap(scores, labels, FIGURES.averagePrecision, opts),
    sensitivity: bootstrap(scores, labels, FIGURES.sensitivityAt(threshold), opts),
    specificity: bootstrap(scores, labels, FIGURES.specificityAt(threshold), opts),
  };
}

export function formatInterval(i: Interval, digits = 3): string {
  return `${i.value.toFixed(digits)} [${i.low.toFixed(digits)}, ${i.high.toFixed(digits)}]`;
}
