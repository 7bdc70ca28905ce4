/**
 * The local (PatchCore) part on new patients: nearest-bank-patch distance maps of b10 (3x3-averaged patch
 * rows, greedy 1% coreset as the product), image score = mean over the whole map or over its centre
 * (the lung fields), alone and summed with the global Gaussian (each z-scored on the held-out TRAIN
 * normals, a stand-in for the product's calibration). `tsx scripts/models/experiments/generalise-local.ts [seed]`
 */
import { buildMemoryBank, patchDistances } from '../../../src/core/fit/patchcore';
import { patchRows } from '../../../src/core/fit/features';
import { fitGaussian, gaussianScores } from '../../../src/core/fit/gaussian';
import { FeatureCache } from './features';
import { gSplit } from './generalise-data';
import { be, HEADER, poolRegion, report } from './generalise';

function regionMean(d: Float32Array, n: number, h: number, w: number, m: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let y = m; y < h - m; y++) for (let x = m; x < w - m; x++) s += d[i * h * w + y * w + x];
    out[i] = s / ((h - 2 * m) * (w - 2 * m));
  }
  return out;
}

function zBy(ref: Float32Array, x: Float32Array): Float32Array {
  const m = ref.reduce((a, b) => a + b, 0) / ref.length;
  const sd = Math.sqrt(ref.reduce((a, b) => a + (b - m) ** 2, 0) / ref.length) || 1;
  return x.map((v) => (v - m) / sd);
}

async function main(): Promise<void> {
  const seed = Number(process.argv[2] ?? 2);
  const base = new FeatureCache('g-base');
  const sp = gSplit(seed);
  const [fitIds, valIds, devIds] = [sp.fit, sp.val, sp.dev].map((s) => s.map((i) => i.id));
  const t = 'block_10_expand_relu';
  const toMaps = (ids: string[]) => {
    const s = base.spatial(ids, t);
    return { data: s.data, n: ids.length, c: s.C, h: s.h, w: s.w };
  };
  const fm = toMaps(fitIds);
  const t0 = Date.now();
  const bank = await buildMemoryBank(be, await patchRows(be, fm), { coresetRatio: 0.01, minRows: 1000, sampling: 'greedy', projectTo: 0, selectionProjectTo: 128, seed: 0 });
  console.error(`bank ${bank.bank.rows} rows in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const vm = toMaps(valIds);
  const dm = toMaps(devIds);
  const vd = await patchDistances(be, bank, await patchRows(be, vm));
  const dd = await patchDistances(be, bank, await patchRows(be, dm));
  const valNormal = sp.val.map((i, k) => (i.anomalous ? -1 : k)).filter((k) => k >= 0);
  const refOf = (s: Float32Array) => Float32Array.from(valNormal, (k) => s[k]);
  // Global parts.
  const gWhole = await fitGaussian(be, poolRegion({ data: fm.data, C: fm.c, h: fm.h, w: fm.w }, fm.n), {});
  const gCentre = await fitGaussian(be, poolRegion({ data: fm.data, C: fm.c, h: fm.h, w: fm.w }, fm.n, { r0: 3, r1: 11, c0: 3, c1: 11 }), {});
  const glob = async (g: typeof gWhole, m: typeof vm, centre: boolean) =>
    gaussianScores(be, g, poolRegion({ data: m.data, C: m.c, h: m.h, w: m.w }, m.n, centre ? { r0: 3, r1: 11, c0: 3, c1: 11 } : {}));
  const G = { whole: [await glob(gWhole, vm, false), await glob(gWhole, dm, false)], centre: [await glob(gCentre, vm, true), await glob(gCentre, dm, true)] };
  console.log(HEADER);
  for (const m of [0, 2, 3]) {
    const lv = regionMean(vd, vm.n, 14, 14, m);
    const ld = regionMean(dd, dm.n, 14, 14, m);
    const name = m === 0 ? 'whole map' : `centre ${14 - 2 * m}x${14 - 2 * m}`;
    console.log(report(`local mean, ${name}`, lv, sp.val, ld, sp.dev));
    for (const [gn, [gv, gd]] of Object.entries(G)) {
      const cv = zBy(refOf(lv), lv).map((v, i) => v + zBy(refOf(gv), gv)[i]);
      const cd = zBy(refOf(lv), ld).map((v, i) => v + zBy(refOf(gv), gd)[i]);
      console.log(report(`local ${name} + global ${gn}`, cv, sp.val, cd, sp.dev));
    }
  }
  await be.release();
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
