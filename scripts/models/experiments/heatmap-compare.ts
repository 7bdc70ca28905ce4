/**
 * Paired comparison of the heatmap experiment's runs (scripts/models/experiments/heatmap.ts) against a
 * baseline: every run scores and maps the same 600 held-out images, so differences are taken per image
 * (mean and 95% CI of the per-image difference), and the ROC-AUC difference gets a paired bootstrap
 * (images resampled with replacement, within class, the same resample for both runs).
 *
 * Usage: node --import tsx scripts/models/experiments/heatmap-compare.ts [--dir test-output/heatmap]
 *        [--base current] [--runs crop,crop-inpaint,...] [--boot 2000]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rocAuc } from '../../../src/core/metrics/roc';
import { mulberry32 } from '../../../src/core/fit/random';
import { argValue, ROOT } from '../protocol';

interface Row {
  file: string;
  label: 0 | 1;
  score: number;
  zones: Record<string, { share: number; visible?: number; peak: boolean } | undefined>;
}

function load(dir: string, run: string): Map<string, Row> {
  const file = join(dir, `${run}.images.jsonl`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run scripts/models/experiments/heatmap.ts first`);
  const rows = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row);
  return new Map(rows.map((r) => [r.file, r]));
}

function meanCi(xs: number[]): string {
  const n = xs.length;
  const m = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, n - 1));
  const sign = m >= 0 ? '+' : '';
  return `${sign}${(100 * m).toFixed(1)} ± ${((100 * 1.96 * sd) / Math.sqrt(n)).toFixed(1)}`;
}

function main(argv: string[]): void {
  const dir = argValue(argv, '--dir') ?? join(ROOT, 'test-output/heatmap');
  const baseName = argValue(argv, '--base') ?? 'current';
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
  const runs = (argValue(argv, '--runs') ?? Object.keys(summary).filter((k) => k !== baseName).join(',')).split(',');
  const boots = Number(argValue(argv, '--boot') ?? 2000);
  const base = load(dir, baseName);
  const files = [...base.keys()];
  const byClass = [files.filter((f) => base.get(f)!.label === 0), files.filter((f) => base.get(f)!.label === 1)];
  const labels = files.map((f) => base.get(f)!.label);

  console.log(`Paired differences against ${baseName} (${files.length} images; percentage points, mean ± 95% CI of the per-image difference).\n`);
  console.log('| run | ΔROC-AUC [95% bootstrap CI] | Δ top decile on border | Δ on field border | Δ on wide marks | Δ near wide marks | Δ tint on border | Δ peak on border |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const run of runs) {
    const other = load(dir, run);
    if (files.some((f) => !other.has(f))) throw new Error(`${run} does not hold the same images as ${baseName}`);
    const a = files.map((f) => base.get(f)!.score);
    const b = files.map((f) => other.get(f)!.score);
    const d = rocAuc(b, labels) - rocAuc(a, labels);
    const rnd = mulberry32(7);
    const diffs: number[] = [];
    for (let k = 0; k < boots; k++) {
      const idx: number[] = [];
      for (const cls of byClass) for (let i = 0; i < cls.length; i++) idx.push(files.indexOf(cls[Math.floor(rnd() * cls.length)]));
      const l = idx.map((i) => labels[i]);
      diffs.push(rocAuc(idx.map((i) => b[i]), l) - rocAuc(idx.map((i) => a[i]), l));
    }
    diffs.sort((x, y) => x - y);
    const lo = diffs[Math.floor(0.025 * boots)];
    const hi = diffs[Math.floor(0.975 * boots)];
    const delta = (zone: string, key: 'share' | 'visible' | 'peak') =>
      meanCi(
        files.flatMap((f) => {
          const x = base.get(f)!.zones[zone];
          const y = other.get(f)!.zones[zone];
          if (!x || !y || x[key] === undefined || y[key] === undefined) return [];
          return [Number(y[key]) - Number(x[key])];
        }),
      );
    console.log(`| ${run} | ${d >= 0 ? '+' : ''}${d.toFixed(4)} [${lo.toFixed(4)}, ${hi.toFixed(4)}] | ${delta('border', 'share')} | ${delta('field', 'share')} | ${delta('marksWide', 'share')} | ${delta('marksNear', 'share')} | ${delta('border', 'visible')} | ${delta('border', 'peak')} |`);
  }
}

main(process.argv.slice(2));
