/**
 * Statistics and tables for bench:planted: per group (kind x size, kind x contrast) the image ROC-AUC of
 * planted copies against the originals with a bootstrap interval over images, the pointing-game hit rate
 * with a Wilson interval, and mean pixel AUROC / PRO with normal-theory intervals.
 */
import { rocAuc } from '../../src/core/metrics/roc';
import { mulberry32 } from '../../src/core/fit/random';

export interface PlantRow {
  image: string;
  /** Index of the original image (the bootstrap resamples images). */
  imageIndex: number;
  kind: string;
  /** The planned area share (the group); the planted region's actual share is `areaShare`. */
  area: number;
  areaShare: number;
  contrast: number;
  score: number;
  /** The map's hottest value (a what-if image score: the worst place only). */
  peak: number;
  hit: boolean;
  auroc?: number;
  pro?: number;
  border: number;
}

export interface OriginalRow {
  image: string;
  imageIndex: number;
  score: number;
  peak: number;
  border: number;
}

export interface Interval {
  value: number;
  low: number;
  high: number;
  n: number;
}

/** ROC-AUC of planted vs originals, with a 95% percentile bootstrap over images (paired: an image brings its original and its plants). */
export function aucWithInterval(
  rows: PlantRow[],
  originals: OriginalRow[],
  by: 'score' | 'peak' = 'score',
  reps = 400,
  seed = 1,
): Interval {
  const auc = (rs: PlantRow[], os: OriginalRow[]) =>
    rocAuc([...os.map((o) => o[by]), ...rs.map((r) => r[by])], [...os.map(() => false), ...rs.map(() => true)]);
  const value = auc(rows, originals);
  const images = [...new Set(originals.map((o) => o.imageIndex))];
  const byImage = new Map<number, PlantRow[]>();
  for (const r of rows) byImage.set(r.imageIndex, [...(byImage.get(r.imageIndex) ?? []), r]);
  const orig = new Map(originals.map((o) => [o.imageIndex, o]));
  const rng = mulberry32(seed);
  const values: number[] = [];
  for (let k = 0; k < reps; k++) {
    const rs: PlantRow[] = [];
    const os: OriginalRow[] = [];
    for (let i = 0; i < images.length; i++) {
      const im = images[Math.floor(rng() * images.length)];
      os.push(orig.get(im)!);
      rs.push(...(byImage.get(im) ?? []));
    }
    if (rs.length > 0) values.push(auc(rs, os));
  }
  values.sort((a, b) => a - b);
  const at = (q: number) => values[Math.min(values.length - 1, Math.floor(q * values.length))];
  return { value, low: at(0.025), high: at(0.975), n: rows.length };
}

/** Wilson 95% interval of a proportion. */
export function wilson(successes: number, n: number): Interval {
  if (n === 0) return { value: NaN, low: NaN, high: NaN, n };
  const z = 1.96;
  const p = successes / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return { value: p, low: c - h, high: c + h, n };
}

export function meanInterval(xs: number[]): Interval {
  const n = xs.length;
  if (n === 0) return { value: NaN, low: NaN, high: NaN, n };
  const m = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, n - 1));
  const h = (1.96 * sd) / Math.sqrt(n);
  return { value: m, low: m - h, high: m + h, n };
}

export interface GroupSummary {
  label: string;
  n: number;
  area: number;
  auc: Interval;
  peakAuc: Interval;
  hit: Interval;
  auroc: Interval;
  pro: Interval;
  border: Interval;
}

export function summarise(label: string, rows: PlantRow[], originals: OriginalRow[]): GroupSummary {
  return {
    label,
    n: rows.length,
    area: rows.reduce((a, r) => a + r.areaShare, 0) / Math.max(1, rows.length),
    auc: aucWithInterval(rows, originals),
    peakAuc: aucWithInterval(rows, originals, 'peak'),
    hit: wilson(rows.filter((r) => r.hit).length, rows.length),
    auroc: meanInterval(rows.flatMap((r) => (r.auroc !== undefined ? [r.auroc] : []))),
    pro: meanInterval(rows.flatMap((r) => (r.pro !== undefined ? [r.pro] : []))),
    border: meanInterval(rows.map((r) => r.border)),
  };
}

const f3 = (i: Interval) => `${i.value.toFixed(3)} (${i.low.toFixed(3)}-${i.high.toFixed(3)})`;
const pc = (i: Interval) => `${(100 * i.value).toFixed(0)}% (${(100 * i.low).toFixed(0)}-${(100 * i.high).toFixed(0)})`;

export function table(title: string, groups: GroupSummary[]): string {
  const lines = [
    `\n${title}\n`,
    '| group | n | mean area | image ROC-AUC (95% CI) | ROC-AUC of the map peak | pointing hit | pixel AUROC | PRO (FPR ≤ 0.3) | top tenth on border |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const g of groups)
    lines.push(
      `| ${g.label} | ${g.n} | ${(100 * g.area).toFixed(2)}% | ${f3(g.auc)} | ${f3(g.peakAuc)} | ${pc(g.hit)} | ${f3(g.auroc)} | ${f3(g.pro)} | ${pc(g.border)} |`,
    );
  return lines.join('\n');
}
