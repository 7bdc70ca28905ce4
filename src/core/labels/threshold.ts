/**
 * A model's threshold recalibrated on the images a user labelled normal in one folder: the fit's
 * calibration is often off on new data (another scanner, another hospital), and a handful of confirmed
 * normals says by how much. The new threshold is the score quantile that keeps the fit's own false-alarm
 * target on these normals, with a bootstrap interval over them; too few normals are refused, few are
 * warned about, and the result is stored per folder beside the labels, never written into the model.
 */
import { mulberry32 } from '../fit/random';

export interface ThresholdFromLabels {
  /** Raw-score threshold. */
  threshold: number;
  /** 95% percentile-bootstrap interval of that threshold over the normals. */
  low: number;
  high: number;
  /** Normals used (labelled normal and scored by the model). */
  normals: number;
  /** False-alarm rate the threshold keeps on them (the fit's). */
  falseAlarm: number;
  /** Fraction of these normals the model's own threshold flags. */
  flaggedAtModelThreshold: number;
  /** Set when the estimate rests on few normals. */
  warning?: string;
}

/** Below this many normals nothing is offered; below WARN_BELOW the result comes with a warning. */
export const MIN_NORMALS = 10;
export const WARN_BELOW = 30;

/**
 * The fit's false-alarm target: the fraction of its calibration normals at or above its threshold when the
 * manifest kept their quantiles, else the percentile its `source` names ("95th percentile ..."), else 5%.
 */
export function fitFalseAlarm(cal: { threshold: number; normalQuantiles?: number[]; source?: string }): number {
  const q = cal.normalQuantiles;
  if (q && q.length >= 2) {
    // q[i] is the (i / (len-1)) quantile: find where the threshold falls and interpolate.
    const m = q.length - 1;
    if (cal.threshold <= q[0]) return 1;
    if (cal.threshold >= q[m]) return Math.max(0.001, 1 / (m + 1));
    for (let i = 1; i <= m; i++)
      if (cal.threshold <= q[i]) {
        const f = (i - 1 + (cal.threshold - q[i - 1]) / (q[i] - q[i - 1] || 1)) / m;
        return Math.min(0.5, Math.max(0.001, 1 - f));
      }
  }
  const pct = /(\d+(?:\.\d+)?)(?:st|nd|rd|th)? percentile/i.exec(cal.source ?? '');
  if (pct) {
    const p = Number(pct[1]);
    if (p > 50 && p < 100) return 1 - p / 100;
  }
  return 0.05;
}

/** Type-7 quantile of sorted values (linear interpolation between order statistics). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (!n) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function thresholdFromNormals(
  normalScores: ArrayLike<number>,
  falseAlarm: number,
  modelThreshold: number,
  opts: { reps?: number; seed?: number } = {},
): ThresholdFromLabels | { refused: string; normals: number } {
  const s = Float64Array.from(Array.from(normalScores).filter((v) => Number.isFinite(v))).sort();
  const n = s.length;
  if (n < MIN_NORMALS)
    return {
      refused: `${n} scored image(s) labelled normal; at least ${MIN_NORMALS} are needed to set a threshold`,
      normals: n,
    };
  const p = 1 - falseAlarm;
  const threshold = quantileSorted(s, p);
  const reps = opts.reps ?? 2000;
  const rng = mulberry32(opts.seed ?? 7);
  const boot = new Float64Array(reps);
  const sample = new Float64Array(n);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < n; i++) sample[i] = s[Math.floor(rng() * n)];
    sample.sort();
    boot[r] = quantileSorted(sample, p);
  }
  boot.sort();
  let flagged = 0;
  for (const v of s) if (v >= modelThreshold) flagged++;
  // With fewer than 1/falseAlarm normals the quantile is the largest score or near it: say so.
  const tooFewForTail = n * falseAlarm < 1;
  const warning =
    n < WARN_BELOW || tooFewForTail
      ? `only ${n} normals: the threshold is uncertain${tooFewForTail ? ` (fewer than ${Math.ceil(1 / falseAlarm)} normals cannot pin a ${(falseAlarm * 100).toFixed(1)}% tail)` : ''}; label more normals to narrow it`
      : undefined;
  return {
    threshold,
    low: quantileSorted(boot, 0.025),
    high: quantileSorted(boot, 0.975),
    normals: n,
    falseAlarm,
    flaggedAtModelThreshold: flagged / n,
    warning,
  };
}
