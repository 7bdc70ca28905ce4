// The embedding map's pure parts: lasso point-in-polygon, the cache key, and a seeded, reproducible layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pointInPolygon, pointsInPolygon, type Point } from '../../../src/webview/results/lasso';
import { DEFAULT_MAP_PARAMS, mapCacheKey } from '../../../src/core/embeddingMap/key';
import { chooseSample, embeddingLayout, type MapInput } from '../../../src/core/embeddingMap/layout';
import { decodeMapCache, encodeMapCache } from '../../../src/core/embeddingMap/cacheFile';
import { mulberry32, gaussianRng } from '../../../src/core/fit/random';
import { quantize } from '../../../src/core/similar/vectors';

test('point in polygon: square, concave U, self-crossing bow tie (even-odd)', () => {
  const square: Point[] = [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
  ];
  assert.ok(pointInPolygon(0.5, 0.5, square));
  assert.ok(!pointInPolygon(1.5, 0.5, square));
  assert.ok(!pointInPolygon(0.5, -0.01, square));
  // A U: the notch between the arms is outside.
  const u: Point[] = [
    [0, 0],
    [3, 0],
    [3, 3],
    [2, 3],
    [2, 1],
    [1, 1],
    [1, 3],
    [0, 3],
  ];
  assert.ok(pointInPolygon(0.5, 2.5, u));
  assert.ok(pointInPolygon(2.5, 2.5, u));
  assert.ok(!pointInPolygon(1.5, 2, u));
  assert.ok(pointInPolygon(1.5, 0.5, u));
  const bowTie: Point[] = [
    [0, 0],
    [2, 2],
    [2, 0],
    [0, 2],
  ];
  assert.ok(pointInPolygon(0.2, 1, bowTie));
  assert.ok(pointInPolygon(1.8, 1, bowTie));
  assert.ok(!pointInPolygon(1, 0.2, bowTie));
  assert.deepEqual(pointsInPolygon([0.5], [0.5], square.slice(0, 2)), [], 'fewer than 3 vertices select nothing');
});

test('point in a triangle agrees with the barycentric test; the bounding-box shortcut changes nothing', () => {
  // Vertices on a grid, points anywhere; points within rounding of an edge (which may fall either way) are
  // left out of the comparison.
  const vertex = fc.tuple(fc.integer({ min: -10, max: 10 }), fc.integer({ min: -10, max: 10 }));
  const coord = fc.double({ min: -11, max: 11, noNaN: true });
  fc.assert(
    fc.property(fc.tuple(vertex, vertex, vertex), fc.array(fc.tuple(coord, coord), { maxLength: 40 }), (tri, all) => {
      const [[ax, ay], [bx, by], [cx, cy]] = tri;
      fc.pre((bx - ax) * (cy - ay) - (cx - ax) * (by - ay) !== 0);
      const side = (x0: number, y0: number, x1: number, y1: number, x: number, y: number) =>
        (x1 - x0) * (y - y0) - (x - x0) * (y1 - y0);
      const sides = ([x, y]: [number, number]) => [
        side(ax, ay, bx, by, x, y),
        side(bx, by, cx, cy, x, y),
        side(cx, cy, ax, ay, x, y),
      ];
      const pts = all.filter((p) => sides(p).every((v) => Math.abs(v) > 1e-6));
      const expected = pts
        .map((p, i) => {
          const s = sides(p);
          return s.every((v) => v > 0) || s.every((v) => v < 0) ? i : -1;
        })
        .filter((i) => i >= 0);
      const got = pointsInPolygon(
        pts.map((p) => p[0]),
        pts.map((p) => p[1]),
        tri,
      );
      assert.deepEqual(got, expected);
    }),
  );
});

const h = (i: number) => i.toString(16).padStart(64, '0');

test('map cache key: same contents in any order give one key; model, contents or parameters change it', () => {
  const hashes = [h(3), h(1), h(2)];
  const k = mapCacheKey('m@1', hashes);
  assert.match(k, /^[0-9a-f]{32}$/);
  assert.equal(mapCacheKey('m@1', [h(2), h(3), h(1), h(2)]), k, 'order and repeats do not matter');
  assert.notEqual(mapCacheKey('m@2', hashes), k);
  assert.notEqual(mapCacheKey('m@1', [h(1), h(2)]), k);
  assert.notEqual(mapCacheKey('m@1', [h(1), h(2), h(4)]), k);
  assert.notEqual(mapCacheKey('m@1', hashes, { ...DEFAULT_MAP_PARAMS, seed: 1 }), k);
  assert.notEqual(mapCacheKey('m@1', hashes, { ...DEFAULT_MAP_PARAMS, minDist: 0.2 }), k);
});

/** `n` int8 vectors of `dim` values around `clusters` random centres; cluster of point i is i % clusters. */
function clustered(n: number, dim: number, clusters: number, seed: number): MapInput {
  const g = gaussianRng(mulberry32(seed));
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => g() * 3));
  const vectors = new Int8Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centres[i % clusters];
    vectors.set(quantize(c.map((v) => v + g() * 0.4)), i * dim);
  }
  return { hashes: Array.from({ length: n }, (_, i) => h(i * 7919 + 13)), vectors, dim };
}

function shuffledInput(input: MapInput, seed: number): MapInput {
  const n = input.hashes.length;
  const rng = mulberry32(seed);
  const perm = Array.from({ length: n }, (_, i) => i).sort(() => rng() - 0.5);
  const vectors = new Int8Array(input.vectors.length);
  perm.forEach((from, to) =>
    vectors.set(input.vectors.subarray(from * input.dim, (from + 1) * input.dim), to * input.dim),
  );
  return { hashes: perm.map((i) => input.hashes[i]), vectors, dim: input.dim };
}

test('the layout is seeded: the same contents in another order give the very same map; clusters stay apart', () => {
  const input = clustered(90, 24, 3, 1);
  const params = { ...DEFAULT_MAP_PARAMS, epochs: 150 };
  const a = embeddingLayout(input, params);
  const b = embeddingLayout(shuffledInput(input, 2), params);
  assert.deepEqual(a.hashes, b.hashes);
  assert.deepEqual(a.x, b.x);
  assert.deepEqual(a.y, b.y);
  for (let i = 0; i < a.x.length; i++) assert.ok(a.x[i] >= 0 && a.x[i] <= 1 && a.y[i] >= 0 && a.y[i] <= 1);
  // Each point's nearest other point on the map is from its own cluster.
  const cluster = new Map(input.hashes.map((hash, i) => [hash, i % 3]));
  let own = 0;
  for (let i = 0; i < a.x.length; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < a.x.length; j++) {
      const d = (a.x[i] - a.x[j]) ** 2 + (a.y[i] - a.y[j]) ** 2;
      if (j !== i && d < bestD) [best, bestD] = [j, d];
    }
    if (cluster.get(a.hashes[best]) === cluster.get(a.hashes[i])) own++;
  }
  assert.equal(own, a.x.length);
  const other = embeddingLayout(input, { ...params, seed: params.seed + 1 });
  assert.notDeepEqual(other.x, a.x, 'another seed, another map');
});

test('above the sample size: fitted on a seeded sample, the rest placed by transform, still reproducible', () => {
  const input = clustered(130, 16, 2, 3);
  const params = { ...DEFAULT_MAP_PARAMS, sample: 40, epochs: 100 };
  const phases = new Set<string>();
  const a = embeddingLayout(input, params, (p) => void phases.add(p.phase));
  assert.equal(a.fitted, 40);
  assert.deepEqual([...phases], ['reduce', 'neighbours', 'layout', 'place']);
  const b = embeddingLayout(shuffledInput(input, 5), params);
  assert.deepEqual(a.x, b.x);
  assert.deepEqual(a.y, b.y);
  assert.deepEqual(chooseSample(130, 40, 9), chooseSample(130, 40, 9));
  assert.equal(new Set(chooseSample(130, 40, 9)).size, 40);
  // Placed points land beside their own cluster: the two clusters' x (or y) ranges do not interleave much.
  const cluster = new Map(input.hashes.map((hash, i) => [hash, i % 2]));
  const mean = (c: number, v: Float32Array) => {
    const xs = [...v].filter((_, i) => cluster.get(a.hashes[i]) === c);
    return xs.reduce((s, x) => s + x, 0) / xs.length;
  };
  const gap = Math.hypot(mean(0, a.x) - mean(1, a.x), mean(0, a.y) - mean(1, a.y));
  assert.ok(gap > 0.3, `cluster centres ${gap.toFixed(2)} apart`);
});

test('tiny folders: up to three points on a line, none is fine', () => {
  assert.deepEqual(embeddingLayout({ hashes: [], vectors: new Int8Array(0), dim: 4 }).x, new Float32Array(0));
  const two = embeddingLayout({ hashes: [h(2), h(1)], vectors: new Int8Array(8), dim: 4 });
  assert.deepEqual([...two.x], [0, 1]);
  assert.deepEqual(two.hashes, [h(1), h(2)]);
  const five = embeddingLayout(clustered(5, 8, 1, 4), { ...DEFAULT_MAP_PARAMS, epochs: 50 });
  assert.equal(five.x.length, 5);
  assert.ok([...five.x, ...five.y].every((v) => Number.isFinite(v)));
});

test('map cache file: round trip; another key, count, a torn or damaged file read as no cache', () => {
  const key = mapCacheKey('m@1', [h(1), h(2), h(3)]);
  const x = Float32Array.from([0, 0.5, 1]);
  const y = Float32Array.from([0.25, 1, 0]);
  const bytes = encodeMapCache(key, x, y);
  assert.deepEqual(decodeMapCache(bytes, key, 3), { x, y });
  assert.equal(decodeMapCache(bytes, mapCacheKey('m@2', [h(1), h(2), h(3)]), 3), undefined);
  assert.equal(decodeMapCache(bytes, key, 2), undefined);
  assert.equal(decodeMapCache(bytes.subarray(0, bytes.length - 1), key, 3), undefined);
  const nan = bytes.slice();
  new DataView(nan.buffer).setFloat32(nan.length - 4, NaN, true);
  assert.equal(decodeMapCache(nan, key, 3), undefined);
  assert.throws(() => encodeMapCache('nope', x, y));
});
