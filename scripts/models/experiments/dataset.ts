/**
 * The chest X-ray research data (Kermany et al., CC BY 4.0) laid out as <root>/{NORMAL,PNEUMONIA}/*.jpeg,
 * and the fixed, seeded, patient-grouped splits every experiment uses. Nothing here is copied into git.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { groupedHoldout } from '../../../src/core/fit/split';
import { SHARED } from '../protocol';

export const DATA_ROOT = process.env.XRAY_DATA ?? '/work/shared/data/chest-xray-pneumonia/train';
export const CACHE_ROOT = process.env.FIT_CACHE ?? '.cache/fit-research';

/** The first `per` test-dev images of each class by name: a fixed sample for timing and profiling, never fitting. */
export function devSample(per: number): string[] {
  const dev = join(SHARED, 'data/chest-xray-pneumonia/test-dev');
  return ['NORMAL', 'PNEUMONIA'].flatMap((c) =>
    readdirSync(join(dev, c))
      .sort()
      .slice(0, per)
      .map((f) => join(dev, c, f)),
  );
}

export interface Item {
  /** Path relative to the data root, e.g. NORMAL/IM-0115-0001.jpeg. */
  id: string;
  anomalous: boolean;
  patient: string;
}

/** Patient id from the file name: IM-0553-0001-0002 -> IM-0553, NORMAL2-IM-1345-0001 -> NORMAL2-IM-1345, person12_virus_3 -> person12. */
export function patientOf(file: string): string {
  const m = /^((?:NORMAL2-)?IM-\d+)|^(person\d+)/.exec(file);
  return m ? (m[1] ?? m[2]) : file;
}

export function listItems(root = DATA_ROOT): Item[] {
  const items: Item[] = [];
  for (const [dir, anomalous] of [['NORMAL', false], ['PNEUMONIA', true]] as const) {
    for (const f of readdirSync(join(root, dir)).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort()) {
      items.push({ id: `${dir}/${f}`, anomalous, patient: `${dir}:${patientOf(f)}` });
    }
  }
  return items;
}

export interface Split {
  seed: number;
  /** Normal images the detector is fitted on. */
  fit: Item[];
  /** Held-out normals + held-out pneumonia: the only images settings are judged on. */
  val: Item[];
}

/** Hold out `perClass` normals and `perClass` pneumonia (patient-grouped), fit on the remaining normals. */
export function makeSplit(items: Item[], seed: number, perClass = 300): Split {
  const normals = items.filter((i) => !i.anomalous);
  const pneumonia = items.filter((i) => i.anomalous);
  const n = groupedHoldout(normals, (i) => i.patient, perClass, seed);
  const p = groupedHoldout(pneumonia, (i) => i.patient, perClass, seed + 1000);
  return { seed, fit: n.rest, val: [...n.held, ...p.held] };
}

/** Split A (seed 1) chooses settings; split B (seed 2) confirms them on different held-out images. */
export const SPLIT_SEEDS = [1, 2];
