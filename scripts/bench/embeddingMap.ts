/**
 * The embedding map's layout time (core/embeddingMap/layout.ts, the worker's work) at several folder sizes,
 * on clustered int8 vectors of the default model's width (384) like `bench:neighbours`: principal
 * components, UMAP fitted on all points up to the sample size (5,000) or on a seeded sample above it, the
 * rest placed by UMAP's transform. Prints each phase's wall time and the load average (shared machine),
 * and, as a same-run reference, the time of one exact nearest-neighbour pass over the same vectors.
 *
 * Usage: node --import tsx scripts/bench/embeddingMap.ts [--sizes 1000,5000,20000,100000] [--dim 384]
 */
import { loadavg } from 'node:os';
import { embeddingLayout, type MapProgress } from '../../src/core/embeddingMap/layout';
import { DEFAULT_MAP_PARAMS } from '../../src/core/embeddingMap/key';
import { nearest, quantize } from '../../src/core/similar/vectors';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const sizes = arg('sizes', '1000,5000,20000,100000').split(',').map(Number);
const dim = Number(arg('dim', '384'));

let seed = 12345;
const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
const centres = Array.from({ length: 64 }, () => Float64Array.from({ length: dim }, () => rand()));

for (const n of sizes) {
  const vectors = new Int8Array(n * dim);
  for (let v = 0; v < n; v++) {
    const c = centres[v % centres.length];
    vectors.set(quantize(Float64Array.from(c, (x) => Math.max(0, x + (rand() - 0.5) * 0.6))), v * dim);
  }
  const hashes = Array.from({ length: n }, (_, i) => i.toString(16).padStart(64, '0'));
  const t0 = performance.now();
  const phases = new Map<MapProgress['phase'], number>();
  const layout = embeddingLayout({ hashes, vectors, dim }, DEFAULT_MAP_PARAMS, (p) => {
    if (!phases.has(p.phase)) phases.set(p.phase, performance.now());
  });
  const total = performance.now() - t0;
  const at = (p: MapProgress['phase']) => phases.get(p) ?? t0 + total;
  const r0 = performance.now();
  nearest(vectors, dim, vectors.subarray(0, dim), 50, 0);
  const ref = performance.now() - r0;
  console.log(
    `n=${n} dim=${dim}: ${(total / 1000).toFixed(1)} s (components ${((at('neighbours') - at('reduce')) / 1000).toFixed(1)} s, ` +
      `neighbours+graph ${((at('layout') - at('neighbours')) / 1000).toFixed(1)} s, layout ${((at('place') - at('layout')) / 1000).toFixed(1)} s, ` +
      `place ${((t0 + total - at('place')) / 1000).toFixed(1)} s), UMAP fitted on ${layout.fitted}; ` +
      `one exact top-50 pass ${ref.toFixed(0)} ms (ratio ${(total / ref).toFixed(0)}x); load ${loadavg()[0].toFixed(1)}`,
  );
}
