import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isolines } from '../../../src/webview/viewer/contour';

/** Every endpoint of a closed outline is shared by exactly two segments. */
function assertClosed(segs: Float32Array): void {
  const degree = new Map<string, number>();
  for (let i = 0; i < segs.length; i += 2) {
    const k = `${segs[i].toFixed(4)},${segs[i + 1].toFixed(4)}`;
    degree.set(k, (degree.get(k) ?? 0) + 1);
  }
  for (const [k, d] of degree) assert.equal(d % 2, 0, `open end at ${k}`);
}

test('one hot pixel gives a closed diamond around its centre', () => {
  const d = new Float32Array(25);
  d[12] = 1; // (2, 2)
  const segs = isolines(d, 5, 5, 0.5);
  assert.equal(segs.length, 16); // four segments
  assertClosed(segs);
  for (let i = 0; i < segs.length; i += 2) {
    assert.ok(Math.abs(segs[i] - 2.5) + Math.abs(segs[i + 1] - 2.5) <= 0.5 + 1e-6);
  }
});

test('crossings are interpolated between pixel centres', () => {
  // A left-to-right ramp 0, 0.25, 0.5, 0.75, 1: the 0.6 level lies 40% of the way from x=2 to x=3.
  const w = 5;
  const h = 3;
  const d = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[y * w + x] = x / 4;
  const segs = isolines(d, w, h, 0.6);
  const xs = new Set<number>();
  for (let i = 0; i < segs.length; i += 2) if (segs[i + 1] > 0 && segs[i + 1] < h) xs.add(+segs[i].toFixed(4));
  assert.ok(xs.has(2.9), [...xs].join(','));
});

test('a region touching the border is closed along the map edge', () => {
  const d = new Float32Array(16).fill(0);
  d[0] = d[1] = d[4] = d[5] = 1; // top-left 2x2 block
  const segs = isolines(d, 4, 4, 0.5);
  assertClosed(segs);
  let onEdge = 0;
  for (let i = 0; i < segs.length; i += 2) if (segs[i] === 0 || segs[i + 1] === 0) onEdge++;
  assert.ok(onEdge > 0);
  for (const v of segs) assert.ok(v >= 0 && v <= 4);
});

test('nothing above the threshold gives no outline; everything above gives the map border', () => {
  const d = new Float32Array(12).fill(0.3);
  assert.equal(isolines(d, 4, 3, 0.5).length, 0);
  const border = isolines(d, 4, 3, 0.2);
  assertClosed(border);
  for (let i = 0; i < border.length; i += 2)
    assert.ok(border[i] === 0 || border[i] === 4 || border[i + 1] === 0 || border[i + 1] === 3);
});

test('outlines are always closed, saddles included (random maps)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 81, maxLength: 81 }),
      fc.float({ min: Math.fround(0.05), max: Math.fround(0.95), noNaN: true }),
      (w, h, vals, t) => {
        const d = Float32Array.from(vals.slice(0, w * h));
        assertClosed(isolines(d, w, h, t));
      },
    ),
  );
});
