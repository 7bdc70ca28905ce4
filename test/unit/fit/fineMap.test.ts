/**
 * The fine map (fineMap.ts): a position-aware map at a finer tap added to the shown map. Fitted with held-out
 * calibration, the exported head draws exactly the in-memory map, its peak lands on content that is normal
 * elsewhere but not at its place (which the tap's PatchCore map cannot see), and the image score is unchanged.
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
} from '../../../src/core/fit/detector';
import type { FeatureMaps } from '../../../src/core/fit/features';
import {
  addFineMapNodes,
  addFineMaps,
  fineFactor,
  FineReservoir,
  principalDirections,
} from '../../../src/core/fit/fineMap';
import { buildDetectorHead } from '../../../src/core/fit/head';
import { GraphBuilder, OnnxDataType } from '../../../src/core/onnx/builder';
import { onnx } from 'onnx-proto';
import { layOutReference, positionalDistances, searchPositional } from '../../../src/core/fit/positional';
import { patchRows } from '../../../src/core/fit/features';
import { mulberry32 } from '../../../src/core/fit/random';
import { ortBackend } from '../../../scripts/models/ort-backend';
import { SYNTHETIC_FINE_DIMS, SYNTHETIC_MAP_DIMS, syntheticFineMaps, syntheticMaps } from './phantoms';

const be = ortBackend(1);
after(() => be.release());
const { c: C, h: H, w: W } = SYNTHETIC_MAP_DIMS;
const { c: FC, h: FH, w: FW } = SYNTHETIC_FINE_DIMS;
const F = FH / H;
/** Fine cells (rows 6-7, columns 2-3) that get content from another place (row 1, columns 9-10). */
const MISPLACED = { y0: 6, y1: 8, x0: 2, x1: 4 };

const fineMaps = (n: number, seed: number, misplaced: boolean[] = []): FeatureMaps =>
  syntheticFineMaps(n, seed, MISPLACED, misplaced);

const withFine = (m: FeatureMaps, fine: FeatureMaps): FeatureMaps => ({ ...m, fine });

const recipe: DetectorRecipe = {
  ...DEFAULT_RECIPE,
  tap: 'features',
  local: { ...DEFAULT_RECIPE.local, coresetRatio: 0.2 },
};
const fineRecipe: DetectorRecipe = {
  ...recipe,
  local: { ...recipe.local, fineMap: { tap: 'fine', refs: 16, reach: 1 } },
};

test('addFineMaps repeats each coarse cell f x f times and adds the fine value; the graph does the same', async () => {
  const coarse = Float32Array.from({ length: 2 * 2 * 3 }, (_, i) => i);
  const fine = Float32Array.from({ length: 2 * 4 * 6 }, (_, i) => (i % 7) / 10);
  const sum = addFineMaps(coarse, 2, 3, fine, 2);
  assert.equal(sum.length, 48);
  // Image 1, fine cell (3, 5) lies in coarse cell (1, 2) = value 6 + 5.
  assert.ok(Math.abs(sum[24 + 3 * 6 + 5] - (11 + fine[24 + 3 * 6 + 5])) < 1e-6);
  const g = new GraphBuilder('t');
  g.input('coarse', [2, 6]);
  g.input('fine', [2, 24]);
  const i64 = (...v: number[]) => g.constant(new BigInt64Array(v.map(BigInt)), [v.length]);
  g.op('Identity', [addFineMapNodes(g, 'coarse', 'fine', i64(2, 1, 2, 3), i64(2, 1, 4, 6), 2, i64(2))], {}, 'y');
  g.output('y', [2, 24]);
  const s = await ort.InferenceSession.create(g.toBytes({ opset: 17 }));
  const out = await s.run({
    coarse: new ort.Tensor('float32', coarse, [2, 6]),
    fine: new ort.Tensor('float32', fine, [2, 24]),
  });
  assert.deepEqual(Array.from(out.y.data as Float32Array), Array.from(sum));
  await s.release();
  assert.equal(fineFactor({ h: 14, w: 14 }, { h: 28, w: 28 }), 2);
  assert.throws(() => fineFactor({ h: 14, w: 14 }, { h: 28, w: 21 }), /whole multiple/);
});

test('the reservoir keeps the same sample however the images are batched, and all of them when there are few', async () => {
  const maps = fineMaps(40, 5);
  const per = FC * FH * FW;
  const part = (a: number, b: number): FeatureMaps => ({ ...maps, n: b - a, data: maps.data.slice(a * per, b * per) });
  const one = new FineReservoir(6, 3);
  await one.add(be, maps);
  const many = new FineReservoir(6, 3);
  for (const [a, b] of [
    [0, 7],
    [7, 8],
    [8, 30],
    [30, 40],
  ])
    await many.add(be, part(a, b));
  assert.equal(many.images, 40);
  assert.deepEqual(Array.from(one.reference(1).padded), Array.from(many.reference(1).padded));
  assert.equal(one.reference(0).count, 6);
  const few = new FineReservoir(60, 3);
  await few.add(be, part(0, 4));
  assert.equal(few.reference(1).count, 4);
  assert.throws(() => new FineReservoir(0, 1), /at least 1/);
});

test('fine map: the exported head draws the in-memory map, it points at misplaced content, and the score is unchanged', async () => {
  const train = withFine(syntheticMaps(40, 1), fineMaps(40, 11));
  const cal = withFine(syntheticMaps(24, 2), fineMaps(24, 12));
  const det = await fitDetector(be, [train], [cal], fineRecipe);
  assert.ok(det.fine?.centring, 'the fit centres the fine map on the calibration images');
  assert.equal(det.fine.factor, F);
  assert.equal(det.fine.ref.count, 16);
  const plain = await fitDetector(be, [train], [cal], recipe);
  // The tap map's edge weights ([0.5, 0.8] by ring), each ring over F fine rings: the scale of fine ring r is
  // divided by the weight of coarse ring floor(r / F); the offsets are untouched.
  const unweighted = await fitDetector(be, [train], [cal], {
    ...fineRecipe,
    local: { ...fineRecipe.local, edgeWeights: [] },
  });
  const [wc, uc] = [det.fine.centring, unweighted.fine!.centring!];
  assert.deepEqual(Array.from(wc.offset), Array.from(uc.offset));
  for (const [r, ratio] of [
    [0, 2],
    [1, 2],
    [2, 1.25],
    [3, 1.25],
    [5, 1],
  ])
    assert.ok(Math.abs(wc.scale[r * FW + r] / uc.scale[r * FW + r] - ratio) < 1e-5, `fine ring ${r}`);

  const misplaced = [false, true, false, true];
  const val = withFine(syntheticMaps(4, 3), fineMaps(4, 13, misplaced));
  const mem = await scoreWithDetector(be, det, [val], { keepMaps: true });
  assert.ok(mem.fineMaps && mem.maps);
  // The fine map changes only what is shown: the same scores as without it.
  assert.deepEqual(Array.from(mem.score), Array.from((await scoreWithDetector(be, plain, [val])).score));

  const expected = standardisedMaps(det, mem.maps, mem.fineMaps, { h: H, w: W });
  const session = await ort.InferenceSession.create(
    buildDetectorHead(det, { stride: 16, partsOutputs: true }).toBytes(),
    { intraOpNumThreads: 1 },
  );
  const out = await session.run({
    features: new ort.Tensor('float32', val.data, [4, C, H, W]),
    fine_features: new ort.Tensor('float32', val.fine!.data, [4, FC, FH, FW]),
  });
  const shown = out.shown_map.data as Float32Array;
  assert.equal(shown.length, 4 * FH * FW);
  for (let i = 0; i < shown.length; i++)
    assert.ok(Math.abs(shown[i] - expected[i]) <= 1e-4 * Math.max(1, Math.abs(expected[i])), `cell ${i}`);
  assert.ok(Math.abs((out.pred_score.data as Float32Array)[1] - mem.score[1]) < 1e-3);
  // Upsampled from the fine grid by stride / f to the input size.
  assert.deepEqual(out.anomaly_map.dims, [4, 1, H * 16, W * 16]);

  for (let i = 0; i < 4; i++) {
    const m = expected.subarray(i * FH * FW, (i + 1) * FH * FW);
    const peak = m.indexOf(Math.max(...m));
    const [y, x] = [Math.floor(peak / FW), peak % FW];
    const inside = y >= MISPLACED.y0 - 1 && y <= MISPLACED.y1 && x >= MISPLACED.x0 - 1 && x <= MISPLACED.x1;
    if (misplaced[i]) assert.ok(inside, `image ${i}: peak (${y},${x}) on the misplaced cells`);
  }
  // The coarse maps are alike (no anomaly at the tap): the misplaced images' maps peak higher than the others'.
  const peakOf = (i: number) => Math.max(...expected.subarray(i * FH * FW, (i + 1) * FH * FW));
  assert.ok(Math.min(peakOf(1), peakOf(3)) > Math.max(peakOf(0), peakOf(2)) + 1, 'misplaced content stands out');
  await session.release();
});

test('the fine map keeps its references in half precision: a float16 constant in the file, the map within the stated bound of float32', async () => {
  const train = withFine(syntheticMaps(40, 1), fineMaps(40, 11));
  const cal = withFine(syntheticMaps(24, 2), fineMaps(24, 12));
  const det = await fitDetector(be, [train], [cal], fineRecipe);
  const ref = det.fine!.ref;
  assert.equal(ref.half, true);
  const head = onnx.ModelProto.decode(buildDetectorHead(det, { stride: 16 }).toBytes());
  const refs = head.graph!.initializer!.find((t) => t.name === 'fine.refs')!;
  assert.equal(refs.dataType, OnnxDataType.FLOAT16);
  assert.equal(refs.rawData!.byteLength, ref.padded.length * 2, 'two bytes a value');
  assert.ok(
    head.graph!.node!.some((n) => n.opType === 'Cast' && n.input![0] === 'fine.refs'),
    'cast to float32 in the graph',
  );

  // The same reference images in float32 and in half precision: each distance moves by at most the largest
  // rounding of a reference row, |d16 - d32| <= ||r16 - r32|| <= 2^-11 * max ||r|| (the nearest may change, the
  // bound holds for every candidate, so for the minimum too).
  const rows = (await patchRows(be, train.fine!)).data;
  const per = FH * FW * FC;
  const images = Array.from({ length: 16 }, (_, i) => rows.subarray(i * per, (i + 1) * per));
  const shape = { c: FC, h: FH, w: FW };
  const [r32, r16] = [layOutReference(images, shape, 1), layOutReference(images, shape, 1, true)];
  let maxNorm = 0;
  for (let p = 0; p < rows.length / FC; p++)
    maxNorm = Math.max(maxNorm, Math.hypot(...rows.subarray(p * FC, (p + 1) * FC)));
  const val = fineMaps(6, 13, [false, true, false, true, false, false]);
  const queries = (await patchRows(be, val)).data;
  const [d32, d16] = [positionalDistances(queries, r32), positionalDistances(queries, r16)];
  let worst = 0;
  for (let i = 0; i < d32.length; i++) worst = Math.max(worst, Math.abs(d16[i] - d32[i]));
  assert.ok(worst <= maxNorm * 2 ** -11 + 1e-6, `largest change ${worst} within ${maxNorm * 2 ** -11}`);
  assert.ok(worst > 0, 'the references were rounded');
  // The backend search (fits, scoring) on the half-precision reference equals the plain loops on its values.
  const searched = await searchPositional(be, val, r16);
  for (let i = 0; i < d16.length; i++) assert.ok(Math.abs(searched[i] - d16[i]) <= 1e-4 * Math.max(1, d16[i]));
});

test('the fine map refuses cross-fitting and needs the fine maps', async () => {
  await assert.rejects(
    fitDetector(be, [withFine(syntheticMaps(30, 1), fineMaps(30, 11))], { method: 'cross-fit' }, fineRecipe, {
      groups: [Array.from({ length: 30 }, (_, i) => `p${i}`)],
    }),
    /held-out calibration/,
  );
  await assert.rejects(fitDetector(be, [syntheticMaps(30, 1)], [syntheticMaps(24, 2)], fineRecipe), /fine/);
});

test('principalDirections finds the direction the reference rows vary along first', () => {
  const c = 4;
  const rng = mulberry32(5);
  // Rows spread widely along (1, 1, 0, 0)/√2 and a little along channel 3.
  const rows = new Float32Array(200 * c);
  for (let i = 0; i < 200; i++) {
    const t = 4 * (rng() - 0.5);
    rows.set([1 + t, 1 + t, 0.5, 0.1 * (rng() - 0.5)], i * c);
  }
  const m = principalDirections([rows.subarray(0, 100 * c), rows.subarray(100 * c)], c, 2);
  assert.equal(m.length, 2 * c);
  assert.ok(
    Math.abs(Math.abs(m[0]) - Math.SQRT1_2) < 1e-4 && Math.abs(m[0] - m[1]) < 1e-4,
    `first ${[...m.subarray(0, c)]}`,
  );
  assert.ok(Math.abs(Math.abs(m[c + 3]) - 1) < 1e-3, `second ${[...m.subarray(c)]}`);
});

test('a reservoir reference on fewer channels keeps its projection, and the search reads full-channel maps', async () => {
  const maps = fineMaps(8, 7);
  const res = new FineReservoir(4, 1);
  await res.add(be, maps);
  const k = Math.max(1, FC - 2);
  const ref = res.reference(1, k);
  assert.equal(ref.c, k);
  assert.equal(ref.projection?.from, FC);
  assert.equal(ref.projection?.matrix.length, k * FC);
  assert.equal(res.reference(1, FC).projection, undefined, 'as many directions as channels: no projection');
  // The search maps the full-channel queries by the same matrix (the head's nodes; positional.test.ts checks them).
  const d = await searchPositional(be, maps, ref);
  assert.equal(d.length, 8 * FH * FW);
  assert.ok(d.every((v) => Number.isFinite(v) && v >= 0));
});
