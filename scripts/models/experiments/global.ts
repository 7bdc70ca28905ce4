/**
 * Image-level detectors on globally pooled backbone features: Gaussian (Mahalanobis, shrinkage) and kNN,
 * per tap and concatenated. `tsx scripts/models/experiments/global.ts [variant]`
 */
import { fitGaussian, gaussianScores } from '../../../src/core/fit/gaussian';
import { nearestNeighbours } from '../../../src/core/fit/ops';
import type { Matrix } from '../../../src/core/fit/compute';
import { listItems, makeSplit, SPLIT_SEEDS, type Split } from './dataset';
import { FeatureCache } from './features';
import { ortBackend } from '../ort-backend';
import { evaluate, formatRow, HEADER, type Result } from './evaluate';

const be = ortBackend();

async function gaussian(name: string, split: Split, fit: Matrix, val: Matrix, shrinkage?: number): Promise<Result> {
  const t0 = performance.now();
  const g = await fitGaussian(be, fit, { shrinkage: shrinkage ?? 'ledoit-wolf' });
  const t1 = performance.now();
  const s = await gaussianScores(be, g, val);
  const t2 = performance.now();
  return evaluate(`${name} gauss(s=${g.shrinkage.toFixed(3)})`, split, s, t1 - t0, t2 - t1);
}

async function knn(name: string, split: Split, fit: Matrix, val: Matrix, k: number): Promise<Result> {
  const t0 = performance.now();
  const nn = await nearestNeighbours(be, val, fit, k);
  const s = new Float32Array(val.rows);
  for (let i = 0; i < val.rows; i++) {
    let acc = 0;
    for (let j = 0; j < k; j++) acc += Math.sqrt(nn.dist2[i * k + j]);
    s[i] = acc / k;
  }
  return evaluate(`${name} knn k=${k}`, split, s, 0, performance.now() - t0);
}

/** Per-dimension standardisation by the fit set (so kNN is not dominated by high-variance channels). */
function standardise(fit: Matrix, ...others: Matrix[]): void {
  const d = fit.cols;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (let r = 0; r < fit.rows; r++) for (let c = 0; c < d; c++) mean[c] += fit.data[r * d + c] / fit.rows;
  for (let r = 0; r < fit.rows; r++) for (let c = 0; c < d; c++) sd[c] += (fit.data[r * d + c] - mean[c]) ** 2 / fit.rows;
  for (let c = 0; c < d; c++) sd[c] = Math.sqrt(sd[c]) + 1e-6;
  for (const m of [fit, ...others]) for (let r = 0; r < m.rows; r++) for (let c = 0; c < d; c++) m.data[r * d + c] = (m.data[r * d + c] - mean[c]) / sd[c];
}

async function main(): Promise<void> {
  const variant = process.argv[2] ?? 'base';
  const only = process.argv[3];
  const cache = new FeatureCache(variant);
  const items = listItems();
  console.log(HEADER);
  const TAPS = ['block_3_expand_relu', 'block_6_expand_relu', 'block_10_expand_relu', 'block_13_expand_relu', 'block_16_expand_relu', 'out_relu'];
  const short = (t: string) => t.replace('block_', 'b').replace('_expand_relu', '').replace('out_relu', 'out');
  for (const seed of only === 'B' ? [2] : only === 'A' ? [1] : SPLIT_SEEDS.slice(0, 1)) {
    const split = makeSplit(items, seed);
    const fitIds = split.fit.map((i) => i.id);
    const valIds = split.val.map((i) => i.id);
    const configs: [string, string[], 'mean' | 'std' | 'meanstd'][] = [
      ...TAPS.map((t) => [`${variant} ${short(t)} mean`, [t], 'mean'] as [string, string[], 'mean']),
      ...TAPS.map((t) => [`${variant} ${short(t)} mean+std`, [t], 'meanstd'] as [string, string[], 'meanstd']),
      [`${variant} b10+b13+b16+out mean`, TAPS.slice(2), 'mean'],
      [`${variant} b6+b10+b13+b16 mean`, TAPS.slice(1, 5), 'mean'],
      [`${variant} b13+b16 mean+std`, [TAPS[3], TAPS[4]], 'meanstd'],
      [`${variant} b10+b13+b16 mean+std`, TAPS.slice(2, 5), 'meanstd'],
      [`${variant} all mean`, TAPS, 'mean'],
    ];
    for (const [name, taps, stat] of configs) {
      const fit = cache.pooled(fitIds, taps, stat);
      const val = cache.pooled(valIds, taps, stat);
      console.log(formatRow(await gaussian(name, split, fit, val)));
      if (stat === 'mean' && taps.length === 1) {
        standardise(fit, val);
        for (const k of [1, 10]) console.log(formatRow(await knn(`${name} std`, split, fit, val, k)));
      }
    }
  }
  await be.release();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
