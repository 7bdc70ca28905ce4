import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { XrayImage } from '../../../src/core/image/types';
import { brightness, PLANT_KINDS, plantAnomaly, type PlantKind } from '../../../src/core/planted/plant';
import { handPhantom } from '../../fixtures/images';

function handImage(photometric: XrayImage['photometric'] = 'MONOCHROME2', seed = 3): XrayImage {
  const p = handPhantom({ width: 200, height: 250, seed, noise: 0.02 });
  const data = photometric === 'MONOCHROME1' ? p.data.map((v) => 65535 - v) : p.data;
  return {
    width: p.width,
    height: p.height,
    data,
    bitsStored: 16,
    signed: false,
    rescale: { slope: 1, intercept: 0 },
    photometric,
    windows: [],
    range: { min: 0, max: 65535 },
    source: { format: 'png', encoding: 'PNG 16-bit grey', notices: [] },
  };
}

function meanIn(values: Float32Array, mask: Uint8Array): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++)
    if (mask[i]) {
      s += values[i];
      n++;
    }
  return s / n;
}

const BRIGHTER: Record<PlantKind, boolean> = {
  metal: true,
  foreign: true,
  sclerotic: true,
  fracture: false,
  lytic: false,
  missing: false,
};

for (const photometric of ['MONOCHROME2', 'MONOCHROME1'] as const) {
  test(`every kind changes the image inside its region only, in its direction (${photometric})`, () => {
    const image = handImage(photometric);
    const before = brightness(image).values;
    for (const kind of PLANT_KINDS) {
      const p = plantAnomaly(image, { kind, area: 0.02, contrast: 0.8, seed: 5 });
      assert.equal(p.image.data.constructor, image.data.constructor, `${kind}: stored type kept`);
      assert.equal(p.image.photometric, photometric);
      const after = brightness(p.image).values;
      const delta = meanIn(after, p.region) - meanIn(before, p.region);
      assert.ok(BRIGHTER[kind] ? delta > 0.05 : delta < -0.05, `${kind}: mean brightness change ${delta.toFixed(3)}`);
      // Region near the asked area (a fracture is a line: its region is its width times its length).
      assert.ok(p.areaShare > 0.01 && p.areaShare < 0.03, `${kind}: region ${(100 * p.areaShare).toFixed(2)}%`);
      // Nothing changes far from the region (beyond a few pixels of soft edge).
      const { width: w } = image;
      let far = 0;
      for (let i = 0; i < after.length; i++) {
        if (after[i] === before[i]) continue;
        const x = i % w;
        const y = Math.floor(i / w);
        let near = false;
        for (let dy = -6; dy <= 6 && !near; dy++)
          for (let dx = -6; dx <= 6 && !near; dx++) {
            const j = (y + dy) * w + (x + dx);
            if (x + dx >= 0 && x + dx < w && j >= 0 && j < after.length && p.region[j]) near = true;
          }
        if (!near) far++;
      }
      assert.equal(far, 0, `${kind}: ${far} pixels changed away from the region`);
    }
  });
}

test('planting is seeded and pure: same spec, same bytes; the original untouched; centres land on the body', () => {
  const image = handImage();
  const copy = image.data.slice();
  const a = plantAnomaly(image, { kind: 'lytic', area: 0.01, contrast: 0.5, seed: 9 });
  const b = plantAnomaly(image, { kind: 'lytic', area: 0.01, contrast: 0.5, seed: 9 });
  const c = plantAnomaly(image, { kind: 'lytic', area: 0.01, contrast: 0.5, seed: 10 });
  assert.deepEqual(a.image.data, b.image.data);
  assert.deepEqual(a.region, b.region);
  assert.notDeepEqual(a.region, c.region);
  assert.deepEqual(image.data, copy);
  const mask = handPhantom({ width: 200, height: 250, seed: 3, noise: 0.02 }).mask;
  for (let s = 0; s < 20; s++) {
    const p = plantAnomaly(image, { kind: 'metal', area: 0.005, contrast: 1, seed: s });
    const i = Math.round(p.centre.y * 250) * 200 + Math.round(p.centre.x * 200);
    assert.equal(mask[i], 1, `seed ${s}: centre (${p.centre.x.toFixed(2)}, ${p.centre.y.toFixed(2)}) off the hand`);
  }
  const at = plantAnomaly(image, { kind: 'metal', area: 0.01, contrast: 1, seed: 1, at: { x: 0.5, y: 0.6 } });
  assert.deepEqual(at.centre, { x: 0.5, y: 0.6 });
  assert.equal(at.region[Math.round(0.6 * 250) * 200 + 100], 1);
  // Metal at full contrast is saturated (the densest value the image can store).
  assert.equal(at.image.data[Math.round(0.6 * 250) * 200 + 100] >= 65535 * 0.98, true);
});

test('bad specs are refused with the reason', () => {
  const image = handImage();
  assert.throws(() => plantAnomaly(image, { kind: 'metal', area: 0, contrast: 1, seed: 1 }), /area/);
  assert.throws(() => plantAnomaly(image, { kind: 'metal', area: 0.6, contrast: 1, seed: 1 }), /area/);
  assert.throws(() => plantAnomaly(image, { kind: 'metal', area: 0.01, contrast: 0, seed: 1 }), /contrast/);
});
