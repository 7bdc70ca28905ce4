/**
 * "More like this" at 100,000 images: exact top-50 nearest neighbours over int8 embeddings of the default
 * model's width (384, core/similar/vectors.ts), against a same-run reference: one plain pass summing the
 * same bytes (what any exact search must at least read). Several queries, median time; the load average
 * is printed with it because the machine is shared.
 *
 * Usage: node --import tsx scripts/bench/neighbours.ts [--n 100000] [--dim 384] [--k 50] [--queries 21]
 */
import { loadavg } from 'node:os';
import { nearest, quantize } from '../../src/core/similar/vectors';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const n = arg('n', 100_000);
const dim = arg('dim', 384);
const k = arg('k', 50);
const queries = arg('queries', 21);

// Clustered vectors (ReLU features are non-negative and correlated), so neighbours are meaningful.
let seed = 12345;
const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
const centres = Array.from({ length: 64 }, () => Float64Array.from({ length: dim }, () => rand()));
const all = new Int8Array(n * dim);
for (let v = 0; v < n; v++) {
  const c = centres[v % centres.length];
  all.set(quantize(Float64Array.from(c, (x) => Math.max(0, x + (rand() - 0.5) * 0.6))), v * dim);
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}

const search: number[] = [];
const reference: number[] = [];
let sink = 0;
for (let q = 0; q < queries; q++) {
  const idx = (q * 7919) % n;
  const query = all.slice(idx * dim, (idx + 1) * dim);
  // Interleaved, so both sides see the same load.
  let t0 = performance.now();
  let s = 0;
  for (let i = 0; i < all.length; i++) s += all[i];
  reference.push(performance.now() - t0);
  sink += s;
  t0 = performance.now();
  const found = nearest(all, dim, query, k, idx);
  search.push(performance.now() - t0);
  sink += found.length;
}
const ms = median(search);
const ref = median(reference);
console.log(
  `top-${k} of ${n.toLocaleString('en')} x ${dim} int8: ${ms.toFixed(1)} ms (median of ${queries}), ` +
    `reference pass over the same bytes ${ref.toFixed(1)} ms, ratio ${(ms / ref).toFixed(2)}; ` +
    `load average ${loadavg()[0].toFixed(1)} (${sink > 0 ? 'ok' : '-'})`,
);
