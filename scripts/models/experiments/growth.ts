/**
 * How fit time, scoring time and accuracy grow with the memory bank (coreset ratio), split A, the
 * product protocol (fit on 85% of the fit normals, calibrate on 15%).
 * `tsx scripts/models/experiments/growth.ts [ratios=0.0025,0.005,0.01,0.02,0.04]`
 */
import { combineScores, standardiser } from '../../../src/core/fit/combine';
import { fitGaussian, gaussianScores } from '../../../src/core/fit/gaussian';
import { type FeatureMaps, meanStdPool, patchRows } from '../../../src/core/fit/features';
import { averagePrecision, rocAuc } from '../../../src/core/metrics/roc';
import { buildMemoryBank, meanPerImage, patchDistances } from '../../../src/core/fit/patchcore';
import { groupedHoldout } from '../../../src/core/fit/split';
import { listItems, makeSplit, type Item } from './dataset';
import { FeatureCache } from './features';
import { ortBackend } from '../ort-backend';

async function main(): Promise<void> {
  const ratios = (process.argv[2] ?? '0.0025,0.005,0.01,0.02,0.04').split(',').map(Number);
  const be = ortBackend();
  const cache = new FeatureCache('all');
  const split = makeSplit(listItems(), 1);
  const { held: calib, rest: train } = groupedHoldout(split.fit, (i) => i.patient, Math.round(split.fit.length * 0.15), 501);
  const maps = (items: Item[]): FeatureMaps => {
    const m = cache.spatial(items.map((i) => i.id), 'block_10_expand_relu');
    return { data: m.data, n: items.length, c: m.C, h: m.h, w: m.w };
  };
  const [mt, mc, mv] = [maps(train), maps(calib), maps(split.val)];
  const labels = split.val.map((i) => i.anomalous);
  const g = await fitGaussian(be, await meanStdPool(be, mt, { log1p: true }));
  const gCal = await gaussianScores(be, g, await meanStdPool(be, mc, { log1p: true }));
  const gVal = await gaussianScores(be, g, await meanStdPool(be, mv, { log1p: true }));
  const pt = await patchRows(be, mt);
  const pc = await patchRows(be, mc);
  const pv = await patchRows(be, mv);
  console.log(`patch rows: ${pt.rows} x ${pt.cols}`);
  console.log('| sampling | ratio | bank rows | bank MB (fp32) | fit s | score ms/img (NN only) | AUC local | AUC global+local | AP global+local |\n|---|---|---|---|---|---|---|---|---|');
  const runs: ['greedy' | 'random', number][] = [...ratios.map((r) => ['greedy', r] as ['greedy', number]), ['random', 0.01], ['random', 0.1]];
  for (const [sampling, ratio] of runs) {
    const t0 = performance.now();
    const mb = await buildMemoryBank(be, pt, { coresetRatio: ratio, sampling, projectTo: 0, selectionProjectTo: 128, seed: 1 });
    const t1 = performance.now();
    const lVal = meanPerImage(await patchDistances(be, mb, pv), 196);
    const t2 = performance.now();
    const lCal = meanPerImage(await patchDistances(be, mb, pc), 196);
    const comb = combineScores([
      { scores: gVal, std: standardiser(gCal) },
      { scores: lVal, std: standardiser(lCal) },
    ]);
    console.log(
      `| ${sampling} | ${ratio} | ${mb.bank.rows} | ${((mb.bank.rows * mb.bank.cols * 4) / 1e6).toFixed(1)} | ${((t1 - t0) / 1000).toFixed(1)} | ${((t2 - t1) / split.val.length).toFixed(2)} | ${rocAuc(lVal, labels).toFixed(4)} | ${rocAuc(comb, labels).toFixed(4)} | ${averagePrecision(comb, labels).toFixed(4)} |`,
    );
  }
  await be.release();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
