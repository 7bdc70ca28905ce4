/**
 * Tap search: a Gaussian (Ledoit-Wolf) on mean+std pooled features of every block's expand, depthwise and
 * projection/residual output, on both splits. `tsx scripts/models/experiments/taps.ts [stat]`
 */
import { fitGaussian, gaussianScores } from '../../../src/core/fit/gaussian';
import { listItems, makeSplit, SPLIT_SEEDS } from './dataset';
import { FeatureCache, WIDE_TAPS } from './features';
import { ortBackend } from '../ort-backend';
import { evaluate } from './evaluate';

async function main(): Promise<void> {
  const stat = (process.argv[2] ?? 'meanstd') as 'mean' | 'meanstd';
  const be = ortBackend();
  const cache = new FeatureCache('wide');
  const items = listItems();
  const splits = SPLIT_SEEDS.map((s) => makeSplit(items, s));
  console.log(`| tap (${stat}) | channels | AUC A | AP A | AUC B | AP B |\n|---|---|---|---|---|---|`);
  for (const tap of WIDE_TAPS) {
    const cells: string[] = [];
    for (const split of splits) {
      const fit = cache.pooled(split.fit.map((i) => i.id), [tap], stat);
      const val = cache.pooled(split.val.map((i) => i.id), [tap], stat);
      const g = await fitGaussian(be, fit);
      const r = evaluate(tap, split, await gaussianScores(be, g, val), 0, 0);
      cells.push(r.auc.toFixed(4), r.ap.toFixed(4));
    }
    console.log(`| ${tap} | ${cache.index.channels![tap]} | ${cells.join(' | ')} |`);
  }
  await be.release();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
