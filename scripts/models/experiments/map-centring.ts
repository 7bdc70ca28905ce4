/**
 * `tsx scripts/models/experiments/map-centring.ts`: where does the map's heat go (issue 12: "the hottest
 * regions on body parts rather than borders")? On the product-path cache (product-extract.ts), fits the
 * default recipe as local-score.ts does, then compares ways to centre the patch-distance map per position:
 *   mean/sd      the shipped mapCentring (per-position mean, sd floored at half the median sd)
 *   median/q90   per-position median, scale = its q90 - median (the spread of the upper tail, where the
 *                edges of the field, shoulders and arms, differ from image to image), floored likewise
 *   none         raw distances
 * Reports, per variant: the share of each normal map's hottest tenth of cells on the outer ring of cells
 * (52 of 196 = 26.5% of the positions: a map that does not prefer edges puts about that share there), on
 * held-out TRAIN and test-dev normals and on the planted cases; and a pointing proxy on the planted cases:
 * the map's hottest cell is one where the planted lesion raised the raw distance (planted minus its
 * original) by at least half of the largest raise.
 */
import { centreMaps, mapCentring, type MapCentring } from '../../../src/core/fit/calibrate';
import { DEFAULT_RECIPE, fitDetector, scoreWithDetector } from '../../../src/core/fit/detector';
import { groupedHoldout, subjectKey } from '../../../src/core/fit/split';
import { quantile } from '../../../src/core/metrics/roc';
import { ortBackend } from '../ort-backend';
import { argValue } from '../protocol';
import { batches, load, pick } from './product-cache';

function robustCentring(maps: Float32Array, hw: number): MapCentring {
  const n = maps.length / hw;
  const offset = new Float32Array(hw);
  const spread = new Float64Array(hw);
  const col = new Float64Array(n);
  for (let p = 0; p < hw; p++) {
    for (let i = 0; i < n; i++) col[i] = maps[i * hw + p];
    offset[p] = quantile(col, 0.5);
    spread[p] = quantile(col, 0.9) - offset[p];
  }
  const median = Float64Array.from(spread).sort()[Math.floor(hw / 2)];
  const floored = Float64Array.from(spread, (v) => Math.max(v, 0.5 * median));
  const mean = floored.reduce((a, b) => a + b, 0) / hw;
  return { offset, scale: Float32Array.from(floored, (v) => v / mean) };
}

async function main(argv: string[]): Promise<void> {
  const pipeline = argValue(argv, '--pipeline') ?? 'crop-inpaint-wide';
  const all = load(pipeline, 'fit+val+dev+planted');
  const fitAll = pick(all, (i) => i.set === 'fit');
  const ids = fitAll.items.map((i) => i.id);
  const held = new Set(groupedHoldout(ids, subjectKey, Math.round(ids.length * 0.15), DEFAULT_RECIPE.seed).held);
  const cal = pick(fitAll, (i) => held.has(i.id));
  const be = ortBackend(Number(process.env.FIT_THREADS ?? 1));
  const det = await fitDetector(be, batches(pick(fitAll, (i) => !held.has(i.id)).maps), batches(cal.maps), {
    ...DEFAULT_RECIPE,
    global: { ...DEFAULT_RECIPE.global, enabled: false },
  });
  const { h, w } = all.maps;
  const hw = h * w;
  const calMaps = (await scoreWithDetector(be, det, batches(cal.maps), { keepMaps: true })).maps!;
  const others = pick(all, (i) => i.set !== 'fit');
  const raw = (await scoreWithDetector(be, det, batches(others.maps), { keepMaps: true })).maps!;
  await be.release();
  const ring = new Uint8Array(hw);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) ring[y * w + x] = y === 0 || x === 0 || y === h - 1 || x === w - 1 ? 1 : 0;
  const indexOf = new Map(others.items.map((it, i) => [it.id, i]));
  const variants: [string, MapCentring | undefined][] = [
    ['mean/sd (shipped)', mapCentring(calMaps, hw)],
    ['median/q90', robustCentring(calMaps, hw)],
    ['none (raw distances)', undefined],
  ];
  console.log('| centring | top tenth on the outer ring: held-out TRAIN normals | test-dev normals | planted | planted pointing proxy, all / >= 1% |');
  console.log('|---|---|---|---|---|');
  // The shipped centring, then the outer ring (and the next) pulled towards the normal level (0) by a factor.
  const shipped = mapCentring(calMaps, hw);
  const tapers: [string, number, number][] = [
    ['mean/sd, outer ring x0.75', 0.75, 1],
    ['mean/sd, outer ring x0.5', 0.5, 1],
    ['mean/sd, outer ring x0.5, next ring x0.8', 0.5, 0.8],
  ];
  const rows: [string, Float32Array][] = variants.map(([name, c]) => [name, c ? centreMaps(raw, c) : raw]);
  for (const [name, t1, t2] of tapers) {
    const m = centreMaps(raw, shipped);
    for (let i = 0; i < m.length; i++) {
      const p = i % hw;
      const y = Math.floor(p / w);
      const x = p % w;
      const d = Math.min(y, x, h - 1 - y, w - 1 - x);
      if (d === 0) m[i] *= t1;
      else if (d === 1) m[i] *= t2;
    }
    rows.push([name, m]);
  }
  for (const [name, m] of rows) {
    const ringShare = (i: number) => {
      const cells = Array.from({ length: hw }, (_, p) => p).sort((a, b) => m[i * hw + b] - m[i * hw + a]);
      const top = cells.slice(0, Math.round(hw / 10));
      return top.filter((p) => ring[p]).length / top.length;
    };
    const mean = (idx: number[], f: (i: number) => number) => idx.reduce((a, i) => a + f(i), 0) / idx.length;
    const idxOf = (pred: (i: (typeof others.items)[number]) => boolean) =>
      others.items.map((it, i) => (pred(it) ? i : -1)).filter((i) => i >= 0);
    const valN = idxOf((i) => i.set === 'val' && !i.anomalous);
    const devN = idxOf((i) => i.set === 'dev' && !i.anomalous);
    const planted = idxOf((i) => i.set === 'planted');
    const hit = (i: number) => {
      const o = indexOf.get(others.items[i].plant!.original)!;
      let best = -Infinity;
      let at = 0;
      let maxRaise = 0;
      for (let p = 0; p < hw; p++) {
        if (m[i * hw + p] > best) {
          best = m[i * hw + p];
          at = p;
        }
        maxRaise = Math.max(maxRaise, raw[i * hw + p] - raw[o * hw + p]);
      }
      return maxRaise > 0 && raw[i * hw + at] - raw[o * hw + at] >= 0.5 * maxRaise ? 1 : 0;
    };
    const big = planted.filter((i) => others.items[i].plant!.area >= 0.01);
    const pc = (v: number) => `${(100 * v).toFixed(1)}%`;
    console.log(
      `| ${name} | ${pc(mean(valN, ringShare))} | ${pc(mean(devN, ringShare))} | ${pc(mean(planted, ringShare))} | ${pc(mean(planted, hit))} / ${pc(mean(big, hit))} |`,
    );
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
