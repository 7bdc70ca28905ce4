/**
 * Patch-level detectors on feature maps: PatchCore (memory bank of patch features, random vs greedy
 * coreset, nearest-neighbour distance map) and PaDiM (one Gaussian per map position), with the image
 * score taken as mean / max / top-10% of the map, alone and combined with the global Gaussian.
 * `TAPS=b10 KINDS=random0.1,coreset0.01 PROJ=128 PADIM=1 tsx scripts/models/experiments/local.ts <A|B>`
 */
import { GraphBuilder } from '../../../src/core/onnx/builder';
import { type Matrix, f32, matrix, selectRows } from '../../../src/core/fit/compute';
import { greedyCoreset } from '../../../src/core/fit/coreset';
import { fitGaussian, gaussianScores } from '../../../src/core/fit/gaussian';
import { matmul, nearestNeighbours } from '../../../src/core/fit/ops';
import { gaussianRng, mulberry32, sampleIndices } from '../../../src/core/fit/random';
import { listItems, makeSplit, type Split } from './dataset';
import { FeatureCache } from './features';
import { ortBackend } from '../ort-backend';
import { evaluate, formatRow, HEADER, zscoreBy } from './evaluate';

const be = ortBackend();

const AVGPOOL3 = () => {
  const g = new GraphBuilder('agg');
  g.input('x', ['n', 'c', 'h', 'w']);
  g.op('AveragePool', ['x'], { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], count_include_pad: 0 }, 'y');
  g.output('y', ['n', 'c', 'h', 'w']);
  return g.toBytes({ opset: 17 });
};

/** [n, C, h, w] maps -> [n*h*w, C] patch rows (optionally 3x3-averaged first, as PatchCore does). */
async function patches(maps: { data: Float32Array; C: number; h: number; w: number }, n: number, aggregate: boolean): Promise<Matrix> {
  const { C, h, w } = maps;
  let data = maps.data;
  if (aggregate) {
    const out = new Float32Array(data.length);
    const step = 64;
    for (let i = 0; i < n; i += step) {
      const e = Math.min(n, i + step);
      const r = await be.run('avgpool3', AVGPOOL3, { x: f32(data.subarray(i * C * h * w, e * C * h * w), [e - i, C, h, w]) });
      out.set(r.y.data as Float32Array, i * C * h * w);
    }
    data = out;
  }
  const m = matrix(n * h * w, C);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < C; c++)
      for (let p = 0; p < h * w; p++) m.data[(i * h * w + p) * C + c] = data[(i * C + c) * h * w + p];
  return m;
}

function reduceMaps(perPatch: Float32Array, n: number, hw: number, how: 'mean' | 'max' | 'top10'): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const m = perPatch.subarray(i * hw, (i + 1) * hw);
    if (how === 'mean') out[i] = m.reduce((a, b) => a + b, 0) / hw;
    else if (how === 'max') out[i] = m.reduce((a, b) => Math.max(a, b), -Infinity);
    else {
      const s = Float32Array.from(m).sort().reverse();
      const k = Math.max(1, Math.round(hw * 0.1));
      out[i] = s.subarray(0, k).reduce((a, b) => a + b, 0) / k;
    }
  }
  return out;
}

async function main(): Promise<void> {
  const which = process.argv[2] ?? 'A';
  // usage: local.ts <A|B>
  // Which settings to run, from the environment: TAPS=b10,b13 KINDS=random0.1,coreset0.01 PROJ=128,0 PADIM=1
  const list = (name: string, dflt: string) => (process.env[name] ?? dflt).split(',').filter(Boolean);
  const taps = list('TAPS', 'b10');
  const kinds = list('KINDS', 'random0.1,random0.01,coreset0.01,coreset0.1');
  const padim = process.env.PADIM !== '0';
  const split: Split = makeSplit(listItems(), which === 'B' ? 2 : 1);
  const fitIds = split.fit.map((i) => i.id);
  const valIds = split.val.map((i) => i.id);
  const cache = new FeatureCache('base');
  console.log(HEADER);

  // Global reference score to combine with.
  const gFit = cache.pooled(fitIds, ['block_10_expand_relu'], 'meanstd');
  const gVal = cache.pooled(valIds, ['block_10_expand_relu'], 'meanstd');
  const gm = await fitGaussian(be, gFit);
  const globalVal = await gaussianScores(be, gm, gVal);
  const globalFit = await gaussianScores(be, gm, gFit);

  for (const tap of ['block_10_expand_relu', 'block_13_expand_relu', 'block_6_expand_relu']) {
    const short = tap.replace('block_', 'b').replace('_expand_relu', '');
    if (!taps.includes(short)) continue;
    const fm = cache.spatial(fitIds, tap);
    const vm = cache.spatial(valIds, tap);
    const hw = fm.h * fm.w;
    for (const aggregate of [true]) {
      const fitP = await patches(fm, fitIds.length, aggregate);
      const valP = await patches(vm, valIds.length, aggregate);
      // Random projection to 128-d (the quick experiment's setting) and the full width.
      for (const proj of (process.env.PROJ ?? '128,0').split(',').map(Number)) {
        let F = fitP;
        let V = valP;
        if (proj) {
          const g = gaussianRng(mulberry32(5));
          const w = matrix(F.cols, proj, Float32Array.from({ length: F.cols * proj }, () => g() / Math.sqrt(proj)));
          F = await matmul(be, F, w);
          V = await matmul(be, V, w);
        }
        for (const [kind, ratio] of [['random', 0.1], ['random', 0.01], ['coreset', 0.01], ['coreset', 0.1]] as const) {
          if (!kinds.includes(`${kind}${ratio}`)) continue;
          const m = Math.round(F.rows * ratio);
          const t0 = performance.now();
          const idx = kind === 'random' ? sampleIndices(F.rows, m, mulberry32(9)) : (await greedyCoreset(be, F, m, { projectTo: 128, seed: 9 })).indices;
          const bank = selectRows(F, idx);
          const t1 = performance.now();
          const nn = await nearestNeighbours(be, V, bank, 1);
          const t2 = performance.now();
          const dist = nn.dist2.map(Math.sqrt);
          const name = `${short}${aggregate ? ' agg3' : ''} ${proj ? `proj${proj}` : `full${F.cols}`} ${kind} ${ratio * 100}% (${m})`;
          for (const how of ['mean', 'max', 'top10'] as const) {
            const s = reduceMaps(dist, valIds.length, hw, how);
            console.log(formatRow(evaluate(`patchcore ${name} ${how}`, split, s, t1 - t0, t2 - t1)));
          }
          // Combination with the global Gaussian, z-normalised by fit-set statistics. The local score's fit
          // statistics come from scoring a sample of fit images against the bank (they include themselves,
          // so the scale is only approximate; good enough for a sum of z-scores).
          const local = reduceMaps(dist, valIds.length, hw, 'mean');
          const sampleFit = sampleIndices(fitIds.length, 200, mulberry32(1));
          const fitRows = matrix(sampleFit.length * hw, F.cols);
          sampleFit.forEach((img, i) => fitRows.data.set(F.data.subarray(img * hw * F.cols, (img + 1) * hw * F.cols), i * hw * F.cols));
          const nnFit = await nearestNeighbours(be, fitRows, bank, 2);
          // 2nd neighbour stands in for leave-one-out (the 1st is usually the patch itself when it is in the bank).
          const fitLocal = reduceMaps(Float32Array.from({ length: sampleFit.length * hw }, (_, i) => Math.sqrt(nnFit.dist2[i * 2 + 1])), sampleFit.length, hw, 'mean');
          const zl = zscoreBy(fitLocal, local);
          const zg = zscoreBy(globalFit, globalVal);
          for (const wl of [0.5, 1]) {
            console.log(formatRow(evaluate(`global b10 + ${wl}×patchcore ${name} mean`, split, zg.map((v, i) => v + wl * zl[i]), t1 - t0, t2 - t1)));
          }
        }
      }
      if (padim) {
        // PaDiM: a Gaussian per position on a random 100-channel subset.
        const t0 = performance.now();
        const ch = sampleIndices(fm.C, Math.min(100, fm.C), mulberry32(3));
        const perVal = new Float32Array(valIds.length * hw);
        const perFit = new Float32Array(fitIds.length * hw);
        for (let p = 0; p < hw; p++) {
          const rows = (P: Matrix, n: number) => {
            const m = matrix(n, ch.length);
            for (let i = 0; i < n; i++) for (let k = 0; k < ch.length; k++) m.data[i * ch.length + k] = P.data[(i * hw + p) * P.cols + ch[k]];
            return m;
          };
          const F = rows(fitP, fitIds.length);
          const V = rows(valP, valIds.length);
          const g = await fitGaussian(be, F);
          const sv = await gaussianScores(be, g, V);
          const sf = await gaussianScores(be, g, F);
          for (let i = 0; i < valIds.length; i++) perVal[i * hw + p] = sv[i];
          for (let i = 0; i < fitIds.length; i++) perFit[i * hw + p] = sf[i];
        }
        const t1 = performance.now();
        for (const how of ['mean', 'max', 'top10'] as const) {
          console.log(formatRow(evaluate(`padim ${short} agg3 100ch ${how}`, split, reduceMaps(perVal, valIds.length, hw, how), t1 - t0, 0)));
        }
        const zl = zscoreBy(reduceMaps(perFit, fitIds.length, hw, 'mean'), reduceMaps(perVal, valIds.length, hw, 'mean'));
        const zg = zscoreBy(globalFit, globalVal);
        console.log(formatRow(evaluate(`global b10 + padim ${short} mean`, split, zg.map((v, i) => v + zl[i]), t1 - t0, 0)));
      }
    }
  }
  await be.release();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
