/**
 * Does the Mahalanobis distance over-weight directions in which TRAIN normals hardly vary (and new patients'
 * normals do)? More shrinkage towards the identity, or only the top principal components, on the b10 log
 * mean+std features (whole map and the central 8x8), judged on held-out TRAIN and test-dev.
 * `tsx scripts/models/experiments/generalise-shrink.ts [seed]`
 */
import { fitGaussian, gaussianScores } from '../../../src/core/fit/gaussian';
import { matrix, type Matrix } from '../../../src/core/fit/compute';
import { symmetricEigen } from '../../../src/core/fit/linalg';
import { FeatureCache } from './features';
import { gSplit } from './generalise-data';
import { be, HEADER, poolRegion, report } from './generalise';

/** Mahalanobis distance in the top-k principal components of the fit set (no shrinkage needed). */
function topPcScores(fit: Matrix, k: number, ...xs: Matrix[]): Float32Array[] {
  const d = fit.cols;
  const mean = new Float64Array(d);
  for (let r = 0; r < fit.rows; r++) for (let c = 0; c < d; c++) mean[c] += fit.data[r * d + c] / fit.rows;
  const cov = new Float64Array(d * d);
  for (let r = 0; r < fit.rows; r++) {
    const row = new Float64Array(d);
    for (let c = 0; c < d; c++) row[c] = fit.data[r * d + c] - mean[c];
    for (let i = 0; i < d; i++) {
      const v = row[i];
      if (v === 0) continue;
      for (let j = i; j < d; j++) cov[i * d + j] += (v * row[j]) / fit.rows;
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) cov[i * d + j] = cov[j * d + i];
  const { values, vectors } = symmetricEigen(cov, d);
  const order = Array.from(values.keys()).sort((a, b) => values[b] - values[a]).slice(0, k);
  return xs.map((x) => {
    const out = new Float32Array(x.rows);
    for (let r = 0; r < x.rows; r++) {
      let s = 0;
      for (const e of order) {
        let p = 0;
        for (let c = 0; c < d; c++) p += (x.data[r * d + c] - mean[c]) * vectors[c * d + e];
        s += (p * p) / values[e];
      }
      out[r] = Math.sqrt(s);
    }
    return out;
  });
}

async function main(): Promise<void> {
  const seed = Number(process.argv[2] ?? 2);
  const base = new FeatureCache('g-base');
  const sp = gSplit(seed);
  const ids = [sp.fit, sp.val, sp.dev].map((s) => s.map((i) => i.id));
  console.log(HEADER);
  const t = 'block_10_expand_relu';
  const maps = ids.map((x) => base.spatial(x, t));
  for (const [region, o] of [['whole', {}], ['centre 8x8', { r0: 3, r1: 11, c0: 3, c1: 11 }]] as const) {
    const [f, v, d] = maps.map((m, i) => poolRegion(m, ids[i].length, o));
    for (const s of [0.05, 0.2, 0.5, 0.8]) {
      const g = await fitGaussian(be, f, { shrinkage: s });
      console.log(report(`b10 log ${region} shrinkage ${s}`, await gaussianScores(be, g, v), sp.val, await gaussianScores(be, g, d), sp.dev));
    }
    for (const k of [10, 40, 150]) {
      const [sv, sd] = topPcScores(f, k, v, d);
      console.log(report(`b10 log ${region} top ${k} PCs`, sv, sp.val, sd, sp.dev));
    }
  }
  void matrix;
  await be.release();
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
