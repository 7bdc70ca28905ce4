/**
 * Folder-level quality verdicts: the per-image measures (measures.ts) against the user's thresholds, plus
 * what needs the whole folder: exact duplicates (same content hash), near-duplicate groups (perceptual
 * hashes, nearDuplicates.ts) and odd size or aspect ratio (relative to the folder's median). Pure.
 */
import { nearDuplicateGroups } from './nearDuplicates';
import {
  QUALITY_FLAGS,
  type QualityFlag,
  type QualityMeasures,
  type QualityReport,
  type QualityThresholds,
} from './types';

export interface QualityInput {
  path: string;
  /** Content hash ('' when the file could not be read). */
  hash: string;
  measures?: QualityMeasures;
  /** Why the file could not be read or decoded (it then has no measures). */
  unreadable?: string;
}

/** One report per input, in input order. */
export function qualityReports(files: readonly QualityInput[], t: QualityThresholds): QualityReport[] {
  const reports: QualityReport[] = files.map((f) => ({ path: f.path, flags: [], measures: f.measures }));
  const flag = (i: number, f: QualityFlag) => {
    if (!reports[i].flags.includes(f)) reports[i].flags.push(f);
  };
  const byHash = new Map<string, number[]>();
  files.forEach((f, i) => {
    if (f.unreadable !== undefined) {
      reports[i].error = f.unreadable;
      flag(i, 'unreadable');
    }
    if (!f.hash) return;
    const g = byHash.get(f.hash);
    if (g) g.push(i);
    else byHash.set(f.hash, [i]);
  });
  for (const [hash, g] of byHash)
    if (g.length > 1)
      for (const i of g) {
        reports[i].exactGroup = hash;
        flag(i, 'exactDuplicate');
      }
  for (const g of nearDuplicateGroups(
    files.map((f) => f.measures?.phash),
    t.nearDuplicateBits,
  )) {
    // A group of byte-identical copies only is an exact duplicate, not a near one.
    const near = new Set(g.map((i) => files[i].hash)).size > 1;
    for (const i of g) {
      reports[i].nearGroup = files[g[0]].path;
      if (near) flag(i, 'nearDuplicate');
    }
  }
  const measured = files.map((f) => f.measures).filter((m): m is QualityMeasures => !!m && m.width > 0 && m.height > 0);
  const medianSide = median(measured.map((m) => Math.sqrt(m.width * m.height)));
  const medianAspect = median(measured.map((m) => m.width / m.height));
  files.forEach((f, i) => {
    const m = f.measures;
    if (!m) return;
    if (m.p99 < t.darkLevel) flag(i, 'dark');
    if (m.p1 > t.brightLevel) flag(i, 'bright');
    if (m.entropy < t.lowEntropy) flag(i, 'lowInformation');
    if (m.sharpness < t.blurVariance) flag(i, 'blurry');
    if (m.width > 0 && m.height > 0) {
      if (beyond(Math.sqrt(m.width * m.height) / medianSide, t.oddSizeRatio)) flag(i, 'oddSize');
      if (beyond(m.width / m.height / medianAspect, t.oddAspectRatio)) flag(i, 'oddAspect');
    }
  });
  for (const r of reports) r.flags.sort((a, b) => QUALITY_FLAGS.indexOf(a) - QUALITY_FLAGS.indexOf(b));
  return reports;
}

/** How many files carry each flag. */
export function flagCounts(reports: readonly QualityReport[]): Record<QualityFlag, number> {
  const out = Object.fromEntries(QUALITY_FLAGS.map((f) => [f, 0])) as Record<QualityFlag, number>;
  for (const r of reports) for (const f of r.flags) out[f]++;
  return out;
}

/** Whether a ratio is more than `factor` away from 1 either way (factor <= 1 never flags). */
function beyond(ratio: number, factor: number): boolean {
  return factor > 1 && ratio === ratio && (ratio > factor || ratio < 1 / factor);
}

function median(v: number[]): number {
  if (v.length === 0) return NaN;
  const s = v.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
