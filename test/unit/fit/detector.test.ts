/** The default detector end to end on generated feature maps with planted anomalies. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RECIPE, fitDetector, scoreWithDetector, type DetectorRecipe } from '../../../src/core/fit/detector';
import { rocAuc } from '../../../src/core/metrics/roc';
import { XrayError } from '../../../src/core/errors';
import { ortBackend } from '../../../scripts/models/ort-backend';
import { SYNTHETIC_MAP_DIMS, syntheticMaps } from './phantoms';

const be = ortBackend(1);
after(() => be.release());

const { h: H, w: W } = SYNTHETIC_MAP_DIMS;

const maps = syntheticMaps;

const recipe: DetectorRecipe = {
  ...DEFAULT_RECIPE,
  tap: 'synthetic',
  local: { ...DEFAULT_RECIPE.local, coresetRatio: 0.2 },
};

test('planted anomalies rank above normals, and their map peaks at the planted region', async () => {
  const det = await fitDetector(be, [maps(40, 1), maps(30, 2)], [maps(20, 3)], recipe);
  assert.ok(det.gaussian && det.bank && det.globalStd && det.localStd);
  const labels = Array.from({ length: 30 }, (_, i) => i % 3 === 0);
  const s = await scoreWithDetector(be, det, [maps(30, 4, labels)], { keepMaps: true });
  assert.equal(rocAuc(s.score, labels), 1);
  assert.ok(
    labels.every((l, i) => !l || s.score[i] > det.threshold),
    'every planted image is above the calibrated threshold',
  );
  const first = labels.indexOf(true);
  const map = s.maps!.subarray(first * H * W, (first + 1) * H * W);
  const peak = map.indexOf(Math.max(...map));
  const [py, px] = [Math.floor(peak / W), peak % W];
  assert.ok(py >= 1 && py <= 4 && px >= 2 && px <= 5, `map peak at (${py},${px}) is near the planted blob`);
});

test('global-only and local-only recipes work; neither is refused', async () => {
  for (const part of ['global', 'local'] as const) {
    const r: DetectorRecipe = {
      ...recipe,
      global: { ...recipe.global, enabled: part === 'global' },
      local: { ...recipe.local, enabled: part === 'local' },
    };
    const det = await fitDetector(be, [maps(30, 5)], [maps(10, 6)], r);
    const s = await scoreWithDetector(be, det, [maps(4, 7, [true, false, true, false])]);
    assert.ok(s.score[0] > s.score[1] && s.score[2] > s.score[3], part);
  }
  const none: DetectorRecipe = {
    ...recipe,
    global: { ...recipe.global, enabled: false },
    local: { ...recipe.local, enabled: false },
  };
  await assert.rejects(fitDetector(be, [maps(5, 1)], [maps(5, 2)], none), /neither/);
});

test('cancellation stops the fit with CANCELLED; mismatched map shapes are refused', async () => {
  const ac = new AbortController();
  const stages: string[] = [];
  await assert.rejects(
    fitDetector(be, [maps(10, 1)], [maps(5, 2)], recipe, {
      signal: ac.signal,
      onProgress: (p) => {
        stages.push(p.stage);
        ac.abort();
      },
    }),
    (e: unknown) => e instanceof XrayError && e.code === 'CANCELLED',
  );
  assert.ok(stages.length >= 1);
  // Cross-fitting checks too: cancelled as soon as the calibration starts.
  const cf = new AbortController();
  await assert.rejects(
    fitDetector(be, [maps(10, 1)], { method: 'cross-fit' }, recipe, {
      signal: cf.signal,
      onProgress: (p) => p.stage === 'calibrate' && cf.abort(),
    }),
    (e: unknown) => e instanceof XrayError && e.code === 'CANCELLED',
  );
  const odd = maps(3, 9);
  await assert.rejects(
    fitDetector(be, [maps(5, 1), { ...odd, h: 3, w: 12 }], [maps(5, 2)], recipe),
    (e: unknown) => e instanceof XrayError && e.code === 'MODEL_INPUT_MISMATCH',
  );
  await assert.rejects(fitDetector(be, [], [maps(5, 2)], recipe), XrayError);
});
