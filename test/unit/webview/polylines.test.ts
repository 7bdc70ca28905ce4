import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isolines } from '../../../src/webview/viewer/contour';
import { polylines } from '../../../src/webview/viewer/polylines';

const ptsOf = (line: Float32Array) => Array.from({ length: line.length / 2 }, (_, i) => [line[2 * i], line[2 * i + 1]]);

test('a hot blob outline becomes one closed polyline through every segment', () => {
  const w = 8;
  const h = 8;
  const d = new Float32Array(w * h);
  for (let y = 2; y < 6; y++) for (let x = 2; x < 5; x++) d[y * w + x] = 1;
  const segs = isolines(d, w, h, 0.5);
  const lines = polylines(segs);
  assert.equal(lines.length, 1);
  const pts = ptsOf(lines[0]);
  assert.equal(pts.length, segs.length / 4 + 1, 'each segment once, back to the start');
  assert.deepEqual(pts[0], pts[pts.length - 1]);
});

test('two separate blobs (one on the map edge) give two closed polylines', () => {
  const w = 10;
  const h = 6;
  const d = new Float32Array(w * h);
  d[0] = d[1] = 1; // top-left corner
  d[3 * w + 6] = d[3 * w + 7] = d[4 * w + 6] = 1;
  const segs = isolines(d, w, h, 0.5);
  const lines = polylines(segs);
  assert.equal(lines.length, 2);
  assert.equal(
    lines.reduce((a, l) => a + l.length / 2 - 1, 0),
    segs.length / 4,
  );
});

test('property: every segment appears once, in order along its polyline (consecutive points are a segment)', () => {
  fc.assert(
    fc.property(fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 36, maxLength: 36 }), (vals) => {
      const segs = isolines(Float32Array.from(vals), 6, 6, 0.5);
      const key = (a: number, b: number, c: number, e: number) =>
        [a, b, c, e].map((v) => Math.round(v * 1e4)).join(',');
      const want = new Map<string, number>();
      for (let i = 0; i < segs.length; i += 4) {
        const k1 = key(segs[i], segs[i + 1], segs[i + 2], segs[i + 3]);
        want.set(k1, (want.get(k1) ?? 0) + 1);
      }
      let count = 0;
      for (const line of polylines(segs))
        for (let i = 0; i + 3 < line.length; i += 2) {
          const a = key(line[i], line[i + 1], line[i + 2], line[i + 3]);
          const b = key(line[i + 2], line[i + 3], line[i], line[i + 1]);
          const k = want.get(a) ? a : b;
          assert.ok(want.get(k), `a step of a polyline that is no segment: ${a}`);
          want.set(k, want.get(k)! - 1);
          count++;
        }
      assert.equal(count, segs.length / 4);
    }),
  );
});
