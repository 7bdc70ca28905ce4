/**
 * Fits the bundled starter model: a linear (PCA) autoencoder on normal chest X-rays, the simplest
 * member of the paper's reconstruction family. It is small, fast, and its squared-error heatmap is
 * a faithful explanation of its score. Pretrained-feature detectors (issue 4) will outperform it.
 *
 *   npx tsx scripts/demo-model/fit-pca-autoencoder.ts [--data ../shared/data/chest-xray-pneumonia/train] [--k 48] [--size 128]
 *
 * Heavy linear algebra runs in ONNX Runtime (Gram matrix and projections); the small k x k work in JS.
 */
import { readFileSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { join, resolve, basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeImage } from '../../src/core/decode';
import { prepareInput } from '../../src/core/preprocess/pipeline';
import { scoreOutputs } from '../../src/core/scoring/postprocess';
import { rocAuc, averagePrecision } from '../../src/core/metrics/roc';
import { GraphBuilder } from '../../src/core/onnx/builder';
import { MANIFEST_SCHEMA, type ModelManifest } from '../../src/core/model/manifest';
import { chestSplit } from './split';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const DATA = resolve(arg('data', join(__dirname, '../../../shared/data/chest-xray-pneumonia/train')));
const K = Number(arg('k', '48'));
const SIZE = Number(arg('size', '128'));
const OUT_DIR = resolve(arg('out', join(__dirname, '../../models')));
const ID = 'pca-ae-chest';

function manifestDraft(): ModelManifest {
  return {
    schema: MANIFEST_SCHEMA,
    id: ID,
    name: 'PCA autoencoder (chest, starter)',
    version: '1.0.0',
    description: `Linear autoencoder (${K} principal components at ${SIZE}x${SIZE}) fitted on normal paediatric chest X-rays. Score: mean squared reconstruction error; heatmap: smoothed squared error.`,
    onnx: `${ID}.onnx`,
    input: { name: 'input', channels: 1, height: SIZE, width: SIZE },
    preprocessing: {
      steps: [
        { op: 'intensity', mode: 'percentile', low: 0.5, high: 99.5 },
        { op: 'photometric', invertBrightBackground: true },
        { op: 'histogramEqualize' },
        { op: 'resizePad', size: SIZE },
      ],
    },
    outputs: { reconstruction: 'reconstruction' },
    postprocess: { smoothingSigma: 2, maskForeground: false, reduce: 'mean' },
    calibration: { threshold: 0, min: 0, max: 1 },
    license: 'CC BY 4.0 (derived from Kermany et al. 2018 chest X-ray data); code MIT',
    provenance: 'scripts/demo-model/fit-pca-autoencoder.ts',
  };
}

async function loadTensors(files: string[], manifest: ModelManifest): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const f of files) {
    const img = await decodeImage(new Uint8Array(readFileSync(f)), basename(f));
    out.push(prepareInput(img, manifest).tensor);
  }
  return out;
}

function stack(rows: Float32Array[], d: number): Float32Array {
  const m = new Float32Array(rows.length * d);
  rows.forEach((r, i) => m.set(r, i * d));
  return m;
}

async function matmul(
  a: Float32Array,
  aDims: [number, number],
  b: Float32Array,
  bDims: [number, number],
  transB = false,
): Promise<Float32Array> {
  const g = new GraphBuilder('matmul');
  g.input('A', aDims);
  g.input('B', bDims);
  g.op('Gemm', ['A', 'B'], { transB: transB ? 1 : 0 }, 'C');
  g.output('C');
  const s = await ort.InferenceSession.create(g.toBytes(), { intraOpNumThreads: 2 });
  const r = await s.run({ A: new ort.Tensor('float32', a, aDims), B: new ort.Tensor('float32', b, bDims) });
  await s.release();
  return r.C.data as Float32Array;
}

/** Top-k eigenpairs of a symmetric n x n matrix by orthogonal (subspace) iteration with Rayleigh-Ritz. */
function topEigen(G: Float32Array, n: number, k: number, iters = 60): { values: number[]; vectors: Float64Array[] } {
  let V: Float64Array[] = Array.from({ length: k }, (_, j) =>
    Float64Array.from({ length: n }, (_, i) => (Math.sin((i + 1) * (j + 1) * 12.9898) * 43758.5453) % 1),
  );
  const mult = (v: Float64Array) => {
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let j = 0; j < n; j++) s += G[row + j] * v[j];
      r[i] = s;
    }
    return r;
  };
  const orthonormalize = (vs: Float64Array[]) => {
    for (let a = 0; a < vs.length; a++) {
      for (let b = 0; b < a; b++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += vs[a][i] * vs[b][i];
        for (let i = 0; i < n; i++) vs[a][i] -= d * vs[b][i];
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += vs[a][i] ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < n; i++) vs[a][i] /= norm;
    }
  };
  orthonormalize(V);
  for (let it = 0; it < iters; it++) {
    V = V.map(mult);
    orthonormalize(V);
  }
  const values = V.map((v) => {
    const gv = mult(v);
    let s = 0;
    for (let i = 0; i < n; i++) s += v[i] * gv[i];
    return s;
  });
  const order = values.map((_, i) => i).sort((a, b) => values[b] - values[a]);
  return { values: order.map((i) => values[i]), vectors: order.map((i) => V[i]) };
}

function buildOnnx(mean: Float32Array, U: Float32Array, d: number, k: number): Uint8Array {
  const g = new GraphBuilder(ID);
  const x = g.input('input', ['N', 1, SIZE, SIZE]);
  const flat = g.op('Reshape', [x, g.constant(new BigInt64Array([BigInt(-1), BigInt(d)]), [2])]);
  const centred = g.op('Sub', [flat, g.constant(mean, [1, d], 'mean')]);
  const basis = g.constant(U, [d, k], 'components');
  const code = g.op('MatMul', [centred, basis]);
  const back = g.op('Gemm', [code, basis], { transB: 1 });
  const recon = g.op('Add', [back, 'mean']);
  g.op(
    'Reshape',
    [recon, g.constant(new BigInt64Array([BigInt(-1), 1n, BigInt(SIZE), BigInt(SIZE)]), [4])],
    {},
    'reconstruction',
  );
  g.output('reconstruction', ['N', 1, SIZE, SIZE]);
  return g.toBytes({
    docString: `PCA autoencoder, ${k} components, fitted on normal chest X-rays (CC BY 4.0, Kermany et al. 2018).`,
  });
}

async function scoreAll(
  session: ort.InferenceSession,
  tensors: Float32Array[],
  manifest: ModelManifest,
  files: string[],
): Promise<number[]> {
  const scores: number[] = [];
  for (let i = 0; i < tensors.length; i++) {
    const img = await decodeImage(new Uint8Array(readFileSync(files[i])), basename(files[i]));
    const prepared = prepareInput(img, manifest);
    const r = await session.run({ input: new ort.Tensor('float32', prepared.tensor, prepared.dims) });
    const rec = r.reconstruction;
    scores.push(
      scoreOutputs({ reconstruction: { data: rec.data as Float32Array, dims: rec.dims } }, prepared, manifest).score
        .raw,
    );
  }
  return scores;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const split = chestSplit(DATA);
  const manifest = manifestDraft();
  const d = SIZE * SIZE;
  console.log(
    `fit ${split.fit.length}, calibrate ${split.calibrate.length}, validation ${split.validNormal.length} normal + ${split.validAbnormal.length} pneumonia`,
  );
  const fitT = await loadTensors(split.fit, manifest);
  const n = fitT.length;
  const mean = new Float32Array(d);
  for (const t of fitT) for (let i = 0; i < d; i++) mean[i] += t[i] / n;
  const X = stack(
    fitT.map((t) => t.map((v, i) => v - mean[i])),
    d,
  );
  const G = await matmul(X, [n, d], X, [n, d], true);
  const { values, vectors } = topEigen(G, n, K);
  // Components: u_j = X^T v_j / sqrt(lambda_j); computed as one matmul (X^T V) then scaled.
  const Vm = new Float32Array(n * K);
  for (let j = 0; j < K; j++)
    for (let i = 0; i < n; i++) Vm[i * K + j] = vectors[j][i] / Math.sqrt(Math.max(values[j], 1e-12));
  const Xt = new Float32Array(d * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) Xt[c * n + i] = X[i * d + c];
  const U = await matmul(Xt, [d, n], Vm, [n, K]);
  const total = values.reduce((a, b) => a + b, 0);
  console.log(
    `PCA: ${K} components; top eigenvalues ${values
      .slice(0, 3)
      .map((v) => v.toFixed(1))
      .join(', ')}; fitted in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  void total;

  const onnxBytes = buildOnnx(mean, U, d, K);
  const session = await ort.InferenceSession.create(onnxBytes, { intraOpNumThreads: 2 });
  const calScores = await scoreAll(session, await loadTensors(split.calibrate, manifest), manifest, split.calibrate);
  // Threshold at the 95th percentile of held-out normals: 5% of normal images are flagged by design.
  manifest.calibration = {
    threshold: quantile(calScores, 0.95),
    min: quantile(calScores, 0.0),
    max: quantile(calScores, 1.0) + (quantile(calScores, 1.0) - quantile(calScores, 0.0)),
    source: `95th percentile of ${calScores.length} held-out normal images (threshold); min..(2*max-min) of the same for normalisation`,
  };
  const vn = await scoreAll(session, await loadTensors(split.validNormal, manifest), manifest, split.validNormal);
  const va = await scoreAll(session, await loadTensors(split.validAbnormal, manifest), manifest, split.validAbnormal);
  const scores = [...vn, ...va];
  const labels = [...vn.map(() => 0 as const), ...va.map(() => 1 as const)];
  const auc = rocAuc(scores, labels);
  const ap = averagePrecision(scores, labels);
  manifest.description += ` Validation (TRAIN split, ${vn.length} normal / ${va.length} pneumonia, patient-grouped): ROC-AUC ${auc.toFixed(3)}, AP ${ap.toFixed(3)}.`;
  mkdirSync(OUT_DIR, { recursive: true });
  // Write to temporary names and rename, so an interrupted run never leaves a half-written model.
  const onnxPath = join(OUT_DIR, `${ID}.onnx`);
  const manifestPath = join(OUT_DIR, `${ID}.model.json`);
  writeFileSync(`${onnxPath}.tmp`, onnxBytes);
  writeFileSync(`${manifestPath}.tmp`, JSON.stringify(manifest, null, 2) + '\n');
  renameSync(`${onnxPath}.tmp`, onnxPath);
  renameSync(`${manifestPath}.tmp`, manifestPath);
  console.log(
    JSON.stringify(
      {
        auc,
        ap,
        threshold: manifest.calibration.threshold,
        fitSeconds: (Date.now() - t0) / 1000,
        onnxBytes: onnxBytes.length,
      },
      null,
      2,
    ),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
