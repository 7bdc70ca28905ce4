/**
 * Pooling variants for the global Gaussian on block_10_expand_relu (14x14x384 at 224 px): centre crop,
 * 2x2 grid, extra statistics (max, quantile), log features, and PCA truncation / whitening.
 * `tsx scripts/models/experiments/pooling.ts <A|B>`
 */
import { fitGaussian, gaussianScores, transpose } from '../../../src/core/fit/gaussian';
import { type Matrix, matrix } from '../../../src/core/fit/compute';
import { symmetricEigen } from '../../../src/core/fit/linalg';
import { centeredGram, columnMeans, matmul } from '../../../src/core/fit/ops';
import { listItems, makeSplit } from './dataset';
import { FeatureCache } from './features';
import { ortBackend } from '../ort-backend';
import { evaluate, formatRow, HEADER } from './evaluate';

type Maps = { data: Float32Array; C: number; h: number; w: number };
type Pool = (m: Maps, i: number) => number[];

function pooled(m: Maps, n: number, pool: Pool): Matrix {
  const rows = Array.from({ length: n }, (_, i) => pool(m, i));
  const out = matrix(n, rows[0].length);
  rows.forEach((r, i) => out.data.set(r, i * r.length));
  return out;
}

/** mean and std of each channel over the cells with y0<=y<y1, x0<=x<x1. */
function stats(m: Maps, i: number, y0: number, y1: number, x0: number, x1: number, extra: 'none' | 'max' | 'log' = 'none'): number[] {
  const { C, h, w } = m;
  const mean: number[] = [];
  const sd: number[] = [];
  const mx: number[] = [];
  for (let c = 0; c < C; c++) {
    let s = 0, s2 = 0, M = 0, k = 0;
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) {
        let v = m.data[((i * C + c) * h + y) * w + x];
        if (extra === 'log') v = Math.log1p(v);
        s += v;
        s2 += v * v;
        M = Math.max(M, v);
        k++;
      }
    const mu = s / k;
    mean.push(mu);
    sd.push(Math.sqrt(Math.max(0, s2 / k - mu * mu)));
    mx.push(M);
  }
  return extra === 'max' ? [...mean, ...sd, ...mx] : [...mean, ...sd];
}

async function main(): Promise<void> {
  const be = ortBackend();
  const split = makeSplit(listItems(), process.argv[2] === 'B' ? 2 : 1);
  const cache = new FeatureCache('base');
  const fitIds = split.fit.map((i) => i.id);
  const valIds = split.val.map((i) => i.id);
  const fm = cache.spatial(fitIds, 'block_10_expand_relu');
  const vm = cache.spatial(valIds, 'block_10_expand_relu');
  const H = fm.h;
  console.log(HEADER);
  const pools: [string, Pool][] = [
    ['full mean+std (reference)', (m, i) => stats(m, i, 0, H, 0, H)],
    ['log1p mean+std', (m, i) => stats(m, i, 0, H, 0, H, 'log')],
    ['mean+std+max', (m, i) => stats(m, i, 0, H, 0, H, 'max')],
    ['centre crop 1 cell', (m, i) => stats(m, i, 1, H - 1, 1, H - 1)],
    ['centre crop 2 cells', (m, i) => stats(m, i, 2, H - 2, 2, H - 2)],
    ['left+right halves', (m, i) => [...stats(m, i, 0, H, 0, H / 2), ...stats(m, i, 0, H, H / 2, H)]],
    ['2x2 grid', (m, i) => [0, 1].flatMap((a) => [0, 1].flatMap((b) => stats(m, i, (a * H) / 2, ((a + 1) * H) / 2, (b * H) / 2, ((b + 1) * H) / 2)))],
  ];
  for (const [name, pool] of pools) {
    const f = pooled(fm, fitIds.length, pool);
    const v = pooled(vm, valIds.length, pool);
    const t0 = performance.now();
    const g = await fitGaussian(be, f);
    const t1 = performance.now();
    const s = await gaussianScores(be, g, v);
    console.log(formatRow(evaluate(`b10 ${name} (${f.cols}-d)`, split, s, t1 - t0, performance.now() - t1)));
  }

  // PCA on the reference features: Mahalanobis restricted to the top-k or to the bottom components.
  const f = pooled(fm, fitIds.length, pools[0][1]);
  const v = pooled(vm, valIds.length, pools[0][1]);
  const d = f.cols;
  const mean = columnMeans(f);
  const cov = await centeredGram(be, f, mean);
  for (let i = 0; i < cov.length; i++) cov[i] /= f.rows;
  const eig = symmetricEigen(cov, d);
  const center = (m: Matrix) => matrix(m.rows, d, m.data.map((x, i) => x - mean[i % d]));
  const vecs = matrix(d, d, Float32Array.from(eig.vectors));
  const pf = await matmul(be, center(f), vecs);
  const pv = await matmul(be, center(v), vecs);
  const lambdaFloor = eig.values[0] * 1e-6;
  for (const [name, lo, hi] of [['top 32 PCs', 0, 32], ['top 128 PCs', 0, 128], ['top 50% PCs', 0, d / 2], ['bottom 50% PCs', d / 2, d], ['PCs 16..end', 16, d], ['all PCs', 0, d]] as const) {
    const s = new Float32Array(v.rows);
    for (let r = 0; r < v.rows; r++) {
      let acc = 0;
      for (let k = lo; k < hi; k++) acc += pv.data[r * d + k] ** 2 / Math.max(eig.values[k], lambdaFloor);
      s[r] = Math.sqrt(acc);
    }
    console.log(formatRow(evaluate(`b10 mean+std PCA whitened, ${name} (no shrinkage)`, split, s, 0, 0)));
  }
  void pf;
  void transpose;
  await be.release();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
