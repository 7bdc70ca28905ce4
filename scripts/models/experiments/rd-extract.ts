/**
 * `tsx scripts/models/experiments/rd-extract.ts [--sets fit,val,dev] [--taps block_3_expand_relu,...]`:
 * the teacher's multi-scale feature maps for the student-teacher / reverse-distillation experiments (issue 11,
 * round 3; training/rd/), through the PRODUCT's decode and the default model's preprocessing
 * (crop-inpaint-wide), plus the shipped default model's raw `pred_score` of the same prepared input (for the
 * ensemble). Writes under .cache/fit-research/rd/: `<set>.<tap>.f16` (float16 [N, C, h, w]),
 * `<set>.shipped.f32` ([N]) and `<set>.json` (items, tap shapes). The sets are product-extract.ts's.
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../../../src/core/decode';
import { scanImages } from '../../../src/core/dataset/scan';
import { subjectKey } from '../../../src/core/fit/split';
import { f32 } from '../../../src/core/fit/compute';
import { parseBackboneManifest } from '../../../src/core/model/backbone';
import type { ModelManifest } from '../../../src/core/model/manifest';
import { extractSubmodel } from '../../../src/core/onnx/compose';
import { prepareInput } from '../../../src/core/preprocess/pipeline';
import { nodeScanFs } from '../../../src/cli/scoring';
import { ortBackend } from '../ort-backend';
import { BUNDLED_BACKBONE, pipelineNamed } from '../pipelines';
import { argValue, ROOT, SHARED } from '../protocol';
import { toHalf } from './features';
import type { PItem } from './product-cache';
import { split2 } from './product-extract';

const TRAIN = join(SHARED, 'data/chest-xray-pneumonia/train');
const DEV = join(SHARED, 'data/chest-xray-pneumonia/test-dev');
const SHIPPED = join(ROOT, 'models/chest-patchcore/chest-patchcore.onnx');
const RD_CACHE = join(ROOT, '.cache/fit-research/rd');

async function main(argv: string[]): Promise<void> {
  const sets = (argValue(argv, '--sets') ?? 'fit,val,dev').split(',');
  const taps = (argValue(argv, '--taps') ?? 'block_3_expand_relu,block_6_expand_relu,block_10_expand_relu').split(',');
  mkdirSync(RD_CACHE, { recursive: true });
  const base = parseBackboneManifest(readFileSync(BUNDLED_BACKBONE, 'utf8'), BUNDLED_BACKBONE);
  const prep = {
    input: base.input,
    preprocessing: { steps: pipelineNamed('crop-inpaint-wide').steps },
  } as unknown as ModelManifest;
  const be = ortBackend(Number(process.env.FIT_THREADS ?? 1));
  const teacher = extractSubmodel(new Uint8Array(readFileSync(join(BUNDLED_BACKBONE, '..', base.onnx))), taps);
  const shipped = new Uint8Array(readFileSync(SHIPPED));
  const { channels, height, width, name } = base.input;
  const size = channels * height * width;
  const sp = await split2();
  const read = async (path: string) => decodeImage(new Uint8Array(readFileSync(path)), path);

  for (const set of sets) {
    const jobs: { item: PItem; path: string }[] = [];
    const add = (root: string, files: string[], anomalous: boolean, prefix: string) => {
      for (const f of files)
        jobs.push({
          item: { id: `${prefix}/${f}`, set: set as PItem['set'], anomalous, group: `${prefix}:${subjectKey(f)}` },
          path: join(root, f),
        });
    };
    if (set === 'fit') add(join(TRAIN, 'NORMAL'), sp.fit, false, 'train/NORMAL');
    if (set === 'val') {
      add(join(TRAIN, 'NORMAL'), sp.valN, false, 'train/NORMAL');
      add(join(TRAIN, 'PNEUMONIA'), sp.valP, true, 'train/PNEUMONIA');
    }
    if (set === 'dev') {
      add(join(DEV, 'NORMAL'), await scanImages(join(DEV, 'NORMAL'), nodeScanFs), false, 'test-dev/NORMAL');
      add(join(DEV, 'PNEUMONIA'), await scanImages(join(DEV, 'PNEUMONIA'), nodeScanFs), true, 'test-dev/PNEUMONIA');
    }
    const fds = new Map(taps.map((t) => [t, openSync(join(RD_CACHE, `${set}.${t}.f16`), 'w')]));
    const scores = new Float32Array(jobs.length);
    const shapes: Record<string, number[]> = {};
    const B = 8;
    const t0 = Date.now();
    for (let b = 0; b < jobs.length; b += B) {
      const chunk = jobs.slice(b, b + B);
      const input = new Float32Array(chunk.length * size);
      for (let j = 0; j < chunk.length; j++)
        input.set(prepareInput(await read(chunk[j].path), prep).tensor, j * size);
      const feeds = { [name]: f32(input, [chunk.length, channels, height, width]) };
      const out = await be.run('teacher', () => teacher, feeds);
      for (const t of taps) {
        const d = out[t].data as Float32Array;
        shapes[t] = out[t].dims.slice(1);
        const half = new Uint16Array(d.length);
        for (let i = 0; i < d.length; i++) half[i] = toHalf(d[i]);
        writeSync(fds.get(t)!, new Uint8Array(half.buffer));
      }
      const s = await be.run('shipped', () => shipped, feeds);
      scores.set(s.pred_score.data as Float32Array, b);
      if ((b / B) % 25 === 0) console.log(`${set} ${b + chunk.length}/${jobs.length} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
    for (const fd of fds.values()) closeSync(fd);
    writeFileSync(join(RD_CACHE, `${set}.shipped.f32`), new Uint8Array(scores.buffer));
    writeFileSync(join(RD_CACHE, `${set}.json`), JSON.stringify({ set, taps, shapes, items: jobs.map((j) => j.item) }));
    console.log(`wrote ${set}: ${jobs.length} images in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  await be.release();
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
