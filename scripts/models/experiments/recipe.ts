/**
 * The candidate recipes, run the way the product will run them, on repeated patient-grouped splits:
 * fit on the split's normals minus a 15% calibration hold-out, standardise/threshold on the calibration
 * normals, judge on the split's 300 held-out normals + 300 pneumonia.
 * `tsx scripts/models/experiments/recipe.ts [seeds=1,2,3,4,5]`  (needs the 'all' cache with block_10 maps)
 */
import { combineScores, standardiser } from '../../../src/core/fit/combine';
import { fitGaussian, gaussianScores } from '../../../src/core/fit/gaussian';
import { type FeatureMaps, meanStdPool, patchRows } from '../../../src/core/fit/features';
import { averagePrecision, confusionAt, quantile, rocAuc } from '../../../src/core/metrics/roc';
import { buildMemoryBank, meanPerImage, patchDistances } from '../../../src/core/fit/patchcore';
import { groupedHoldout } from '../../../src/core/fit/split';
import { listItems, makeSplit, type Item } from './dataset';
import { FeatureCache } from './features';
import { ortBackend } from '../ort-backend';

const TAP = 'block_10_expand_relu';
const be = ortBackend();

function maps(cache: FeatureCache, items: Item[]): FeatureMaps {
  const m = cache.spatial(items.map((i) => i.id), TAP);
  return { data: m.data, n: items.length, c: m.C, h: m.h, w: m.w };
}

interface Row {
  recipe: string;
  seed: number;
  auc: number;
  ap: number;
  fitS: number;
  scoreMs: number;
  sens: number;
  spec: number;
}

async function main(): Promise<void> {
  const seeds = (process.argv[2] ?? '1,2,3,4,5').split(',').map(Number);
  const cache = new FeatureCache('all');
  const items = listItems();
  const rows: Row[] = [];
  for (const seed of seeds) {
    const split = makeSplit(items, seed);
    const { held: calib, rest: train } = groupedHoldout(split.fit, (i) => i.patient, Math.round(split.fit.length * 0.15), seed + 500);
    const labels = split.val.map((i) => i.anomalous);
    const mTrain = maps(cache, train);
    const mCal = maps(cache, calib);
    const mVal = maps(cache, split.val);
    const hw = mTrain.h * mTrain.w;

    const t = () => performance.now();
    const scored: Record<string, { cal: Float32Array; val: Float32Array; fitMs: number; scoreMs: number }> = {};
    for (const log1p of [false, true]) {
      const t0 = t();
      const fTrain = await meanStdPool(be, mTrain, { log1p });
      const g = await fitGaussian(be, fTrain);
      const t1 = t();
      const val = await gaussianScores(be, g, await meanStdPool(be, mVal, { log1p }));
      const t2 = t();
      const cal = await gaussianScores(be, g, await meanStdPool(be, mCal, { log1p }));
      scored[log1p ? 'G-log' : 'G'] = { cal, val, fitMs: t1 - t0, scoreMs: (t2 - t1) / split.val.length };
    }
    for (const [name, projectTo] of [['P128', 128], ['Pfull', 0]] as const) {
      const t0 = t();
      const pTrain = await patchRows(be, mTrain);
      const mb = await buildMemoryBank(be, pTrain, { coresetRatio: 0.01, projectTo, selectionProjectTo: 128, seed });
      const t1 = t();
      const val = meanPerImage(await patchDistances(be, mb, await patchRows(be, mVal)), hw);
      const t2 = t();
      const cal = meanPerImage(await patchDistances(be, mb, await patchRows(be, mCal)), hw);
      scored[name] = { cal, val, fitMs: t1 - t0, scoreMs: (t2 - t1) / split.val.length };
    }
    const combos: [string, string[]][] = [['G', ['G']], ['G-log', ['G-log']], ['P128', ['P128']], ['Pfull', ['Pfull']], ['G+P128', ['G', 'P128']], ['G-log+P128', ['G-log', 'P128']], ['G+Pfull', ['G', 'Pfull']], ['G-log+Pfull', ['G-log', 'Pfull']]];
    for (const [recipe, parts] of combos) {
      const cal = combineScores(parts.map((p) => ({ scores: scored[p].cal, std: standardiser(scored[p].cal) })));
      const val = combineScores(parts.map((p) => ({ scores: scored[p].val, std: standardiser(scored[p].cal) })));
      const threshold = quantile(cal, 0.95);
      const c = confusionAt(val, labels, threshold);
      const row: Row = {
        recipe,
        seed,
        auc: rocAuc(val, labels),
        ap: averagePrecision(val, labels),
        fitS: parts.reduce((a, p) => a + scored[p].fitMs, 0) / 1000,
        scoreMs: parts.reduce((a, p) => a + scored[p].scoreMs, 0),
        sens: c.sensitivity,
        spec: c.specificity,
      };
      rows.push(row);
      console.log(JSON.stringify({ ...row, train: train.length, calib: calib.length }));
    }
  }
  // Summary: mean ± sd over seeds.
  console.log('\n| recipe | ROC-AUC mean ± sd | AP mean ± sd | sens @p95 | spec @p95 | fit s | score ms/img (excl. backbone) |\n|---|---|---|---|---|---|---|');
  const ms = (xs: number[]) => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
    return `${m.toFixed(4)} ± ${sd.toFixed(4)}`;
  };
  for (const recipe of [...new Set(rows.map((r) => r.recipe))]) {
    const rs = rows.filter((r) => r.recipe === recipe);
    const avg = (f: (r: Row) => number) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
    console.log(`| ${recipe} | ${ms(rs.map((r) => r.auc))} | ${ms(rs.map((r) => r.ap))} | ${avg((r) => r.sens).toFixed(3)} | ${avg((r) => r.spec).toFixed(3)} | ${avg((r) => r.fitS).toFixed(1)} | ${avg((r) => r.scoreMs).toFixed(2)} |`);
  }
  await be.release();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
