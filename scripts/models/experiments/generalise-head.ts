/**
 * The self-supervised head (issue 11): a linear discriminant between TRAIN normals and the same normals with
 * synthetic opacities (src/core/fit/synthetic.ts), on frozen backbone features; judged like generalise.ts on
 * held-out TRAIN and test-dev. `tsx scripts/models/experiments/generalise-head.ts [seed] [filter]`
 */
import { fitGaussian } from '../../../src/core/fit/gaussian';
import { matrix, type Matrix } from '../../../src/core/fit/compute';
import { FeatureCache } from './features';
import { gSplit } from './generalise-data';
import { be, gauss, HEADER, poolRegion, report } from './generalise';

/** Fisher discriminant with a Ledoit-Wolf within-class covariance: w = Σ⁻¹ (μ_synth − μ_normal). */
async function lda(normal: Matrix, synth: Matrix): Promise<{ w: Float32Array; mid: Float32Array }> {
  const d = normal.cols;
  const mean = (m: Matrix) => {
    const out = new Float64Array(d);
    for (let r = 0; r < m.rows; r++) for (let c = 0; c < d; c++) out[c] += m.data[r * d + c] / m.rows;
    return out;
  };
  const mn = mean(normal);
  const ms = mean(synth);
  // Within-class scatter: centre each class on its own mean, then one Gaussian of the pooled residuals.
  const res = matrix(normal.rows + synth.rows, d);
  for (let r = 0; r < normal.rows; r++) for (let c = 0; c < d; c++) res.data[r * d + c] = normal.data[r * d + c] - mn[c];
  for (let r = 0; r < synth.rows; r++) for (let c = 0; c < d; c++) res.data[(normal.rows + r) * d + c] = synth.data[r * d + c] - ms[c];
  const g = await fitGaussian(be, res, { shrinkage: 'ledoit-wolf' });
  const w = new Float32Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += g.precision[i * d + j] * (ms[j] - mn[j]);
    w[i] = s;
  }
  return { w, mid: Float32Array.from(mn) };
}

function project(m: Matrix, h: { w: Float32Array; mid: Float32Array }): Float32Array {
  const d = m.cols;
  const out = new Float32Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += (m.data[r * d + c] - h.mid[c]) * h.w[c];
    out[r] = s;
  }
  return out;
}

function z(ref: Float32Array, x: Float32Array): Float32Array {
  let m = 0;
  for (const v of ref) m += v / ref.length;
  let s = 0;
  for (const v of ref) s += (v - m) ** 2 / ref.length;
  const sd = Math.sqrt(s) || 1;
  return x.map((v) => (v - m) / sd);
}

async function main(): Promise<void> {
  const seed = Number(process.argv[2] ?? 2);
  const filter = process.argv[3];
  const base = new FeatureCache('g-base');
  const synth = new FeatureCache('g-synth');
  const sp = gSplit(seed);
  const fitIds = sp.fit.map((i) => i.id);
  const valIds = sp.val.map((i) => i.id);
  const devIds = sp.dev.map((i) => i.id);
  console.log(`seed ${seed}: fit ${fitIds.length} normals (+ as many synthetic), held-out TRAIN ${valIds.length}, test-dev ${devIds.length}`);
  console.log(HEADER);
  type Get = (cache: FeatureCache, ids: string[]) => Matrix;
  const run = async (name: string, get: Get) => {
    if (filter && !name.includes(filter)) return;
    const n = get(base, fitIds);
    const s = get(synth, fitIds);
    const h = await lda(n, s);
    const val = project(get(base, valIds), h);
    const dev = project(get(base, devIds), h);
    console.log(report(`LDA ${name}`, val, sp.val, dev, sp.dev));
    // + the Gaussian distance, each z-scored on the fit normals' LDA scores / Gaussian scores (in-sample: rough)
    const [gv, gd, gf] = await gauss(n, get(base, valIds), get(base, devIds), n);
    const lf = project(n, h);
    const comb = (l: Float32Array, g: Float32Array) => z(lf, l).map((v, i) => v + z(gf, g)[i]);
    console.log(report(`LDA + Gaussian ${name}`, comb(val, gv), sp.val, comb(dev, gd), sp.dev));
  };
  for (const t of ['block_6_expand_relu', 'block_10_expand_relu', 'block_13_expand_relu', 'block_16_expand_relu', 'out_relu']) {
    await run(`${t} mean+std`, (c, ids) => c.pooled(ids, [t], 'meanstd'));
  }
  await run('b10+b13+b16+out mean+std', (c, ids) => c.pooled(ids, ['block_10_expand_relu', 'block_13_expand_relu', 'block_16_expand_relu', 'out_relu'], 'meanstd'));
  for (const t of ['block_10_expand_relu', 'block_13_expand_relu']) {
    const memo = new Map<string, Matrix>();
    await run(`${t} log mean+std`, (c, ids) => {
      const k = `${c.variant}:${ids === fitIds ? 'f' : ids === valIds ? 'v' : 'd'}`;
      if (!memo.has(k)) memo.set(k, poolRegion(c.spatial(ids, t), ids.length));
      return memo.get(k)!;
    });
  }
  await be.release();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
