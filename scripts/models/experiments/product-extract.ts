/**
 * `tsx scripts/models/experiments/product-extract.ts [--pipeline crop-inpaint-wide] [--sets fit,val,dev,planted]`:
 * block-10 feature maps of the bundled backbone through the PRODUCT's decode and preprocessing (the default
 * model's pipeline), cached as float16 under .cache/fit-research/p-<pipeline>/, so heads and poolings can be
 * compared in seconds on exactly what the shipped model sees (issue 11/12 experiments, local-score.ts).
 *
 * Sets: `fit` = the seed-2 split's 1,041 TRAIN normals (what models:default fits on), `val` = its held-out
 * 300 normal + 300 pneumonia, `dev` = test-dev (never fitted on), `planted` = bench:planted's default cases
 * (its 60 held-out normals, each kind once with sizes and contrasts cycling, the bench's seeds) so image
 * ROC-AUC of planted vs originals can be computed for any head.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../../../src/core/decode';
import { scanImages } from '../../../src/core/dataset/scan';
import { groupedHoldout, subjectKey } from '../../../src/core/fit/split';
import { FeatureExtractor } from '../../../src/core/fit/backbone';
import { mulberry32, shuffled } from '../../../src/core/fit/random';
import { parseBackboneManifest } from '../../../src/core/model/backbone';
import type { ModelManifest } from '../../../src/core/model/manifest';
import { PLANT_KINDS, plantAnomaly } from '../../../src/core/planted/plant';
import { prepareInput } from '../../../src/core/preprocess/pipeline';
import type { XrayImage } from '../../../src/core/image/types';
import { nodeScanFs } from '../../../src/cli/scoring';
import { ortBackend } from '../ort-backend';
import { BUNDLED_BACKBONE, pipelineNamed } from '../pipelines';
import { argValue, SHARED } from '../protocol';
import { toHalf } from './features';
import { cacheDir, type PIndex, type PItem } from './product-cache';

const TRAIN = join(SHARED, 'data/chest-xray-pneumonia/train');
const DEV = join(SHARED, 'data/chest-xray-pneumonia/test-dev');

/** The seed-2 split of materialiseSplit, without writing links (the same groupedHoldout calls). */
export async function split2(): Promise<{ fit: string[]; valN: string[]; valP: string[] }> {
  const normals = await scanImages(join(TRAIN, 'NORMAL'), nodeScanFs);
  const abnormal = await scanImages(join(TRAIN, 'PNEUMONIA'), nodeScanFs);
  const per = Math.min(300, Math.floor(normals.length * 0.25), abnormal.length);
  const n = groupedHoldout(normals, subjectKey, per, 2);
  const a = groupedHoldout(abnormal, subjectKey, per, 2 + 1000);
  return { fit: n.rest, valN: n.held, valP: a.held };
}

async function main(argv: string[]): Promise<void> {
  const pipeline = argValue(argv, '--pipeline') ?? 'crop-inpaint-wide';
  const sets = (argValue(argv, '--sets') ?? 'fit,val,dev,planted').split(',');
  const dir = cacheDir(pipeline);
  mkdirSync(dir, { recursive: true });
  const base = parseBackboneManifest(readFileSync(BUNDLED_BACKBONE, 'utf8'), BUNDLED_BACKBONE);
  const backbone = { ...base, tap: 'block_10_expand_relu', preprocessing: { steps: pipelineNamed(pipeline).steps } };
  const prepManifest = { input: backbone.input, preprocessing: backbone.preprocessing } as unknown as ModelManifest;
  const be = ortBackend(Number(process.env.FIT_THREADS ?? 1));
  const onnx = new Uint8Array(readFileSync(join(BUNDLED_BACKBONE, '..', base.onnx)));
  const ex = await FeatureExtractor.open(be, backbone, onnx, 'backbone');
  const { c, h, w } = ex.shape;

  const sp = await split2();
  const jobs: { item: PItem; load: () => Promise<XrayImage> }[] = [];
  const read = async (path: string) => decodeImage(new Uint8Array(readFileSync(path)), path);
  const add = (set: PItem['set'], root: string, files: string[], anomalous: boolean, prefix: string) => {
    for (const f of files)
      jobs.push({
        item: { id: `${prefix}/${f}`, set, anomalous, group: `${prefix}:${subjectKey(f)}` },
        load: () => read(join(root, f)),
      });
  };
  if (sets.includes('fit')) add('fit', join(TRAIN, 'NORMAL'), sp.fit, false, 'train/NORMAL');
  if (sets.includes('val')) {
    add('val', join(TRAIN, 'NORMAL'), sp.valN, false, 'train/NORMAL');
    add('val', join(TRAIN, 'PNEUMONIA'), sp.valP, true, 'train/PNEUMONIA');
  }
  if (sets.includes('dev')) {
    add('dev', join(DEV, 'NORMAL'), await scanImages(join(DEV, 'NORMAL'), nodeScanFs), false, 'test-dev/NORMAL');
    add('dev', join(DEV, 'PNEUMONIA'), await scanImages(join(DEV, 'PNEUMONIA'), nodeScanFs), true, 'test-dev/PNEUMONIA');
  }
  if (sets.includes('planted')) {
    // bench:planted's defaults: seed 1, 60 images, sizes 0.0025/0.01/0.04, contrasts 0.4/0.8, cycling.
    const seed = 1;
    const files = shuffled([...sp.valN].sort(), mulberry32(seed)).slice(0, 60);
    const sizes = [0.0025, 0.01, 0.04];
    const contrasts = [0.4, 0.8];
    const combos = sizes.flatMap((area) => contrasts.map((contrast) => ({ area, contrast })));
    files.forEach((f, i) => {
      PLANT_KINDS.forEach((kind, k) => {
        const { area, contrast } = combos[(i + k) % combos.length];
        jobs.push({
          item: {
            id: `planted/${kind}/${f}`,
            set: 'planted',
            anomalous: true,
            group: `planted:${f}`,
            plant: { kind, area, contrast, original: `train/NORMAL/${f}` },
          },
          load: async () =>
            plantAnomaly(await read(join(TRAIN, 'NORMAL', f)), {
              kind,
              area,
              contrast,
              seed: seed * 1_000_003 + i * 1009 + k * 31 + area * 1e4 + contrast * 10,
            }).image,
        });
      });
    });
  }
  const tag = sets.join('+');
  const out = openSync(join(dir, `${tag}.f16`), 'w');
  const per = c * h * w;
  const size = backbone.input.channels * backbone.input.height * backbone.input.width;
  const B = 8;
  const t0 = Date.now();
  for (let b = 0; b < jobs.length; b += B) {
    const chunk = jobs.slice(b, b + B);
    const input = new Float32Array(chunk.length * size);
    for (let j = 0; j < chunk.length; j++) input.set(prepareInput(await chunk[j].load(), prepManifest).tensor, j * size);
    const maps = await ex.run(input, chunk.length);
    const half = new Uint16Array(chunk.length * per);
    for (let i = 0; i < half.length; i++) half[i] = toHalf(maps.data[i]);
    writeSync(out, new Uint8Array(half.buffer));
    if ((b / B) % 25 === 0) console.log(`${b + chunk.length}/${jobs.length} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  closeSync(out);
  const index: PIndex = { pipeline, items: jobs.map((j) => j.item), shape: { c, h, w } };
  writeFileSync(join(dir, `${tag}.json`), JSON.stringify(index));
  console.log(`wrote ${dir}/${tag}.{f16,json}: ${jobs.length} images in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  await be.release();
}

// Run only as a script (local-score.ts imports the helpers above).
if (process.argv[1]?.endsWith('product-extract.ts')) {
  if (!existsSync(TRAIN)) throw new Error(`no ${TRAIN}`);
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
