/**
 * Second round on pooled features: shrinkage sweep, per-tap Gaussian ensembles, test-time augmentation
 * (flip), preprocessing (histogram equalisation) and input scale, and PCA truncation.
 * `tsx scripts/models/experiments/combine.ts <A|B> [section...]`
 */
import { fitGaussian, gaussianScores, type GaussianModel } from '../../../src/core/fit/gaussian';
import { type Matrix, hstack, matrix } from '../../../src/core/fit/compute';
import { listItems, makeSplit, type Split } from './dataset';
import { FeatureCache } from './features';
import { ortBackend } from '../ort-backend';
import { evaluate, formatRow, HEADER, zscoreBy } from './evaluate';

const be = ortBackend();
const T = {
  b3: 'block_3_expand_relu',
  b6: 'block_6_expand_relu',
  b10: 'block_10_expand_relu',
  b13: 'block_13_expand_relu',
  b16: 'block_16_expand_relu',
  out: 'out_relu',
};
type Stat = 'mean' | 'std' | 'meanstd';

interface Scored {
  fitScores: Float32Array;
  valScores: Float32Array;
  fitMs: number;
  scoreMs: number;
  model: GaussianModel;
}

async function gauss(fit: Matrix, val: Matrix, shrinkage?: number): Promise<Scored> {
  const t0 = performance.now();
  const model = await fitGaussian(be, fit, { shrinkage: shrinkage ?? 'ledoit-wolf' });
  const t1 = performance.now();
  const valScores = await gaussianScores(be, model, val);
  const t2 = performance.now();
  const fitScores = await gaussianScores(be, model, fit);
  return { fitScores, valScores, fitMs: t1 - t0, scoreMs: t2 - t1, model };
}

function average(a: Matrix, b: Matrix): Matrix {
  return matrix(a.rows, a.cols, a.data.map((v, i) => (v + b.data[i]) / 2));
}

async function main(): Promise<void> {
  const which = process.argv[2] ?? 'A';
  const sections = new Set(process.argv.slice(3));
  const want = (s: string) => sections.size === 0 || sections.has(s);
  const split: Split = makeSplit(listItems(), which === 'B' ? 2 : 1);
  const fitIds = split.fit.map((i) => i.id);
  const valIds = split.val.map((i) => i.id);
  const base = new FeatureCache('base');
  const feats = (c: FeatureCache, taps: string[], stat: Stat) => [c.pooled(fitIds, taps, stat), c.pooled(valIds, taps, stat)] as const;
  console.log(HEADER);
  const row = (name: string, s: Scored) => console.log(formatRow(evaluate(name, split, s.valScores, s.fitMs, s.scoreMs)));

  if (want('shrink')) {
    const [f, v] = feats(base, [T.b10], 'meanstd');
    for (const s of [0.005, 0.05, 0.1, 0.2, 0.4]) row(`b10 mean+std shrink=${s}`, await gauss(f, v, s));
  }

  if (want('ensemble')) {
    // One Gaussian per tap, scores z-normalised by the fit set's own scores, then summed.
    const per: Record<string, Scored> = {};
    for (const k of ['b3', 'b6', 'b10', 'b13', 'b16'] as const) {
      const [f, v] = feats(base, [T[k]], 'meanstd');
      per[k] = await gauss(f, v);
    }
    const combos: string[][] = [['b6', 'b10'], ['b10', 'b13'], ['b6', 'b10', 'b13'], ['b3', 'b6', 'b10', 'b13'], ['b6', 'b10', 'b13', 'b16'], ['b3', 'b6', 'b10', 'b13', 'b16']];
    for (const combo of combos) {
      const sum = new Float32Array(valIds.length);
      let fitMs = 0;
      let scoreMs = 0;
      for (const k of combo) {
        const z = zscoreBy(per[k].fitScores, per[k].valScores);
        z.forEach((x, i) => (sum[i] += x));
        fitMs += per[k].fitMs;
        scoreMs += per[k].scoreMs;
      }
      console.log(formatRow(evaluate(`ensemble ${combo.join('+')} mean+std (z-sum)`, split, sum, fitMs, scoreMs)));
    }
  }

  if (want('variants')) {
    for (const variant of ['flip', 'heq', 's288']) {
      const c = new FeatureCache(variant);
      for (const k of ['b6', 'b10', 'b13'] as const) {
        const [f, v] = feats(c, [T[k]], 'meanstd');
        row(`${variant} ${k} mean+std`, await gauss(f, v));
      }
    }
    // Test-time augmentation: average the pooled features of the image and its mirror image.
    const flip = new FeatureCache('flip');
    for (const k of ['b6', 'b10', 'b13'] as const) {
      const [f0, v0] = feats(base, [T[k]], 'meanstd');
      const [f1, v1] = feats(flip, [T[k]], 'meanstd');
      row(`TTA base+flip avg ${k} mean+std`, await gauss(average(f0, f1), average(v0, v1)));
      // Or augment the fit set with mirrored images (more samples) and score the average.
      const both = matrix(f0.rows * 2, f0.cols);
      both.data.set(f0.data);
      both.data.set(f1.data, f0.data.length);
      const g = await gauss(both, v0);
      const gv1 = await gaussianScores(be, g.model, v1);
      row(`fit base∪flip, score mean(base,flip) ${k} mean+std`, { ...g, valScores: g.valScores.map((x, i) => (x + gv1[i]) / 2) });
    }
    // Multi-scale: concatenate 224 and 288 pooled features of b10.
    const s288 = new FeatureCache('s288');
    const [fa, va] = feats(base, [T.b10], 'meanstd');
    const [fb, vb] = feats(s288, [T.b10], 'meanstd');
    const ga = await gauss(fa, va);
    const gb = await gauss(fb, vb);
    const z = zscoreBy(ga.fitScores, ga.valScores).map((x, i) => x + zscoreBy(gb.fitScores, gb.valScores)[i]);
    console.log(formatRow(evaluate('multi-scale 224+288 b10 mean+std (z-sum)', split, z, ga.fitMs + gb.fitMs, ga.scoreMs + gb.scoreMs)));
    row('multi-scale 224+288 b10 mean+std (concat)', await gauss(hstack([fa, fb]), hstack([va, vb])));
  }
  await be.release();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
