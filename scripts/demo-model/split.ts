/**
 * Seeded, patient-grouped split of the chest X-ray TRAIN folder (shared/data): every choice made for a
 * bundled model is made on these parts only. Patients never straddle parts, so near-identical views of
 * one child cannot leak from fit to validation.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../src/core/fit/random';

export interface Split {
  fit: string[];
  calibrate: string[];
  validNormal: string[];
  validAbnormal: string[];
}

export function patientOf(file: string): string {
  const base = file.replace(/\.[^.]+$/, '');
  const person = /^(person\d+)_/.exec(base);
  if (person) return person[1];
  return base.replace(/-\d+$/, '');
}

function groupShuffle(files: string[], seed: number): string[][] {
  const groups = new Map<string, string[]>();
  for (const f of files.sort()) {
    const p = patientOf(f);
    groups.set(p, [...(groups.get(p) ?? []), f]);
  }
  const list = [...groups.values()];
  const r = mulberry32(seed);
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

function take(groups: string[][], n: number): [string[], string[][]] {
  const out: string[] = [];
  let i = 0;
  while (i < groups.length && out.length < n) out.push(...groups[i++]);
  return [out, groups.slice(i)];
}

/** Defaults: 300 normal + 300 pneumonia validation images, 150 normals for calibration, the rest for fitting. */
export function chestSplit(
  root: string,
  opts = { validNormal: 300, validAbnormal: 300, calibrate: 150, seed: 20261126 },
): Split {
  const normalDir = join(root, 'NORMAL');
  const abnormalDir = join(root, 'PNEUMONIA');
  const normals = groupShuffle(
    readdirSync(normalDir).filter((f) => /\.(jpe?g|png)$/i.test(f)),
    opts.seed,
  );
  const abnormals = groupShuffle(
    readdirSync(abnormalDir).filter((f) => /\.(jpe?g|png)$/i.test(f)),
    opts.seed + 1,
  );
  const [validNormal, rest1] = take(normals, opts.validNormal);
  const [calibrate, rest2] = take(rest1, opts.calibrate);
  const [validAbnormal] = take(abnormals, opts.validAbnormal);
  return {
    fit: rest2.flat().map((f) => join(normalDir, f)),
    calibrate: calibrate.map((f) => join(normalDir, f)),
    validNormal: validNormal.map((f) => join(normalDir, f)),
    validAbnormal: validAbnormal.map((f) => join(abnormalDir, f)),
  };
}
