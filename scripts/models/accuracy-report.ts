/**
 * Scores a labelled folder (<data>/NORMAL, <data>/<abnormal>) through the engine and reports ROC-AUC, AP and
 * sensitivity/specificity at the model's calibrated threshold, each with a patient-grouped bootstrap 95%
 * interval (src/core/metrics/bootstrap.ts), plus the false-alarm range the fit promised. Shared by
 * bench:accuracy and models:default so both print and store the same figures.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanImages } from '../../src/core/dataset/scan';
import { subjectKey } from '../../src/core/fit/split';
import type { ModelInfo } from '../../src/core/model/manifest';
import { detectionIntervals, formatInterval, type Interval } from '../../src/core/metrics/bootstrap';
import { confusionAt } from '../../src/core/metrics/roc';
import { nodeScanFs, scoreFiles } from '../../src/cli/scoring';
import type { EngineClient } from '../../src/engine/client';

export interface AccuracyFigures {
  /** What the images are, e.g. "test-dev (new patients)". */
  set: string;
  images: { normal: number; abnormal: number; failed: number };
  rocAuc: Interval;
  averagePrecision: Interval;
  threshold: number;
  sensitivity: Interval;
  specificity: Interval;
  confusion: { tp: number; fp: number; tn: number; fn: number };
  /** Median ms per image, file read to score. */
  msPerImage: number;
  /** Raw scores of the normal images (for drift checks and plots). */
  normalScores?: number[];
}

const round = (i: Interval): Interval => ({ value: +i.value.toFixed(4), low: +i.low.toFixed(4), high: +i.high.toFixed(4) });

export async function accuracyOf(engine: EngineClient, model: ModelInfo, data: string, set: string, abnormal = 'PNEUMONIA'): Promise<AccuracyFigures> {
  const scores: number[] = [];
  const labels: boolean[] = [];
  const groups: string[] = [];
  const ms: number[] = [];
  let failed = 0;
  for (const [sub, label] of [['NORMAL', false], [abnormal, true]] as const) {
    const dir = join(data, sub);
    const files = await scanImages(dir, nodeScanFs);
    const records = await scoreFiles({ engine, model, provider: 'cpu' }, dir, files, undefined, { rescoreErrors: false, label: `${set} ${sub}` });
    for (const r of records) {
      if (!r.score) {
        failed++;
        continue;
      }
      scores.push(r.score.raw);
      labels.push(label);
      groups.push(`${sub}:${subjectKey(r.path)}`);
      ms.push(r.ms);
    }
  }
  const threshold = (JSON.parse(readFileSync(model.manifestPath, 'utf8')) as { calibration: { threshold: number } }).calibration.threshold;
  const iv = detectionIntervals(scores, labels, threshold, { groups, reps: 2000, seed: 1 });
  const c = confusionAt(scores, labels, threshold);
  ms.sort((a, b) => a - b);
  return {
    set,
    images: { normal: labels.filter((l) => !l).length, abnormal: labels.filter((l) => l).length, failed },
    rocAuc: round(iv.rocAuc),
    averagePrecision: round(iv.averagePrecision),
    threshold,
    sensitivity: round(iv.sensitivity),
    specificity: round(iv.specificity),
    confusion: { tp: c.tp, fp: c.fp, tn: c.tn, fn: c.fn },
    msPerImage: ms.length ? ms[Math.floor(ms.length / 2)] : NaN,
    normalScores: scores.filter((_, i) => !labels[i]),
  };
}

/** The fit's promise: the specificity range (5th-95th percentile over fits) from the manifest's calibration metadata. */
export function promisedSpecificity(manifestPath: string): { low: number; high: number; expected: number } | undefined {
  const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as { metadata?: { fit?: { calibration?: { falseAlarm?: { expected: number; low: number; high: number } } } } };
  const f = m.metadata?.fit?.calibration?.falseAlarm;
  return f ? { expected: 1 - f.expected, low: 1 - f.high, high: 1 - f.low } : undefined;
}

export function formatFigures(rows: AccuracyFigures[], promise?: { low: number; high: number; expected: number }): string {
  const out = [
    '| images | normal / abnormal | ROC-AUC [95% CI] | AP [95% CI] | sensitivity at threshold | specificity at threshold | ms/image |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    out.push(
      `| ${r.set} | ${r.images.normal} / ${r.images.abnormal}${r.images.failed ? ` (${r.images.failed} failed)` : ''} | ${formatInterval(r.rocAuc)} | ${formatInterval(r.averagePrecision)} | ${formatInterval(r.sensitivity)} | ${formatInterval(r.specificity)} | ${r.msPerImage} |`,
    );
  }
  if (promise) {
    out.push('');
    out.push(`The fit promises specificity ${promise.expected.toFixed(3)} (between ${promise.low.toFixed(3)} and ${promise.high.toFixed(3)} in 9 fits out of 10) at threshold ${rows[0]?.threshold.toFixed(4)}.`);
    for (const r of rows) {
      const inside = r.specificity.value >= promise.low && r.specificity.value <= promise.high;
      const overlaps = r.specificity.high >= promise.low && r.specificity.low <= promise.high;
      out.push(`  ${r.set}: specificity ${r.specificity.value.toFixed(3)} ${inside ? 'inside' : 'OUTSIDE'} the promised range${inside ? '' : overlaps ? ' (its interval overlaps it)' : ' (its interval does not reach it)'}`);
    }
  }
  return out.join('\n');
}
