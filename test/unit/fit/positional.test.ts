/** The position-aware reference (positional.ts): each patch against reference patches at its own place only. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../../src/core/onnx/builder';
import { patchRows, type FeatureMaps } from '../../../src/core/fit/features';
import {
  addPositional,
  layOutReference,
  PAD,
  projectRows,
  positionalDistances,
  positionalReference,
  searchPositional,
} from '../../../src/core/fit/positional';
import { ortBackend } from '../../../scripts/models/ort-backend';
import { mulberry32 } from '../../../src/core/fit/random';

const sessions: ort.InferenceSession[] = [];
const be = ortBackend(1);
after(async () => {
  for (const s of sessions) await s.release();
  await be.release();
});

/** Rows [n*h*w, c] of n images whose patch at (y, x) is the vector `value(image, y, x)`. */
function rowsOf(n: number, h: number, w: number, c: number, value: (i: number, y: number, x: number) => number[]) {
  const out = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set(value(i, y, x), ((i * h + y) * w + x) * c);
  return out;
}

test('a patch that is normal elsewhere but not here is far; the same patch at its own place is near', () => {
  const [h, w, c] = [4, 4, 2];
  // References: the left half holds [1, 0] ("dark lung"), the right half [0, 1] ("bright heart").
  const normal = (_i: number, _y: number, x: number) => (x < 2 ? [1, 0] : [0, 1]);
  const ref = positionalReference(rowsOf(3, h, w, c, normal), 3, { c, h, w }, { refs: 3, reach: 0 }, 1);
  assert.equal(ref.count, 3);
  // A query with lung content on the right: PatchCore would find it (it exists on the left), this does not.
  const query = rowsOf(1, h, w, c, (_i, y, x) => (y === 1 && x === 3 ? [1, 0] : normal(0, y, x)));
  const d = positionalDistances(query, ref);
  assert.ok(Math.abs(d[1 * w + 3] - Math.SQRT2) < 1e-6, `misplaced patch distance ${d[1 * w + 3]}`);
  for (let p = 0; p < h * w; p++) if (p !== 1 * w + 3) assert.equal(d[p], 0);
  // With one cell of slack the misplaced patch at column 3 still has no lung neighbour (column 2 is heart) ...
  const slack = positionalReference(rowsOf(3, h, w, c, normal), 3, { c, h, w }, { refs: 3, reach: 1 }, 1);
  assert.ok(positionalDistances(query, slack)[1 * w + 3] > 1);
  // ... but one at column 2 has (column 1 is lung), and the padding never counts as a neighbour.
  const edge = rowsOf(1, h, w, c, (_i, y, x) => (y === 0 && x === 2 ? [1, 0] : normal(0, y, x)));
  assert.equal(positionalDistances(edge, slack)[2], 0);
  assert.ok(PAD > 100);
});

test('the graph search equals the in-memory one (shifts, padding, several references and images)', async () => {
  const [h, w, c, n] = [5, 6, 3, 4];
  const rng = mulberry32(9);
  const random = () => [rng(), rng(), rng()];
  const ref = positionalReference(rowsOf(7, h, w, c, random), 7, { c, h, w }, { refs: 5, reach: 1 }, 3);
  assert.equal(ref.count, 5);
  const queryRows = rowsOf(n, h, w, c, random);
  const expected = positionalDistances(queryRows, ref);
  // The graph takes channel-major maps [N, c, h, w].
  const maps = new Float32Array(n * c * h * w);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < h * w; p++)
      for (let k = 0; k < c; k++) maps[(i * c + k) * h * w + p] = queryRows[(i * h * w + p) * c + k];
  // Both MatMul layouts: each lays the query out before its shifts, so a wrong axis shows here.
  for (const layout of ['ref-rows', 'query-rows'] as const) {
    const g = new GraphBuilder('positional');
    const x = g.input('x', ['N', c, h, w]);
    const batch = g.op('Slice', [
      g.op('Shape', [x]),
      g.constant(new BigInt64Array([0n]), [1]),
      g.constant(new BigInt64Array([1n]), [1]),
    ]);
    g.op('Identity', [addPositional(g, x, ref, batch, 'positional.refs', layout)], {}, 'd');
    g.output('d', ['N', h * w]);
    const session = await ort.InferenceSession.create(g.toBytes(), { intraOpNumThreads: 1 });
    sessions.push(session);
    const out = (await session.run({ x: new ort.Tensor('float32', maps, [n, c, h, w]) })).d.data as Float32Array;
    assert.equal(out.length, expected.length);
    for (let i = 0; i < out.length; i++)
      assert.ok(Math.abs(out[i] - expected[i]) < 1e-5, `${layout} ${i}: ${out[i]} vs ${expected[i]}`);
  }
});

test('the backend search (fits and scoring) equals the plain loops on 3x3-averaged rows, in runs of a few images', async () => {
  const [h, w, c, n] = [6, 5, 4, 7];
  const rng = mulberry32(21);
  const maps: FeatureMaps = { data: Float32Array.from({ length: n * c * h * w }, () => 6 * rng()), n, c, h, w };
  const rows = (await patchRows(be, maps)).data;
  const ref = positionalReference(rows, n, { c, h, w }, { refs: 4, reach: 1 }, 2);
  const expected = positionalDistances(rows, ref);
  // The graph computes d² = |q|² + |r|² − 2 q·r in float32: its rounding is at most about c float32 steps of
  // |q|² + |r|² (both at most the largest squared row norm), so the squared distances are compared to that bound.
  let norm2 = 0;
  for (let p = 0; p < rows.length / c; p++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += rows[p * c + k] ** 2;
    norm2 = Math.max(norm2, s);
  }
  const bound = c * 2 ** -23 * 2 * norm2;
  // One run of all 7 images, and runs of 3, 3 and 1 (a bound of 3 images' intermediate values).
  for (const runValues of [undefined, 3 * ref.count * c * h * w]) {
    const got = await searchPositional(be, maps, ref, runValues);
    assert.equal(got.length, n * h * w);
    for (let i = 0; i < got.length; i++)
      assert.ok(Math.abs(got[i] ** 2 - expected[i] ** 2) <= bound, `${i}: ${got[i]} vs ${expected[i]}`);
  }
  await assert.rejects(searchPositional(be, { ...maps, c: 3, data: maps.data.subarray(0, n * 3 * h * w) }, ref));
});

test('a projected reference: the backend search maps the queries as the references were, and equals the loops', async () => {
  const [h, w, c, n, k] = [5, 4, 6, 5, 3];
  const rng = mulberry32(33);
  const maps: FeatureMaps = { data: Float32Array.from({ length: n * c * h * w }, () => 6 * rng()), n, c, h, w };
  const rows = (await patchRows(be, maps)).data;
  // The references' rows lie in the span of the first k channels' directions of a fixed matrix.
  const matrix = Float32Array.from({ length: k * c }, () => rng() - 0.5);
  const full = positionalReference(rows, n, { c, h, w }, { refs: 3, reach: 1 }, 4);
  const picked = Array.from({ length: full.count }, () => 0).map((_, r) => {
    const out = new Float32Array(h * w * c);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++)
          out[(y * w + x) * c + ch] = full.padded[((r * c + ch) * (h + 2) + y + 1) * (w + 2) + x + 1];
    return out;
  });
  const ref = {
    ...layOutReference(
      picked.map((p) => projectRows(p, matrix, k, c)),
      { c: k, h, w },
      1,
    ),
    projection: { matrix, from: c },
  };
  const expected = positionalDistances(rows, ref);
  const got = await searchPositional(be, maps, ref);
  assert.equal(got.length, n * h * w);
  // Squared distances within float32 rounding of |q|² + |r|² (as in the test above), on the projected rows.
  const projected = projectRows(rows, matrix, k, c);
  let norm2 = 0;
  for (let p = 0; p < projected.length; p += k)
    norm2 = Math.max(norm2, projected[p] ** 2 + projected[p + 1] ** 2 + projected[p + 2] ** 2);
  const bound = 16 * c * 2 ** -23 * 2 * norm2;
  for (let i = 0; i < got.length; i++)
    assert.ok(Math.abs(got[i] ** 2 - expected[i] ** 2) <= bound, `${i}: ${got[i]} vs ${expected[i]}`);
  // A projected search is not the full one: the kept directions are fewer than the channels.
  assert.ok(positionalDistances(rows, full).some((d, i) => Math.abs(d - expected[i]) > 1e-3));
});
