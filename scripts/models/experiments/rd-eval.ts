/**
 * `tsx scripts/models/experiments/rd-eval.ts <tag> [score...] [--reps 400]`: the product's figures (ROC-AUC, AP
 * with patient-grouped, class-stratified bootstrap intervals; src/core/metrics) of a reverse-distillation run's
 * scores (training/rd/train.py writes .cache/fit-research/rd/<tag>.scores.json) on held-out TRAIN and test-dev,
 * alone and in an ensemble with the shipped model's score (each z-scored on the held-out TRAIN normals, summed).
 * spec / sens: test-dev at the threshold the product's 95%-specificity rule takes from the held-out TRAIN
 * normals (as round 1; the run's calibration normals would favour the shipped model, which was fitted on part
 * of them). Default scores: the run's chosen one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { thresholdRank, orderStatistic } from '../../../src/core/fit/calibrate';
import { bootstrap, FIGURES, formatInterval } from '../../../src/core/metrics/bootstrap';
import { confusionAt } from '../../../src/core/metrics/roc';
import { argValue, ROOT } from '../protocol';

const RD_CACHE = join(ROOT, '.cache/fit-research/rd');

interface SetScores {
  ids: string[];
  groups: string[];
  labels: boolean[];
  shipped: number[];
  scores: Record<string, number[]>;
}
interface Run {
  tag: string;
  chosen: { epoch: number; score: string };
  train_s: number;
  score_ms_per_image_heads: number;
  sets: Record<'cal' | 'val' | 'dev', SetScores>;
}

/** Mean and sd of the held-out TRAIN normals' values. */
function normalStats(v: number[], labels: boolean[]): { mu: number; sd: number } {
  const n = v.filter((_, i) => !labels[i]);
  const mu = n.reduce((a, b) => a + b, 0) / n.length;
  const sd = Math.sqrt(n.reduce((a, b) => a + (b - mu) ** 2, 0) / (n.length - 1));
  return { mu, sd };
}

function main(argv: string[]): void {
  const reps = Number(argValue(argv, '--reps') ?? 400);
  const pos = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
  const [tag, ...wanted] = pos;
  const run = JSON.parse(readFileSync(join(RD_CACHE, `${tag}.scores.json`), 'utf8')) as Run;
  const names = wanted.length ? wanted : [run.chosen.score];
  const { val, dev } = run.sets;
  console.log(
    `${tag}: chosen epoch ${run.chosen.epoch}, score ${run.chosen.score}; training ${run.train_s.toFixed(0)} s; heads ${run.score_ms_per_image_heads.toFixed(1)} ms/image`,
  );
  const rows: { name: string; get: (s: SetScores) => number[] }[] = [];
  const shippedZ = normalStats(val.shipped, val.labels);
  for (const k of names) {
    const z = normalStats(val.scores[k], val.labels);
    rows.push({ name: `RD ${k}`, get: (s) => s.scores[k] });
    rows.push({
      name: `RD ${k} + shipped`,
      get: (s) => s.scores[k].map((v, i) => (v - z.mu) / z.sd + (s.shipped[i] - shippedZ.mu) / shippedZ.sd),
    });
  }
  rows.push({ name: 'shipped (G + Lmean)', get: (s) => s.shipped });
  console.log(
    '| image score | held-out TRAIN ROC-AUC [95% CI] | AP | test-dev ROC-AUC [95% CI] | test-dev AP [95% CI] | test-dev spec / sens at threshold |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    const c = Float32Array.from(r.get(val).filter((_, i) => !val.labels[i]));
    const thr = orderStatistic(c, thresholdRank(c.length, 0.95));
    const ci = (s: SetScores, f: typeof FIGURES.rocAuc) =>
      bootstrap(Float32Array.from(r.get(s)), s.labels, f, { reps, groups: s.groups, seed: 1 });
    const conf = confusionAt(Float32Array.from(r.get(dev)), dev.labels, thr);
    console.log(
      `| ${r.name} | ${formatInterval(ci(val, FIGURES.rocAuc))} | ${ci(val, FIGURES.averagePrecision).value.toFixed(3)} | ${formatInterval(ci(dev, FIGURES.rocAuc))} | ${formatInterval(ci(dev, FIGURES.averagePrecision))} | ${conf.specificity.toFixed(3)} / ${conf.sensitivity.toFixed(3)} |`,
    );
  }
}

main(process.argv.slice(2));
