/**
 * The image sets the default model's post hoc experiments (gated-local.ts, local-maps.ts) score, as the
 * product and bench:planted define them:
 *  - cal: the model's own calibration normals (the fit's 15% patient-grouped hold-out, seed 0, of the seed-2
 *    split's fit folder): standardisers, per-position calibration and gates come from them;
 *  - fit: other images of that fit folder (the memory bank's images), for references that need normals;
 *  - val: held-out TRAIN (300 + 300), dev: test-dev (116 + 205), never fitted on;
 *  - planted: bench:planted's default cases (its 60 originals and, on each, each kind once, sizes and
 *    contrasts cycling, the bench's seeds), with the planted region.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../../../src/core/decode';
import { mulberry32, shuffled } from '../../../src/core/fit/random';
import { groupedHoldout, subjectKey } from '../../../src/core/fit/split';
import type { XrayImage } from '../../../src/core/image/types';
import { PLANT_KINDS, plantAnomaly } from '../../../src/core/planted/plant';
import { materialiseSplit, SHARED } from '../protocol';

export type SetName = 'cal' | 'fit' | 'val' | 'dev' | 'planted';

export interface EvalItem {
  id: string;
  set: SetName;
  anomalous: boolean;
  group: string;
  plant?: { kind: string; area: number; contrast: number; original: string };
}

export interface EvalImage extends EvalItem {
  image: XrayImage;
  /** Planted cases: 1 where the anomaly is, on the image's pixels. */
  region?: Uint8Array;
}

const IMAGE = /\.(png|jpe?g)$/i;
const list = (dir: string) =>
  readdirSync(dir)
    .filter((f) => IMAGE.test(f))
    .sort();
const read = async (path: string) => decodeImage(new Uint8Array(readFileSync(path)), path);

export async function evalSets(
  limit = Infinity,
  fitSample = 150,
  plantedSeed = 1,
): Promise<Record<SetName, () => AsyncGenerator<EvalImage>>> {
  const data = join(SHARED, 'data/chest-xray-pneumonia');
  const split = await materialiseSplit({ data: join(data, 'train'), abnormal: 'PNEUMONIA', seed: 2, valPerClass: 300 });
  const fitFiles = list(split.fit);
  const { held, rest } = groupedHoldout(fitFiles, subjectKey, Math.round(fitFiles.length * 0.15), 0);
  return {
    async *cal() {
      for (const f of held.slice(0, limit))
        yield { id: f, set: 'cal', anomalous: false, group: subjectKey(f), image: await read(join(split.fit, f)) };
    },
    async *fit() {
      for (const f of shuffled(rest, mulberry32(7)).slice(0, Math.min(fitSample, limit)))
        yield { id: f, set: 'fit', anomalous: false, group: subjectKey(f), image: await read(join(split.fit, f)) };
    },
    async *val() {
      for (const [cls, anomalous] of [
        ['NORMAL', false],
        ['PNEUMONIA', true],
      ] as const)
        for (const f of list(join(split.val, cls)).slice(0, limit))
          yield { id: f, set: 'val', anomalous, group: subjectKey(f), image: await read(join(split.val, cls, f)) };
    },
    async *dev() {
      for (const [cls, anomalous] of [
        ['NORMAL', false],
        ['PNEUMONIA', true],
      ] as const)
        for (const f of list(join(data, 'test-dev', cls)).slice(0, limit))
          yield {
            id: f,
            set: 'dev',
            anomalous,
            group: subjectKey(f),
            image: await read(join(data, 'test-dev', cls, f)),
          };
    },
    async *planted() {
      const seed = plantedSeed;
      const files = shuffled(list(join(split.val, 'NORMAL')), mulberry32(seed)).slice(0, Math.min(60, limit));
      const combos = [0.0025, 0.01, 0.04].flatMap((area) => [0.4, 0.8].map((contrast) => ({ area, contrast })));
      for (let i = 0; i < files.length; i++) {
        const image = await read(join(split.val, 'NORMAL', files[i]));
        yield { id: files[i], set: 'planted', anomalous: false, group: files[i], image };
        for (let k = 0; k < PLANT_KINDS.length; k++) {
          const { area, contrast } = combos[(i + k) % combos.length];
          const kind = PLANT_KINDS[k];
          const p = plantAnomaly(image, {
            kind,
            area,
            contrast,
            seed: seed * 1_000_003 + i * 1009 + k * 31 + area * 1e4 + contrast * 10,
          });
          yield {
            id: `${files[i]}#${kind}`,
            set: 'planted',
            anomalous: true,
            group: files[i],
            plant: { kind, area, contrast, original: files[i] },
            image: p.image,
            region: p.region,
          };
        }
      }
    },
  };
}
