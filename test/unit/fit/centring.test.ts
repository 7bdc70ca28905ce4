/**
 * Per-position centring of the anomaly map (calibrate.ts mapOffset): normals whose border positions are
 * always warmer (as on chest films) must not put their peak on the border once centred, a planted lesion
 * must, and the image score must not move.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import {
  DEFAULT_RECIPE,
  fitDetector,
  scoreWithDetector,
  standardisedMaps,
  type DetectorRecipe,
  type FittedDetector,
} from '../../../src/core/fit/detector';
import { buildDetectorHead } from '../../../src/core/fit/head';
import {
  MIN_CENTRING_IMAGES,
  calibrateFromUnseen,
  centreMaps,
  mapCentring,
  weightEdges,
} from '../../../src/core/fit/calibrate';
import type { FeatureMaps } from '../../../src/core/fit/features';
import { gaussianRng, mulberry32 } from '../../../src/core/fit/random';
import { ortBackend } from '../../../scripts/models/ort-backend';

const be = ortBackend(1);
after(() => be.release());

const C = 6;
const H = 10;
const W = 10;
const onBorder = (p: number) => {
  const y = Math.floor(p / W);
  const x = p % W;
  return y === 0 || x === 0 || y === H - 1 || x === W - 1;
};

/**
 * Normal feature maps whose content varies three times as much on the outer ring as inside, so a
 * patch there is farther from its nearest normal patch on every image; `lesion` adds a shift in the
 * middle (rows and columns 4-5).
 */
function hotBorderMaps(n: number, seed: number, lesion: boolean[] = []): FeatureMaps {
  const rng = gaussianRng(mulberry32(seed));
  const data = new Float32Array(n * C * H * W);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < H * W; p++) {
        const y = Math.floor(p / W);
        const x = p % W;
        const mid = y >= 4 && y <= 5 && x >= 4 && x <= 5;
        data[((i * C + c) * H + y) * W + x] = 20 + (onBorder(p) ? 3 : 1) * rng() + (lesion[i] && mid && c < 3 ? 6 : 0);
      }
    }
  }
  return { n, c: C, h: H, w: W, data };
}

const recipe: DetectorRecipe = {
  ...DEFAULT_RECIPE,
  tap: 'synthetic',
  local: { ...DEFAULT_RECIPE.local, coresetRatio: 0.2, minBankRows: 0 },
};

function argmax(a: ArrayLike<number>): number {
  let k = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[k]) k = i;
  return k;
}

/** Mean over images of the standardised maps, and its border-minus-inside difference. */
function borderExcess(maps: Float32Array): number {
  const n = maps.length / (H * W);
  let border = 0;
  let inside = 0;
  let nb = 0;
  for (let p = 0; p < H * W; p++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += maps[i * H * W + p];
    if (onBorder(p)) {
      border += m / n;
      nb++;
    } else inside += m / n;
  }
  return border / nb - inside / (H * W - nb);
}

test("centring moves normals' heat off the hot border, keeps a central lesion the peak, and leaves the score alone", async () => {
  const det = await fitDetector(be, [hotBorderMaps(48, 1)], { method: 'cross-fit' }, recipe);
  const pc = det.mapCentring;
  assert.ok(
    pc && pc.offset.length === H * W && pc.scale.length === H * W,
    'cross-fitting gives enough unseen maps to centre',
  );
  const border = (a: Float32Array) => [...a].filter((_, p) => onBorder(p));
  const inside = (a: Float32Array) => [...a].filter((_, p) => !onBorder(p));
  assert.ok(
    Math.min(...border(pc.offset)) > Math.max(...inside(pc.offset)),
    'the offset is higher on every border position than anywhere inside',
  );
  const avg = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  assert.ok(
    avg(border(pc.scale)) > 1.5 * avg(inside(pc.scale)),
    `and the border spreads wider: scale ${avg(border(pc.scale))} vs ${avg(inside(pc.scale))}`,
  );
  const uncentred: FittedDetector = { ...det, mapCentring: undefined };

  const normals = await scoreWithDetector(be, det, [hotBorderMaps(30, 2)], { keepMaps: true });
  const rawStd = standardisedMaps(uncentred, normals.maps!);
  const centred = standardisedMaps(det, normals.maps!);
  let rawPeakOnBorder = 0;
  let centredPeakOnBorder = 0;
  for (let i = 0; i < 30; i++) {
    if (onBorder(argmax(rawStd.subarray(i * H * W, (i + 1) * H * W)))) rawPeakOnBorder++;
    if (onBorder(argmax(centred.subarray(i * H * W, (i + 1) * H * W)))) centredPeakOnBorder++;
  }
  assert.equal(rawPeakOnBorder, 30, 'uncentred, every normal map peaks on the border');
  // 36 of 100 positions are border: a flat map peaks there about a third of the time.
  assert.ok(centredPeakOnBorder <= 18, `centred, ${centredPeakOnBorder} of 30 normal maps peak on the border`);
  const rawExcess = borderExcess(rawStd);
  const centredExcess = borderExcess(centred);
  assert.ok(rawExcess > 1, `uncentred, the mean normal map is ${rawExcess.toFixed(2)} sd warmer on the border`);
  // Not exactly 0: the centring comes from cross-fitted maps (banks short of one image: a little farther
  // on the sparse border) and is applied to maps scored against the full bank.
  assert.ok(
    Math.abs(centredExcess) < 0.25 * rawExcess,
    `centred, the mean normal map is flat: border excess ${centredExcess.toFixed(3)} vs ${rawExcess.toFixed(3)}`,
  );

  const lesion = Array.from({ length: 10 }, (_, i) => i % 2 === 0);
  const probe = hotBorderMaps(10, 3, lesion);
  const mem = await scoreWithDetector(be, det, [probe], { keepMaps: true });
  const probeMaps = standardisedMaps(det, mem.maps!);
  for (let i = 0; i < 10; i += 2) {
    const peak = argmax(probeMaps.subarray(i * H * W, (i + 1) * H * W));
    const [y, x] = [Math.floor(peak / W), peak % W];
    assert.ok(y >= 3 && y <= 6 && x >= 3 && x <= 6, `image ${i}: centred map peaks at (${y},${x}), at the lesion`);
  }

  // The exported graph: the score is bit-for-bit the same with and without the centring; the map is the
  // in-memory centred, standardised map.
  const features = new ort.Tensor('float32', probe.data, [10, C, H, W]);
  const run = async (d: FittedDetector) => {
    const s = await ort.InferenceSession.create(buildDetectorHead(d, { stride: 1, blurSigma: 0 }).toBytes(), {
      intraOpNumThreads: 1,
    });
    const out = await s.run({ features });
    await s.release();
    return { score: out.pred_score.data as Float32Array, map: out.anomaly_map.data as Float32Array };
  };
  const withCentring = await run(det);
  const without = await run(uncentred);
  assert.deepEqual(withCentring.score, without.score, 'the exported score does not depend on the centring');
  for (let i = 0; i < 10; i++)
    assert.ok(
      Math.abs(withCentring.score[i] - mem.score[i]) <= 1e-4 * Math.max(1, Math.abs(mem.score[i])),
      `image ${i}: exported ${withCentring.score[i]} vs in-memory ${mem.score[i]}`,
    );
  let worst = 0;
  for (let p = 0; p < probeMaps.length; p++) worst = Math.max(worst, Math.abs(withCentring.map[p] - probeMaps[p]));
  assert.ok(worst < 1e-3, `exported vs in-memory centred map differ by up to ${worst}`);
  const rawMapsDiffer = without.map.some((v, p) => Math.abs(v - withCentring.map[p]) > 0.1);
  assert.ok(rawMapsDiffer, 'and the centring does change the exported map');
});

test('centring: per-position offset and scale, a floor on the scale, the pixel threshold on the centred maps; too few maps are not centred', () => {
  // Three positions: one 1 higher and twice as spread, one that never varies (floored at half the median sd).
  const n = MIN_CENTRING_IMAGES;
  const maps = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const e = (i % 5) / 10;
    maps[3 * i] = 1 + e;
    maps[3 * i + 1] = 2 + 2 * e;
    maps[3 * i + 2] = 1.2;
  }
  const pc = mapCentring(maps, 3)!;
  const sd = Math.sqrt((4 * 0.02 * 4) / (n - 1)); // the levels 0, .1, .2, .3, .4, four times each: Σ(e - .2)² = 4 · 0.1
  const floored = [sd, 2 * sd, 0.5 * sd];
  const meanSd = (floored[0] + floored[1] + floored[2]) / 3;
  const close = (a: ArrayLike<number>, b: number[], what: string) =>
    b.forEach((v, p) => assert.ok(Math.abs(a[p] - v) < 1e-5, `${what}[${p}]: ${a[p]} vs ${v}`));
  close(pc.offset, [1.2, 2.4, 1.2], 'offset');
  close(
    pc.scale,
    floored.map((v) => v / meanSd),
    'scale',
  );
  const centred = centreMaps(maps, pc);
  for (let i = 0; i < n; i++)
    assert.ok(
      Math.abs(centred[3 * i] - centred[3 * i + 1]) < 1e-5,
      `image ${i}: positions 0 and 1 read alike once centred: ${centred[3 * i]} vs ${centred[3 * i + 1]}`,
    );
  const c = calibrateFromUnseen(
    { local: Array.from({ length: n }, (_, i) => i), maps, patchesPerImage: 3 },
    { global: 1, local: 1 },
    0.95,
  );
  assert.deepEqual(c.mapCentring, pc);
  const top = Math.max(...centred);
  const mean = centred.reduce((a, b) => a + b, 0) / centred.length;
  assert.ok(Math.abs(c.mapStd!.mean - mean) < 1e-5, `${c.mapStd!.mean} vs ${mean}`);
  // The pixel threshold: each image's 99th percentile (of 3 values: between the two highest), then their 90th
  // percentile over the 20 images: among the four at the top level.
  assert.ok(Math.abs(c.pixelThreshold! - (top - mean) / c.mapStd!.sd) < 1e-4, `${c.pixelThreshold}`);
  const few = calibrateFromUnseen(
    { local: [0, 1, 2], maps: maps.subarray(0, 9), patchesPerImage: 3 },
    { global: 1, local: 1 },
    0.95,
  );
  assert.equal(few.mapCentring, undefined, `fewer than ${MIN_CENTRING_IMAGES} maps: not centred`);
  assert.equal(mapCentring(maps, 7), undefined, 'maps that are not whole images: not centred');
  assert.throws(() => centreMaps(new Float32Array(4), pc), /whole maps/);
});

test('edge weights: the outer rings of the centred map count less, inside is untouched, and the fit applies them', () => {
  const c = { offset: new Float32Array(25).fill(1), scale: new Float32Array(25).fill(2) };
  const wc = weightEdges(c, 5, 5, [0.5, 0.8]);
  const maps = new Float32Array(25).fill(3); // (3 - 1) / 2 = 1 everywhere before the weights
  const m = centreMaps(maps, wc);
  assert.equal(m[0], 0.5, 'a corner: outer ring');
  assert.equal(m[2], 0.5, 'top edge: outer ring');
  assert.ok(Math.abs(m[6] - 0.8) < 1e-6, 'second ring');
  assert.equal(m[12], 1, 'the centre keeps its value');
  assert.throws(() => weightEdges(c, 4, 4, [0.5]), /4x4 map has 16 positions/);
  assert.throws(() => weightEdges(c, 5, 5, [0]), /in \(0, 1\]/);
  // Through calibrateFromUnseen: the same as weighting the plain centring; without a shape, no weights.
  const n = MIN_CENTRING_IMAGES;
  const rng = mulberry32(3);
  const many = Float32Array.from({ length: n * 25 }, () => rng());
  const unseen = { local: Array.from({ length: n }, (_, i) => i), maps: many, patchesPerImage: 25 };
  const plain = calibrateFromUnseen(unseen, { global: 1, local: 1 }, 0.95, undefined, [0.5, 0.8]);
  assert.deepEqual(plain.mapCentring, mapCentring(many, 25), 'no map shape: no weights');
  const shaped = calibrateFromUnseen(
    { ...unseen, mapShape: { h: 5, w: 5 } },
    { global: 1, local: 1 },
    0.95,
    undefined,
    [0.5, 0.8],
  );
  assert.deepEqual(shaped.mapCentring, weightEdges(mapCentring(many, 25)!, 5, 5, [0.5, 0.8]));
  assert.equal(shaped.threshold, plain.threshold, 'the image score does not use the map');
});
