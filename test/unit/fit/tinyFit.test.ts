/**
 * A fit on a dozen small images must still explain its score: the memory bank keeps a minimum number of
 * rows (a 1% coreset of ~700 patches is 7 rows, so every patch is far from the bank and the map is
 * flat), and the map of the written model peaks on the planted lesion.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeImage } from '../../../src/core/decode/index';
import { DEFAULT_RECIPE } from '../../../src/core/fit/detector';
import { fitModel, type FitIO } from '../../../src/core/fit/fitModel';
import { applyAffine, DEFAULT_DECODE_LIMITS } from '../../../src/core/image/types';
import { parseManifest } from '../../../src/core/model/validate';
import { prepareInput, prepareInputs } from '../../../src/core/preprocess/pipeline';
import { scoreOutputs } from '../../../src/core/scoring/postprocess';
import { nodeFitFiles } from '../../../src/engine/fitJobs';
import { ortCompute } from '../../../src/engine/ortCompute';
import { PALM_BLOB, writePhantoms, writeRealBackbone } from './phantoms';

const compute = ortCompute({ threads: 1 });
let work: string;
let backbone: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'tiny-fit-'));
  backbone = writeRealBackbone(join(work, 'bb'), 128);
});
after(async () => {
  await compute.release();
  rmSync(work, { recursive: true, force: true });
});

const io = (): FitIO => ({
  files: nodeFitFiles(),
  decode: (b, p, l) => decodeImage(b, p, l),
  prepare: (image, m) => prepareInputs(image, m as Parameters<typeof prepareInputs>[1]),
  compute,
  defaultBackbonePath: backbone,
  date: () => new Date('2025-01-01T00:00:00Z'),
});

test('12 phantoms with the default recipe: the bank keeps its minimum, and the map of the written model peaks on the lesion', async () => {
  const normals = await writePhantoms(join(work, 'normals'), 12, (i) => ({ seed: 400 + i }));
  const out = join(work, 'out');
  mkdirSync(out);
  // No coreset ratio in the request: the default 1% of 10 x 64 patches would be 6 rows.
  const result = await fitModel(
    { jobId: 'tiny', files: normals.map((n) => n.path), outDir: out, modelId: 'tiny', limits: DEFAULT_DECODE_LIMITS },
    io(),
  );
  const patches = (result.images.used - result.images.calibration) * 64;
  assert.equal(
    result.memoryBank.rows,
    Math.min(patches, DEFAULT_RECIPE.local.minBankRows),
    'every training patch is kept when there are fewer than the minimum',
  );

  const manifest = parseManifest(readFileSync(result.manifestPath, 'utf8'), result.manifestPath);
  const session = await ort.InferenceSession.create(result.onnxPath, { intraOpNumThreads: 1 });
  const probes = [
    ...(await writePhantoms(
      join(work, 'probe'),
      3,
      (i) => ({ seed: 700 + i, blob: { ...PALM_BLOB, kind: 'bright' } }),
      'b',
    )),
    ...(await writePhantoms(
      join(work, 'probe'),
      3,
      (i) => ({ seed: 710 + i, blob: { ...PALM_BLOB, kind: 'dark' } }),
      'd',
    )),
  ];
  for (const p of probes) {
    const prepared = prepareInput(await decodeImage(readFileSync(p.path), p.path), manifest);
    const res = await session.run({
      [manifest.input.name]: new ort.Tensor('float32', prepared.tensor, [...prepared.dims]),
    });
    const outputs = Object.fromEntries(
      Object.entries(res).map(([k, v]) => [k, { data: v.data as Float32Array, dims: v.dims.map(Number) }]),
    );
    const scored = scoreOutputs(outputs, prepared, manifest);
    assert.ok(scored.score.aboveThreshold, `${p.path}: ${scored.score.raw} above ${manifest.calibration.threshold}`);
    // The peak of the raw map (the displayed one is clamped at 1, so its first maximum says little).
    const raw = outputs.anomaly_map.data;
    const peak = raw.indexOf(Math.max(...raw));
    const map = scored.map!;
    const [x, y] = applyAffine(map.toImage, (peak % map.width) + 0.5, Math.floor(peak / map.width) + 0.5);
    const { x: bx, y: by, r } = p.phantom.blob!;
    assert.ok(
      Math.hypot(x - bx, y - by) <= r,
      `${p.path}: map peak at (${x.toFixed(0)}, ${y.toFixed(0)}), lesion at (${bx.toFixed(0)}, ${by.toFixed(0)}) r ${r.toFixed(0)}`,
    );
    // And the region drawn as above threshold is around the lesion, not the whole hand.
    let hot = 0;
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < map.data.length; i++) {
      if (map.data[i] < 0.5) continue;
      const [hx, hy] = applyAffine(map.toImage, (i % map.width) + 0.5, Math.floor(i / map.width) + 0.5);
      hot++;
      sx += hx;
      sy += hy;
    }
    assert.ok(
      hot > 0 && hot < 0.4 * map.data.length,
      `${p.path}: ${hot} of ${map.data.length} map pixels above threshold`,
    );
    // The region is cut from a 3x3-smoothed 8x8 map, so its centroid is good to about half a cell (the
    // map's peak, above, is held to the lesion itself). The pixel threshold is the 99th percentile of
    // the normal patches' cross-fitted distances: on the normal phantoms ~1% of the map is above it.
    const cell = Math.abs(applyAffine(map.toImage, 16, 0)[0] - applyAffine(map.toImage, 0, 0)[0]);
    assert.ok(
      Math.hypot(sx / hot - bx, sy / hot - by) <= r + cell / 2,
      `${p.path}: hot region centred at (${(sx / hot).toFixed(0)}, ${(sy / hot).toFixed(0)}); cell ${cell.toFixed(0)} px`,
    );
  }
  await session.release();
});
