/**
 * `tsx scripts/bench/planted-paired.ts <bench:planted out A> <out B> [--reps 2000]`: two models on the SAME
 * bench:planted cases (same images, seeds and placements), paired: B minus A for the pointing hit rate and pixel
 * AUROC of the cases covering >= 1% and of those at 0.25%, and for the originals' border share (the share of
 * the map's hottest tenth on the image's outer 5%), with 95% intervals from a bootstrap over images; counts of
 * cases hit by both, only A, only B.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../src/core/fit/random';

interface Row {
  image: string;
  kind?: string;
  area?: number;
  /** The share of the image the planted region covers (bench:planted's '>= 1%' groups go by it). */
  areaShare?: number;
  contrast?: number;
  hit?: boolean;
  auroc?: number;
  border: number;
}

const read = (dir: string, file: string): Row[] =>
  readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row);
const key = (r: Row) => `${r.image}|${r.kind ?? ''}|${r.area ?? ''}|${r.contrast ?? ''}`;

function paired(a: Row[], b: Row[], value: (r: Row) => number, reps: number) {
  const byKey = new Map(b.map((r) => [key(r), r]));
  const pairs = a.flatMap((r) => {
    const o = byKey.get(key(r));
    return o ? [{ image: r.image, d: value(o) - value(r) }] : [];
  });
  if (pairs.length !== a.length || a.length !== b.length) throw new Error('the two runs have different cases');
  const images = [...new Set(pairs.map((p) => p.image))];
  const of = new Map(images.map((i) => [i, pairs.filter((p) => p.image === i).map((p) => p.d)]));
  const mean = (ds: number[]) => ds.reduce((s, d) => s + d, 0) / ds.length;
  const rng = mulberry32(1);
  const boots: number[] = [];
  for (let k = 0; k < reps; k++) {
    const ds: number[] = [];
    for (let j = 0; j < images.length; j++) ds.push(...of.get(images[Math.floor(rng() * images.length)])!);
    boots.push(mean(ds));
  }
  boots.sort((x, y) => x - y);
  return {
    n: pairs.length,
    mean: mean(pairs.map((p) => p.d)),
    low: boots[Math.floor(0.025 * reps)],
    high: boots[Math.ceil(0.975 * reps) - 1],
  };
}

const [dirA, dirB] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const reps = process.argv.includes('--reps') ? Number(process.argv[process.argv.indexOf('--reps') + 1]) : 2000;
const [ra, rb] = [read(dirA, 'rows.jsonl'), read(dirB, 'rows.jsonl')];
const fmt = (p: ReturnType<typeof paired>, scale: number, digits: number) =>
  `${p.mean * scale >= 0 ? '+' : ''}${(p.mean * scale).toFixed(digits)} [${(p.low * scale).toFixed(digits)}, ${(p.high * scale).toFixed(digits)}] (${p.n} pairs)`;
for (const [name, pick] of [
  ['>= 1%', (r: Row) => (r.areaShare ?? 0) >= 0.01],
  ['0.25%', (r: Row) => r.area === 0.0025],
] as const) {
  const [a, b] = [ra.filter(pick), rb.filter(pick)];
  const hitB = new Map(b.map((r) => [key(r), r.hit]));
  const both = a.filter((r) => r.hit && hitB.get(key(r))).length;
  const onlyA = a.filter((r) => r.hit && !hitB.get(key(r))).length;
  const onlyB = a.filter((r) => !r.hit && hitB.get(key(r))).length;
  console.log(
    `${name}: hit ${fmt(
      paired(a, b, (r) => (r.hit ? 1 : 0), reps),
      100,
      1,
    )} points (both ${both}, only A ${onlyA}, only B ${onlyB}); pixel AUROC ${fmt(
      paired(a, b, (r) => r.auroc ?? NaN, reps),
      1,
      3,
    )}`,
  );
}
const [oa, ob] = [read(dirA, 'originals.jsonl'), read(dirB, 'originals.jsonl')];
const rises = ob.filter((r, i) => r.border > oa[i].border).length;
console.log(
  `originals' border share: ${fmt(
    paired(oa, ob, (r) => r.border, reps),
    100,
    1,
  )} points; higher with B on ${rises} of ${oa.length}`,
);
