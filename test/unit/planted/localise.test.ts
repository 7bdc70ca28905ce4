import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { rocAuc } from '../../../src/core/metrics/roc';
import { borderBand, grow, pixelScores, pointingHit, topShareIn } from '../../../src/core/planted/localise';

const W = 40;
const H = 30;

function disc(cx: number, cy: number, r: number): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) m[y * W + x] = 1;
  return m;
}

function mapOf(f: (x: number, y: number) => number) {
  const values = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) values[y * W + x] = f(x, y);
  return { width: W, height: H, values };
}

test('pointing game: the peak inside the region hits; outside misses unless within the tolerance', () => {
  const region = disc(20, 15, 4);
  assert.equal(
    pointingHit(
      mapOf((x, y) => -Math.hypot(x - 21, y - 15)),
      region,
      0,
    ),
    true,
  );
  const off = mapOf((x, y) => -Math.hypot(x - 28, y - 15)); // 8 px from the centre, 4 from the edge
  assert.equal(pointingHit(off, region, 0), false);
  assert.equal(pointingHit(off, region, 3 / H), false);
  assert.equal(pointingHit(off, region, 4 / H), true);
  // NaN (not covered) never counts as the peak.
  const covered = mapOf((x, y) => (x > 30 ? NaN : -Math.hypot(x - 20, y - 15)));
  covered.values[5 * W + 35] = NaN;
  assert.equal(pointingHit(covered, region, 0), true);
  assert.equal(
    pointingHit(
      mapOf(() => NaN),
      region,
      1,
    ),
    false,
  );
  assert.deepEqual(grow(disc(20, 15, 0), W, H, 2), disc(20, 15, 2));
});

test('pixel AUROC and PRO: 1 for a map that is the region, 0 reversed, and AUROC equals the rank statistic', () => {
  const region = disc(12, 10, 5);
  const exact = mapOf((x, y) => region[y * W + x]);
  assert.deepEqual(pixelScores(exact, region), { auroc: 1, pro: 1 });
  const reversed = mapOf((x, y) => -region[y * W + x]);
  assert.deepEqual(pixelScores(reversed, region), { auroc: 0, pro: 0 });
  assert.equal(
    pixelScores(
      mapOf(() => NaN),
      region,
    ),
    undefined,
  );
  assert.equal(pixelScores(exact, new Uint8Array(W * H)), undefined);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: W * H, maxLength: W * H }), (levels) => {
      const map = { width: W, height: H, values: Float32Array.from(levels) };
      const s = pixelScores(map, region)!;
      assert.ok(
        Math.abs(
          s.auroc -
            rocAuc(
              Array.from(map.values),
              Array.from(region, (v) => v === 1),
            ),
        ) < 1e-9,
      );
      assert.ok(s.pro >= 0 && s.pro <= 1);
    }),
  );
});

test('PRO integrates the region overlap up to the false-positive limit', () => {
  // Half the region at 2, the rest of the image at 1 except a tenth of it at 3 (ranked first).
  const region = new Uint8Array(W * H);
  for (let i = 0; i < 100; i++) region[i] = 1;
  const values = new Float32Array(W * H).fill(1);
  for (let i = 0; i < 50; i++) values[i] = 2;
  const neg = W * H - 100;
  for (let i = 100; i < 100 + Math.round(0.1 * neg); i++) values[i] = 3;
  const s = pixelScores({ width: W, height: H, values }, region, 0.3)!;
  // FPR 0..0.1: overlap 0; at 0.1 it jumps to 0.5; from 0.1 to 1 it climbs linearly to 1 (ties with the rest).
  const at = (f: number) => 0.5 + (0.5 * (f - 0.1)) / 0.9;
  const want = (0.2 * (0.5 + at(0.3))) / 2 / 0.3;
  assert.ok(Math.abs(s.pro - want) < 1e-3, `${s.pro} vs ${want}`);
});

test('border share: of the hottest tenth, the share of its mass on the outer 5%', () => {
  const band = borderBand(W, H);
  assert.equal(band[0], 1);
  assert.equal(band[15 * W + 20], 0);
  assert.equal(band[1 * W + 20], 1, 'outer 5% of 30 rows rounds to 2 rows');
  assert.equal(band[2 * W + 20], 0);
  const corner = mapOf((x, y) => (x < 2 && y < 2 ? 10 : 1));
  assert.ok(topShareIn(corner, band) > 0.2);
  const centre = mapOf((x, y) => 1 / (1 + Math.hypot(x - 20, y - 15)));
  assert.equal(topShareIn(centre, band), 0);
});
