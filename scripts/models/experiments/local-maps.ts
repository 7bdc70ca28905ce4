/**
 * `tsx scripts/models/experiments/local-maps.ts [--limit N] [--sets cal,planted,dev,val] [--refs 150]`: maps
 * with a TIGHTER reference than PatchCore's, for the planted anomalies the shipped map misses (issue 12:
 * lytic and sclerotic blobs, fractures). PatchCore compares each patch with every normal patch anywhere, so a
 * dark blob in the heart's place matches some dark lung patch; here each patch is compared with
 *   sym<t>   the same patient's other side: the distance to the mirrored position's patch (the nearest of its
 *            3x3 neighbourhood, for positioning), a contralateral comparison;
 *   pos<t>   normal patients at the same place: the nearest of `refs` fit normals' patches at the same
 *            position or one cell off (a position-aware memory bank, as PaDiM is a position-aware Gaussian);
 * at block_10 (t = 10: 14x14, stride 16, the shipped tap) and block_6 (t = 6: 28x28, stride 8). Features are
 * 3x3-averaged as the shipped bank's. Each raw map is calibrated per position on the model's calibration
 * normals (z = (d - mean_p) / sd_p) before use; the shipped centred map (`ship`) is the baseline.
 *
 * Reports, for each map and for sums with the shipped one: the pointing hit of the planted cases (the map's
 * hottest cell within bench:planted's tolerance of the region) by kind and size, the planted ROC-AUC of the
 * map's worst place (mean of its 3 highest inner cells) against the originals, and that worst place as a
 * gated part of the shipped score on test-dev / held-out TRAIN. Raw maps are cached under .cache/local-maps/.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { standardiser } from '../../../src/core/fit/combine';
import { f32 } from '../../../src/core/fit/compute';
import { worstGate, worstPlaceScores } from '../../../src/core/fit/worstPlace';
import { applyAffine, type Affine } from '../../../src/core/image/types';
import { bootstrap, FIGURES, formatInterval } from '../../../src/core/metrics/bootstrap';
import { rocAuc } from '../../../src/core/metrics/roc';
import { parseManifest } from '../../../src/core/model/validate';
import { extractSubmodel } from '../../../src/core/onnx/compose';
import { prepareInput } from '../../../src/core/preprocess/pipeline';
import { ortBackend } from '../ort-backend';
import { argValue, ROOT } from '../protocol';
import { evalSets, type EvalItem, type SetName } from './eval-sets';

const TAPS = { 10: 'block_10_expand_relu', 6: 'block_6_expand_relu' } as const;
type Tap = keyof typeof TAPS;

interface Row extends EvalItem {
  score: number;
  /** Raw maps by name ([side*side] each). */
  maps: Record<string, number[]>;
  /** Planted: cells (per grid side) within the pointing tolerance of the region. */
  cells?: Record<number, number[]>;
}

interface Fm {
  data: Float32Array;
  c: number;
  h: number;
  w: number;
}

/** 3x3 average (borders: the cells that exist), as the shipped bank's AveragePool(count_include_pad 0), cell-major [h*w][c]. */
function pooledRows(f: Fm): Float32Array {
  const { data, c, h, w } = f;
  const out = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * c;
      let n = 0;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++)
        for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) {
          n++;
          for (let k = 0; k < c; k++) out[o + k] += data[k * h * w + yy * w + xx];
        }
      for (let k = 0; k < c; k++) out[o + k] /= n;
    }
  return out;
}

function dist2(a: Float32Array, ai: number, b: Float32Array, bi: number, c: number): number {
  let s = 0;
  for (let k = 0; k < c; k++) {
    const d = a[ai + k] - b[bi + k];
    s += d * d;
  }
  return s;
}

/** Contralateral: each cell against the mirrored cell's 3x3 neighbourhood of the same image (nearest). */
function symMap(rows: Float32Array, c: number, h: number, w: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const mx = w - 1 - x;
      let best = Infinity;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++)
        for (let xx = Math.max(0, mx - 1); xx <= Math.min(w - 1, mx + 1); xx++)
          best = Math.min(best, dist2(rows, (y * w + x) * c, rows, (yy * w + xx) * c, c));
      out.push(Math.sqrt(best));
    }
  return out;
}

/** Position-aware: each cell against the reference images' cells at the same position or one off (nearest). */
function posMap(rows: Float32Array, refs: Float32Array[], c: number, h: number, w: number, reach = 1): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let best = Infinity;
      for (const r of refs)
        for (let yy = Math.max(0, y - reach); yy <= Math.min(h - 1, y + reach); yy++)
          for (let xx = Math.max(0, x - reach); xx <= Math.min(w - 1, x + reach); xx++) {
            const d = dist2(rows, (y * w + x) * c, r, (yy * w + xx) * c, c);
            if (d < best) best = d;
          }
      out.push(Math.sqrt(best));
    }
  return out;
}

/**
 * Intensity maps on cells of `cell` pixels of the network input (grey level, after the model's
 * preprocessing), each image standardised by the mean and sd of its central field (exposure differs between
 * patients): `ipos` the cell means (calibrated per position later: how unusual this brightness is here),
 * `isym` the cell mean minus the mirrored cell's (the same patient's other side). Both signed; the analysis
 * takes |z| after calibration (a lytic blob is darker, a sclerotic one brighter).
 */
function intensityMaps(input: Float32Array, size: number, cell: number): Record<string, number[]> {
  const side = size / cell;
  const c0 = Math.round(size * 0.2);
  let m = 0;
  let q = 0;
  let n = 0;
  for (let y = c0; y < size - c0; y++)
    for (let x = c0; x < size - c0; x++) {
      const v = input[y * size + x];
      m += v;
      q += v * v;
      n++;
    }
  m /= n;
  const sd = Math.sqrt(Math.max(1e-12, q / n - m * m));
  const means = new Float64Array(side * side);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) means[Math.floor(y / cell) * side + Math.floor(x / cell)] += input[y * size + x];
  const z = Array.from(means, (v) => (v / (cell * cell) - m) / sd);
  const sym = z.map((v, i) => v - z[Math.floor(i / side) * side + (side - 1 - (i % side))]);
  return { [`ipos${cell}`]: z, [`isym${cell}`]: sym };
}

/** Cells of a side x side grid (model pixels `size`) within `tol` image pixels of the region. */
function regionCells(
  region: Uint8Array,
  iw: number,
  ih: number,
  toImage: Affine,
  size: number,
  side: number,
  tol: number,
): number[] {
  const cell = size / side;
  const cells: number[] = [];
  const inReach = (px: number, py: number) => {
    const x0 = Math.max(0, Math.floor(px - tol));
    const x1 = Math.min(iw - 1, Math.ceil(px + tol));
    const y0 = Math.max(0, Math.floor(py - tol));
    const y1 = Math.min(ih - 1, Math.ceil(py + tol));
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) if (region[y * iw + x]) return true;
    return false;
  };
  for (let cy = 0; cy < side; cy++)
    for (let cx = 0; cx < side; cx++) {
      // The cell centre, as the pointing game asks of the map's hottest pixel.
      const [px, py] = applyAffine(toImage, (cx + 0.5) * cell, (cy + 0.5) * cell);
      if (inReach(px, py)) cells.push(cy * side + cx);
    }
  return cells;
}

function centredMapTensor(g: onnx.IGraphProto): string {
  const div = (g.node ?? []).find(
    (n) => n.opType === 'Div' && (n.input ?? []).some((i) => i === 'map.scale' || i.endsWith('/map.scale')),
  );
  if (!div?.output?.[0]) throw new Error('the model has no per-position centring (map.scale)');
  return div.output[0];
}

async function main(argv: string[]): Promise<void> {
  const manifestPath = join(ROOT, 'models/chest-patchcore/chest-patchcore.model.json');
  const limit = Number(argValue(argv, '--limit') ?? Infinity);
  const nRefs = Number(argValue(argv, '--refs') ?? 150);
  // Cells a reference may be off the patch's own (1: the 3x3 neighbourhood; 0: the same position only).
  const reach = Number(argValue(argv, '--reach') ?? 1);
  const refs6 = Number(argValue(argv, '--refs6') ?? Math.min(nRefs, 60));
  const wanted = (argValue(argv, '--sets') ?? 'cal,planted,dev,val').split(',') as SetName[];
  const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
  const full = new Uint8Array(readFileSync(join(manifestPath, '..', manifest.onnx)));
  const mapName = centredMapTensor(onnx.ModelProto.decode(full).graph!);
  const model = extractSubmodel(full, [manifest.outputs.score!, mapName, TAPS[10], TAPS[6]]);
  const intensity = argv.includes('--intensity');
  const featureKey = `refs${nRefs}${refs6 !== Math.min(nRefs, 60) ? `-r6_${refs6}` : ''}${reach !== 1 ? `-reach${reach}` : ''}`;
  const base = join(ROOT, '.cache/local-maps');
  const lim = Number.isFinite(limit) ? `-limit${limit}` : '';
  const cache = join(base, intensity ? `${manifest.version}-intensity${lim}` : `${manifest.version}-${featureKey}${lim}`);
  mkdirSync(cache, { recursive: true });
  const be = ortBackend(Number(process.env.FIT_THREADS ?? 1));
  const sets = await evalSets(limit, nRefs);
  const size = manifest.input.width;
  const run = async (image: EvalImageLike) => {
    const p = prepareInput(image, manifest);
    const out = await be.run('maps', () => model, { [manifest.input.name]: f32(p.tensor, [...p.dims]) });
    const fm = (t: Tap): Fm => {
      const o = out[TAPS[t]];
      return { data: o.data as Float32Array, c: o.dims[1], h: o.dims[2], w: o.dims[3] };
    };
    return {
      input: p.tensor.subarray(0, size * size),
      score: (out[manifest.outputs.score!].data as Float32Array)[0],
      ship: Array.from(out[mapName].data as Float32Array),
      f10: fm(10),
      f6: fm(6),
      toImage: p.toImage,
    };
  };
  type EvalImageLike = Parameters<typeof prepareInput>[0];

  // References for the position-aware maps: fit normals (the bank's images, never the calibration ones).
  const refs: Record<Tap, Float32Array[]> = { 10: [], 6: [] };
  const refCap: Record<Tap, number> = { 10: nRefs, 6: refs6 };
  const t0 = Date.now();
  const rows: Row[] = [];
  try {
    const pending = wanted.filter((s) => !existsSync(join(cache, `${s}.json`)));
    if (pending.length && !intensity) {
      for await (const it of sets.fit()) {
        const r = await run(it.image);
        refs[10].push(pooledRows(r.f10));
        if (refs[6].length < refCap[6]) refs[6].push(pooledRows(r.f6));
      }
      console.error(`references: ${refs[10].length} fit normals (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
    for (const name of wanted) {
      const file = join(cache, `${name}.json`);
      if (existsSync(file)) {
        rows.push(...(JSON.parse(readFileSync(file, 'utf8')) as Row[]));
        continue;
      }
      const t1 = Date.now();
      const mine: Row[] = [];
      for await (const { image, region, ...item } of sets[name]()) {
        const r = await run(image);
        const maps: Record<string, number[]> = { ship: r.ship };
        if (intensity) Object.assign(maps, intensityMaps(r.input, size, 8));
        else
        for (const t of [10, 6] as Tap[]) {
          const f = t === 10 ? r.f10 : r.f6;
          const pr = pooledRows(f);
          maps[`sym${t}`] = symMap(pr, f.c, f.h, f.w);
          maps[`pos${t}`] = posMap(pr, refs[t], f.c, f.h, f.w, reach);
        }
        const row: Row = { ...item, score: r.score, maps };
        if (region) {
          const tol = 0.036 * Math.max(image.width, image.height);
          row.cells = Object.fromEntries(
            [14, 28].map((s) => [s, regionCells(region, image.width, image.height, r.toImage, size, s, tol)]),
          );
        }
        mine.push(row);
      }
      writeFileSync(file, JSON.stringify(mine));
      rows.push(...mine);
      console.error(`${name}: ${mine.length} images in ${((Date.now() - t1) / 1000).toFixed(0)} s`);
    }
  } finally {
    await be.release();
  }
  // Maps of the other kind (feature / intensity) cached for the same images join in.
  const other = join(base, intensity ? `${manifest.version}-${argValue(argv, '--join') ?? 'refs60'}${lim}` : `${manifest.version}-intensity${lim}`);
  for (const name of wanted) {
    const file = join(other, `${name}.json`);
    if (!existsSync(file)) continue;
    const byId = new Map((JSON.parse(readFileSync(file, 'utf8')) as Row[]).map((r) => [r.id, r]));
    for (const r of rows.filter((x) => x.set === name)) Object.assign(r.maps, byId.get(r.id)?.maps ?? {});
  }
  analyse(rows, Number(argValue(argv, '--reps') ?? 400));
}

/** Per-position calibration on the cal rows: z = (d - mean_p) / sd_p (sd floored at half the median sd). */
function calibrator(cal: Row[], name: string): (m: number[]) => Float32Array {
  const hw = cal[0].maps[name].length;
  const mean = new Float64Array(hw);
  const sd = new Float64Array(hw);
  for (let p = 0; p < hw; p++) {
    const s = standardiser(cal.map((r) => r.maps[name][p]));
    mean[p] = s.mean;
    sd[p] = s.sd;
  }
  const floor = 0.5 * [...sd].sort((a, b) => a - b)[Math.floor(hw / 2)];
  return (m) => Float32Array.from(m, (v, p) => (v - mean[p]) / Math.max(sd[p], floor));
}

function upsample(m: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return m;
  const f = to / from;
  return Float32Array.from({ length: to * to }, (_, i) => m[Math.floor(Math.floor(i / to) / f) * from + Math.floor((i % to) / f)]);
}

function analyse(rows: Row[], reps: number): void {
  const of = (s: SetName) => rows.filter((r) => r.set === s);
  const cal = of('cal');
  const planted = of('planted').filter((r) => r.anomalous);
  const originals = of('planted').filter((r) => !r.anomalous);
  const dev = of('dev');
  const val = of('val');
  // Maps every scored image has (the intensity run may not have covered every set).
  const raw = Object.keys(cal[0].maps).filter((n) => rows.every((r) => r.maps[n]));
  const cals = Object.fromEntries(
    raw.map((n) => {
      if (n === 'ship') return [n, (m: number[]) => Float32Array.from(m)];
      const c = calibrator(cal, n);
      // Intensity maps are signed: darker and brighter than normal both count.
      return [n, n.startsWith('i') ? (m: number[]) => c(m).map(Math.abs) : c];
    }),
  );
  const side = (n: string) => Math.round(Math.sqrt(cal[0].maps[n].length));
  // A candidate map: a sum of calibrated raw maps on the finest grid among them.
  const candidates: string[][] = [
    ['ship'],
    ['sym10'],
    ['pos10'],
    ['sym6'],
    ['pos6'],
    ['ship', 'sym10'],
    ['ship', 'pos10'],
    ['ship', 'pos6'],
    ['ship', 'sym6'],
    ['pos10', 'sym10'],
    ['ship', 'pos10', 'sym10'],
    ['ipos8'],
    ['isym8'],
    ['ship', 'ipos8'],
    ['ship', 'isym8'],
    ['ship', 'pos10', 'ipos8'],
  ].filter((c) => c.every((n) => raw.includes(n)));
  const mapOf = (r: Row, c: string[]) => {
    const s = Math.max(...c.map(side));
    const out = new Float32Array(s * s);
    for (const n of c) {
      const m = upsample(cals[n](r.maps[n]), side(n), s);
      for (let i = 0; i < out.length; i++) out[i] += m[i];
    }
    return { s, m: out };
  };
  const kinds = [...new Set(planted.map((r) => r.plant!.kind))];
  const areas = [...new Set(planted.map((r) => r.plant!.area))].sort((a, b) => a - b);
  console.log(`cal ${cal.length}, planted ${planted.length} on ${originals.length} originals, test-dev ${dev.length}, held-out TRAIN ${val.length}`);
  console.log('| map | hit >= 1% | hit by kind (0.25/1/4%) | worst-place planted ROC-AUC all / >= 1% | worst place alone: test-dev ROC-AUC | gated part: test-dev ROC-AUC | held-out TRAIN | planted >= 1% |');
  console.log('|---|---|---|---|---|---|---|---|');
  const shipped = (rs: Row[]) => Float32Array.from(rs, (r) => r.score);
  const base = { dev: dev.length ? rocAuc(shipped(dev), dev.map((r) => r.anomalous)) : NaN };
  for (const c of candidates) {
    const hit = (r: Row) => {
      const { s, m } = mapOf(r, c);
      let best = 0;
      for (let i = 1; i < m.length; i++) if (m[i] > m[best]) best = i;
      return r.cells![s].includes(best);
    };
    const rate = (rs: Row[]) => (rs.length ? rs.filter(hit).length / rs.length : NaN);
    const big = planted.filter((r) => r.plant!.area >= 0.01);
    const byKind = kinds
      .map((k) => `${k} ${areas.map((a) => (100 * rate(planted.filter((r) => r.plant!.kind === k && r.plant!.area === a))).toFixed(0)).join('/')}`)
      .join(', ');
    // Worst place on the 14x14-equivalent inner field: k scaled with the grid (3 cells at 14, 12 at 28).
    const worst = (rs: Row[]) => {
      const s = Math.max(...c.map(side));
      const k = 3 * (s / 14) ** 2;
      return worstPlaceScores(Float32Array.from(rs.flatMap((r) => Array.from(mapOf(r, c).m))), s, s, { k, inset: s / 14 });
    };
    const pAuc = (rs: Row[]) => {
      const all = [...originals, ...rs];
      const w = worst(all);
      return rocAuc(w, all.map((r) => r.anomalous));
    };
    // Gated part: S + 2 · max(0, z - gate), z standardised on cal, gate = the calibration normals' highest z.
    const wc = worst(cal);
    const std = standardiser(wc);
    const gate = worstGate(wc.map((v) => (v - std.mean) / std.sd), 1);
    const gated = (rs: Row[]) => {
      const w = worst(rs);
      return Float32Array.from(rs, (r, i) => r.score + 2 * Math.max(0, (w[i] - std.mean) / std.sd - gate));
    };
    const ci = (rs: Row[]) =>
      rs.length ? formatInterval(bootstrap(gated(rs), rs.map((r) => r.anomalous), FIGURES.rocAuc, { reps, groups: rs.map((r) => r.group), seed: 1 })) : '-';
    const pg = (() => {
      const all = [...originals, ...big];
      return rocAuc(gated(all), all.map((r) => r.anomalous));
    })();
    console.log(`| ${c.join(' + ')} | ${(100 * rate(big)).toFixed(0)}% | ${byKind} | ${pAuc(planted).toFixed(3)} / ${pAuc(big).toFixed(3)} | ${dev.length ? rocAuc(worst(dev), dev.map((r) => r.anomalous)).toFixed(3) : '-'} | ${ci(dev)} | ${ci(val)} | ${pg.toFixed(3)} |`);
  }
  // Linear image scores: the shipped S plus a map's mean (raw distances, as the shipped local part) or worst
  // place (calibrated map), standardised on the calibration normals.
  console.log('\n| image score | held-out TRAIN ROC-AUC [95% CI] | test-dev ROC-AUC [95% CI] | test-dev AP | planted ROC-AUC all / >= 1% |');
  console.log('|---|---|---|---|---|');
  const lin = (name: string, part: (rs: Row[]) => Float32Array, w: number) => {
    const st = standardiser(part(cal));
    const score = (rs: Row[]) => {
      const p = part(rs);
      return Float32Array.from(rs, (r, i) => r.score + (w * (p[i] - st.mean)) / st.sd);
    };
    const iv = (f: typeof FIGURES.rocAuc, rs = dev) =>
      rs.length
        ? formatInterval(bootstrap(score(rs), rs.map((r) => r.anomalous), f, { reps, groups: rs.map((r) => r.group), seed: 1 }))
        : '-';
    const pa = (rs: Row[]) => {
      const all = [...originals, ...rs];
      return rocAuc(score(all), all.map((r) => r.anomalous)).toFixed(3);
    };
    console.log(`| S + ${w}·z(${name}) | ${iv(FIGURES.rocAuc, val)} | ${iv(FIGURES.rocAuc)} | ${iv(FIGURES.averagePrecision)} | ${pa(planted)} / ${pa(planted.filter((r) => r.plant!.area >= 0.01))} |`);
  };
  const meanOf = (n: string) => (rs: Row[]) => Float32Array.from(rs, (r) => r.maps[n].reduce((a, b) => a + b, 0) / r.maps[n].length);
  const worstOf = (n: string) => (rs: Row[]) => {
    const sd = side(n);
    return worstPlaceScores(Float32Array.from(rs.flatMap((r) => Array.from(cals[n](r.maps[n])))), sd, sd, { k: 3 * (sd / 14) ** 2, inset: sd / 14 });
  };
  if (dev.length) {
    lin('nothing: S alone', (rs) => new Float32Array(rs.length), 0);
    for (const n of ['pos10', 'pos6'].filter((x) => raw.includes(x)))
      for (const w of [0.5, 1]) {
        lin(`mean ${n}`, meanOf(n), w);
        lin(`worst ${n}`, worstOf(n), w);
      }
  }
  console.log(`shipped score alone: test-dev ROC-AUC ${base.dev.toFixed(3)}; planted >= 1% ${(() => {
    const all = [...originals, ...planted.filter((r) => r.plant!.area >= 0.01)];
    return rocAuc(shipped(all), all.map((r) => r.anomalous)).toFixed(3);
  })()}`);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
