import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XrayError } from '../../../src/core/errors';
import { applyAffine } from '../../../src/core/image/types';
import type { ModelManifest } from '../../../src/core/model/manifest';
import { prepareInput, type PreparedInput } from '../../../src/core/preprocess/pipeline';
import { normalizeWith } from '../../../src/core/scoring/calibration';
import { gaussianBlur } from '../../../src/core/scoring/gaussian';
import { scoreOutputs, type OutputTensors } from '../../../src/core/scoring/postprocess';
import { makeImage, makeManifest } from '../preprocess/images';

// 64x32 image -> 64x64 model input: content rows 16..47, left 8 columns black (background).
const image = makeImage(64, 32, (x, y) => (x < 8 ? 0 : 100 + ((x * 5 + y * 3) % 50)));

function setup(
  over: Partial<ModelManifest> = {},
  channels: 1 | 3 = 1,
): { manifest: ModelManifest; prepared: PreparedInput } {
  const manifest = makeManifest(
    [
      { op: 'intensity', mode: 'minmax' },
      { op: 'resizePad', size: 64 },
    ],
    {
      input: { name: 'input', channels, height: 64, width: 64 },
      calibration: { threshold: 0.04, min: 0, max: 0.08 },
      ...over,
    },
  );
  return { manifest, prepared: prepareInput(image, manifest) };
}

function expectFailure(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof XrayError && e.code === 'INFERENCE_FAILED' && pattern.test(e.message));
}

test('reconstruction: squared error masked to foreground, score from the unsmoothed map, smoothed display map', () => {
  const { manifest, prepared } = setup({ postprocess: { smoothingSigma: 2, reduce: 'mean' } });
  const rec = prepared.tensor.map((v, i) => v + (i % 64 < 32 ? 0.1 : 0.3));
  const { score, map } = scoreOutputs({ reconstruction: { data: rec, dims: [1, 1, 64, 64] } }, prepared, manifest);
  let sum = 0;
  let n = 0;
  const err = new Float32Array(64 * 64);
  prepared.foreground.forEach((f, i) => {
    if (!f) return;
    err[i] = (rec[i] - prepared.tensor[i]) ** 2;
    sum += err[i];
    n++;
  });
  assert.ok(n > 0 && n < 64 * 32, 'the fixture has background inside the content');
  assert.ok(Math.abs(score.raw - sum / n) < 1e-6);
  assert.equal(score.normalized, normalizeWith(score.raw, 0.04, 0.08));
  assert.ok(map);
  assert.deepEqual(map.toImage, prepared.toImage);
  const smoothed = gaussianBlur(err, 64, 64, 2);
  for (const i of [20 * 64 + 20, 30 * 64 + 40, 40 * 64 + 60]) {
    assert.equal(prepared.foreground[i], 1);
    assert.ok(Math.abs(map.data[i] - normalizeWith(smoothed[i], 0.04, 0.08)) < 1e-6);
  }
  // Background (padding and black content) carries no heat.
  assert.equal(map.data[5 * 64 + 30], 0);
  assert.equal(map.data[30 * 64 + 2], 0);
  assert.ok(map.rawMax > 0.05 && map.rawMin === 0);
});

test('reconstruction: max, top-K and an explicit score output', () => {
  const { manifest, prepared } = setup();
  const rec = prepared.tensor.slice();
  rec[30 * 64 + 30] += 2; // one foreground pixel, error 4
  rec[31 * 64 + 30] += 1; // error 1
  rec[5 * 64 + 5] += 10; // padding: masked out
  const out: OutputTensors = { reconstruction: { data: rec, dims: [1, 64, 64] } };
  const score = (m: ModelManifest, o = out) => scoreOutputs(o, prepared, m).score.raw;
  assert.ok(Math.abs(score({ ...manifest, postprocess: { reduce: 'max' } }) - 4) < 1e-5);
  assert.ok(Math.abs(score({ ...manifest, postprocess: { reduce: { topK: 2 } } }) - 2.5) < 1e-5);
  assert.ok(Math.abs(score({ ...manifest, postprocess: { reduce: 'max', maskForeground: false } }) - 100) < 1e-4);
  const withScore = { ...manifest, outputs: { reconstruction: 'reconstruction', score: 's' } };
  assert.equal(score(withScore, { ...out, s: { data: Float32Array.of(0.75), dims: [1, 1] } }), 0.75);
  // Without a map (a batch without heatmaps): the same score, reduced from the map or read, and no map.
  for (const [m, o] of [
    [manifest, out],
    [withScore, { ...out, s: { data: Float32Array.of(0.75), dims: [1, 1] } }],
  ] as const) {
    const full = scoreOutputs(o, prepared, m);
    const bare = scoreOutputs(o, prepared, m, { map: false });
    assert.deepEqual(bare.score, full.score);
    assert.ok(full.map);
    assert.equal(bare.map, undefined);
  }
});

test('reconstruction with 3-channel input: per-channel error, or a 1-channel reconstruction against the channel mean', () => {
  const { manifest, prepared } = setup({ postprocess: { reduce: 'max', smoothingSigma: 0 } }, 3);
  const plane = 64 * 64;
  const i = 30 * 64 + 30;
  const rec3 = prepared.tensor.slice();
  rec3[i] += 0.3;
  rec3[2 * plane + i] -= 0.6;
  assert.ok(
    Math.abs(
      scoreOutputs({ reconstruction: { data: rec3, dims: [1, 3, 64, 64] } }, prepared, manifest).score.raw -
        (0.09 + 0.36) / 3,
    ) < 1e-6,
  );
  const rec1 = prepared.tensor.slice(0, plane);
  rec1[i] += 0.5;
  assert.ok(
    Math.abs(scoreOutputs({ reconstruction: { data: rec1, dims: [64, 64] } }, prepared, manifest).score.raw - 0.25) <
      1e-6,
  );
});

test('anomaly map at a coarser resolution registers with the original image', () => {
  const { manifest, prepared } = setup({
    outputs: { anomalyMap: 'anomaly_map', score: 'pred_score' },
    calibration: { threshold: 0.5, min: 0, max: 1, pixelThreshold: 0.2 },
  });
  const map16 = new Float32Array(16 * 16).fill(0.2);
  map16[0] = 5;
  for (const dims of [
    [1, 1, 16, 16],
    [1, 16, 16],
    [16, 16],
  ]) {
    const r = scoreOutputs(
      { anomaly_map: { data: map16, dims }, pred_score: { data: Float32Array.of(0.7), dims: [1] } },
      prepared,
      manifest,
    );
    assert.equal(r.score.raw, Math.fround(0.7));
    assert.ok(Math.abs(r.score.normalized - normalizeWith(Math.fround(0.7), 0.5, 1)) < 1e-12);
    const m = r.map!;
    assert.equal(m.width, 16);
    assert.equal(m.data[1], 0.5, 'the pixel threshold maps to 0.5');
    assert.equal(m.data[0], Math.fround(normalizeWith(5, 0.2, 1)), 'not clamped: 4.8 above the threshold');
    assert.ok(m.data[0] > 0.9 && m.data[0] < 1);
    assert.equal(m.rawMax, 5);
    // Map rows 4..11 cover model rows 16..47 = the content = image rows 0..31.
    const [x0, y0] = applyAffine(m.toImage, 0, 4);
    const [x1, y1] = applyAffine(m.toImage, 16, 12);
    assert.ok(Math.abs(x0) < 1e-9 && Math.abs(y0) < 1e-9 && Math.abs(x1 - 64) < 1e-9 && Math.abs(y1 - 32) < 1e-9);
  }
});

test('anomaly map: masking and smoothing only when the manifest asks, sigma in model pixels', () => {
  const { manifest, prepared } = setup({
    outputs: { anomalyMap: 'm' },
    calibration: { threshold: 0.5, min: 0, max: 1 },
  });
  const data = new Float32Array(32 * 32).fill(1);
  const raw = (m: ModelManifest) => scoreOutputs({ m: { data, dims: [1, 1, 32, 32] } }, prepared, m).map!;
  const at1 = Math.fround(normalizeWith(1, 0.5, 1));
  assert.equal(raw(manifest).data[0], at1, 'padding kept without maskForeground');
  const masked = raw({ ...manifest, postprocess: { maskForeground: true, reduce: 'mean' } });
  assert.equal(masked.data[0], 0);
  assert.equal(masked.data[16 * 32 + 16], at1);
  assert.equal(
    scoreOutputs({ m: { data, dims: [1, 1, 32, 32] } }, prepared, {
      ...manifest,
      postprocess: { maskForeground: true },
    }).score.raw,
    1,
  );
  const impulse = new Float32Array(32 * 32);
  impulse[16 * 32 + 16] = 1;
  const smooth = scoreOutputs({ m: { data: impulse, dims: [32, 32] } }, prepared, {
    ...manifest,
    postprocess: { smoothingSigma: 4 },
  }).map!;
  // Sigma 4 model pixels = 2 map pixels. A unit impulse blurred with the separable kernel is the outer
  // product of the kernel, k(dx) k(dy), k(d) = exp(-d^2 / 8) / sum over |d| <= 8 of the same: values by
  // hand from the formula (float64), not from the code.
  // The map holds normalised values (threshold 0.5, scale 1): compared through the one normalisation.
  const at = (dx: number, dy: number) => smooth.data[(16 + dy) * 32 + 16 + dx];
  const shown = (raw: number) => normalizeWith(raw, 0.5, 1);
  assert.ok(Math.abs(smooth.rawMax - 3.9790135141e-2) < 1e-8, `peak ${smooth.rawMax}`);
  assert.ok(Math.abs(at(0, 0) - shown(3.9790135141e-2)) < 1e-7);
  assert.ok(Math.abs(at(3, 1) - shown(1.1400064586e-2)) < 1e-7, `(3, 1): ${at(3, 1)}`);
  assert.ok(Math.abs(at(-1, -3) - shown(1.1400064586e-2)) < 1e-7, `(-1, -3): ${at(-1, -3)}`);
  assert.ok(
    at(8, 0) > Math.fround(shown(0)) && Math.abs(at(8, 0) - shown(1.3348103299e-5)) < 1e-7,
    `(8, 0): ${at(8, 0)}`,
  );
  assert.equal(at(9, 0), Math.fround(shown(0)), 'the kernel ends at 4 sigma');
});

test('broken outputs are INFERENCE_FAILED with the output named', () => {
  const { manifest, prepared } = setup();
  const good = prepared.tensor.slice();
  const bad = good.slice();
  bad[100] = Number.NaN;
  bad[101] = Infinity;
  expectFailure(
    () => scoreOutputs({ reconstruction: { data: bad, dims: [1, 1, 64, 64] } }, prepared, manifest),
    /'reconstruction' contains 2 NaN or infinite values/,
  );
  expectFailure(
    () => scoreOutputs({ other: { data: good, dims: [1, 1, 64, 64] } }, prepared, manifest),
    /did not return its reconstruction output 'reconstruction' \(it returned 'other'\)/,
  );
  expectFailure(
    () => scoreOutputs({ reconstruction: { data: good.slice(0, 32 * 32), dims: [1, 1, 32, 32] } }, prepared, manifest),
    /reconstruction is 1x32x32 .* input is 1x64x64/,
  );
  expectFailure(
    () => scoreOutputs({ reconstruction: { data: good, dims: [1, 1, 64, 32] } }, prepared, manifest),
    /shape \[1, 1, 64, 32\] but 4096 values/,
  );
  expectFailure(
    () => scoreOutputs({ reconstruction: { data: good, dims: [4096] } }, prepared, manifest),
    /expected \[1, C, H, W\]/,
  );
  const scoreOnly = { ...manifest, outputs: { score: 's' } };
  expectFailure(
    () => scoreOutputs({ s: { data: Float32Array.of(1, 2), dims: [2] } }, prepared, scoreOnly),
    /score output 's' has 2 values/,
  );
  assert.equal(scoreOutputs({ s: { data: Float32Array.of(0.01), dims: [] } }, prepared, scoreOnly).map, undefined);
});
