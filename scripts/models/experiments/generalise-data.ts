/**
 * Items for the generalisation experiment (issue 11): every TRAIN normal, the held-out TRAIN pneumonia of a
 * patient-grouped split, and every test-dev image (new patients: choose settings and report only, never fit).
 * Ids are relative to the data set root (`train/NORMAL/...`, `test-dev/PNEUMONIA/...`), so one feature cache
 * holds both parts.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { groupedHoldout } from '../../../src/core/fit/split';
import { patientOf } from './dataset';

export const SET_ROOT = process.env.XRAY_SET ?? '/work/shared/data/chest-xray-pneumonia';

export interface GItem {
  id: string;
  anomalous: boolean;
  patient: string;
  part: 'train' | 'test-dev';
}

export function listPart(part: 'train' | 'test-dev'): GItem[] {
  const out: GItem[] = [];
  for (const [dir, anomalous] of [['NORMAL', false], ['PNEUMONIA', true]] as const) {
    for (const f of readdirSync(join(SET_ROOT, part, dir)).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort()) {
      out.push({ id: `${part}/${dir}/${f}`, anomalous, patient: part === 'train' ? `${dir}:${patientOf(f)}` : `${part}:${dir}:${patientOf(f)}`, part });
    }
  }
  return out;
}

export interface GSplit {
  seed: number;
  /** TRAIN normals to fit on. */
  fit: GItem[];
  /** Held-out TRAIN normals + pneumonia. */
  val: GItem[];
  /** Every test-dev image. */
  dev: GItem[];
}

/** The same patient-grouped hold-out as dataset.ts's makeSplit (seed 2 = the default model's split). */
export function gSplit(seed: number, perClass = 300): GSplit {
  const train = listPart('train');
  const n = groupedHoldout(train.filter((i) => !i.anomalous), (i) => i.patient, perClass, seed);
  const p = groupedHoldout(train.filter((i) => i.anomalous), (i) => i.patient, perClass, seed + 1000);
  return { seed, fit: n.rest, val: [...n.held, ...p.held], dev: listPart('test-dev') };
}

/** Everything one cache needs for seeds 1-3: all TRAIN normals, the held-out pneumonia of those seeds, test-dev. */
export function cacheItems(seeds = [1, 2, 3]): GItem[] {
  const seen = new Map<string, GItem>();
  for (const s of seeds) {
    const sp = gSplit(s);
    for (const i of [...sp.fit, ...sp.val, ...sp.dev]) seen.set(i.id, i);
  }
  return [...seen.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}
