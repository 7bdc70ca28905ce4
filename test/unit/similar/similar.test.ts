// "More like this", pure parts: int8 embeddings, exact top-k search (against sorting all), the embeddings
// file (round trip, torn tail, a content written twice), and the extra graph output on a model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nearest, quantize } from '../../../src/core/similar/vectors';
import { decodeEmbeddings, embeddingHeader, embeddingRecords } from '../../../src/core/similar/file';
import { EMBEDDING_OUTPUT, embeddingTap, withEmbeddingOutput } from '../../../src/core/similar/tap';
import { inspectModel } from '../../../src/core/onnx/compose';
import { GraphBuilder } from '../../../src/core/onnx/builder';

test('quantize: unit length x 127, direction kept; a zero vector stays zero', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 8, maxLength: 64 }), (v) => {
      const q = quantize(v);
      const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      if (norm < 1e-9) return;
      const qn = Math.sqrt(Array.from(q).reduce((s, x) => s + x * x, 0));
      // Rounding moves each value by 0.5 at most.
      assert.ok(Math.abs(qn - 127) <= Math.sqrt(q.length) * 0.5 + 1e-9, `${qn}`);
      for (let i = 0; i < v.length; i++) assert.ok(Math.abs(q[i] - (v[i] / norm) * 127) <= 0.5 + 1e-9);
    }),
  );
  assert.deepEqual([...quantize([0, 0, 0])], [0, 0, 0]);
});

test('nearest: the k best by dot product, best first, ties by index, the query itself skipped', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.array(fc.integer({ min: -127, max: 127 }), { minLength: 12 * 40, maxLength: 12 * 40 }),
      fc.integer({ min: 0, max: 45 }),
      fc.integer({ min: -1, max: 39 }),
      (dim, values, k, skip) => {
        const all = Int8Array.from(values.slice(0, Math.floor(values.length / dim) * dim));
        const n = all.length / dim;
        const query = all.slice(0, dim);
        const dot = (v: number) => {
          let s = 0;
          for (let j = 0; j < dim; j++) s += all[v * dim + j] * query[j];
          return s;
        };
        const expected = Array.from({ length: n }, (_, v) => v)
          .filter((v) => v !== skip)
          .sort((a, b) => dot(b) - dot(a) || a - b)
          .slice(0, k)
          .map((v) => ({ index: v, similarity: dot(v) / (127 * 127) }));
        assert.deepEqual(nearest(all, dim, query, k, skip), expected);
      },
    ),
  );
  assert.throws(() => nearest(new Int8Array(8), 4, new Int8Array(3), 1), /3 values/);
});

const hash = (i: number) => i.toString(16).padStart(64, '0');

test('embeddings file: round trip; a torn last record is ignored; a content written again replaces its vector', () => {
  const dim = 5;
  const recs = [0, 1, 2].map((i) => ({ hash: hash(i), vector: [i, -i, 127, -127, 0] }));
  const bytes = new Uint8Array([...embeddingHeader(dim), ...embeddingRecords(recs, dim)]);
  const set = decodeEmbeddings(bytes);
  assert.equal(set.dim, 5);
  assert.deepEqual(set.hashes, [hash(0), hash(1), hash(2)]);
  assert.deepEqual([...set.vectors.subarray(5, 10)], [1, -1, 127, -127, 0]);
  const torn = decodeEmbeddings(bytes.subarray(0, bytes.length - 3));
  assert.deepEqual(torn.hashes, [hash(0), hash(1)]);
  const again = decodeEmbeddings(
    new Uint8Array([...bytes, ...embeddingRecords([{ hash: hash(1), vector: [9, 9, 9, 9, 9] }], dim)]),
  );
  assert.deepEqual(again.hashes, [hash(0), hash(1), hash(2)]);
  assert.deepEqual([...again.vectors.subarray(5, 10)], [9, 9, 9, 9, 9]);
  assert.throws(() => decodeEmbeddings(new Uint8Array(20)), /not an embeddings file/);
  assert.throws(() => embeddingRecords([{ hash: 'x', vector: [1, 2, 3, 4, 5] }], dim), /SHA-256/);
  assert.throws(() => embeddingRecords([{ hash: hash(1), vector: [1] }], dim), /1 values/);
});

test("the model gets one more output, the tap's features averaged; the tap comes from the fit's metadata", () => {
  const g = new GraphBuilder('t');
  const x = g.input('input', ['N', 1, 8, 8]);
  const feat = g.op('Relu', [x], {}, 'features');
  g.op('ReduceMean', [feat], { keepdims: 0 }, 'score');
  g.output('score', ['N']);
  const bytes = g.toBytes();
  const info = inspectModel(withEmbeddingOutput(bytes, 'features'));
  assert.deepEqual(info.outputs, ['score', EMBEDDING_OUTPUT]);
  assert.ok(info.tensors.has(EMBEDDING_OUTPUT));
  assert.throws(() => withEmbeddingOutput(bytes, 'nope'), /no tensor 'nope'/);
  assert.equal(
    embeddingTap({ metadata: { fit: { backbone: { tap: 'block_10_expand_relu' } } } }),
    'block_10_expand_relu',
  );
  assert.equal(embeddingTap({ metadata: { fit: {} } }), undefined);
  assert.equal(embeddingTap({}), undefined);
});
