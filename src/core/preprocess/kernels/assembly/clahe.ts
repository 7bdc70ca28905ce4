// AssemblyScript source of the CLAHE row kernels (compiled by `npm run kernels` into ../clahe.wasm.ts).
// The JS side (../../ops/clahe.ts) owns the memory layout and passes byte addresses; every buffer is
// 16-byte aligned. Arithmetic is f32, as the tables and outputs are.

/** out[k] = luts[r1 + k] + ya * (luts[r2 + k] - luts[r1 + k]) for k < n (r1, r2, n in elements). */
export function blendTables(luts: usize, r1: i32, r2: i32, ya: f32, out: usize, n: i32): void {
  const a0 = luts + (<usize>r1 << 2);
  const b0 = luts + (<usize>r2 << 2);
  const vy = f32x4.splat(ya);
  let k: i32 = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    const a = v128.load(a0 + o);
    const b = v128.load(b0 + o);
    v128.store(out + o, f32x4.add(a, f32x4.mul(vy, f32x4.sub(b, a))));
  }
  for (; k < n; k++) {
    const o = <usize>k << 2;
    const a = load<f32>(a0 + o);
    store<f32>(out + o, a + ya * (load<f32>(b0 + o) - a));
  }
}

/**
 * One row of CLAHE output from bins of type B (u8 or u16): for each column run s (pixels
 * runs[s]..runs[s+1] share their two tile tables at runA[s] and runB[s], offset by base),
 * out[x] = a + colW[x] * (b - a) with a, b the two tables' entries for the pixel's bin.
 */
// @ts-ignore: decorator
@inline
function mapRow<B>(bins: usize, tables: usize, base: i32, runs: usize, runA: usize, runB: usize, nRuns: i32, colW: usize, out: usize): void {
  for (let s: i32 = 0; s < nRuns; s++) {
    const so = <usize>s << 2;
    const ta = tables + (<usize>(base + load<i32>(runA + so)) << 2);
    const tb = tables + (<usize>(base + load<i32>(runB + so)) << 2);
    const x1 = load<i32>(runs + so + 4);
    for (let x = load<i32>(runs + so); x < x1; x++) {
      const b = <usize>load<B>(bins + (<usize>x << alignof<B>())) << 2;
      const a = load<f32>(ta + b);
      const xo = <usize>x << 2;
      store<f32>(out + xo, a + load<f32>(colW + xo) * (load<f32>(tb + b) - a));
    }
  }
}

/** mapRow for one-byte bins (up to 256 bins). */
export function mapRow8(bins: usize, tables: usize, base: i32, runs: usize, runA: usize, runB: usize, nRuns: i32, colW: usize, out: usize): void {
  mapRow<u8>(bins, tables, base, runs, runA, runB, nRuns, colW, out);
}

/** mapRow for two-byte bins (more than 256 bins). */
export function mapRow16(bins: usize, tables: usize, base: i32, runs: usize, runA: usize, runB: usize, nRuns: i32, colW: usize, out: usize): void {
  mapRow<u16>(bins, tables, base, runs, runA, runB, nRuns, colW, out);
}

/**
 * out[i] = table[samples[i] ^ flip] for i < n: 16-bit samples to one-byte bins through a 65536-entry
 * byte table (flip 0x8000 reads signed samples, whose table index is the sample + 32768).
 */
export function binSamples16(samples: usize, n: i32, table: usize, flip: i32, out: usize): void {
  for (let i: i32 = 0; i < n; i++) {
    const s = <usize>(<i32>load<u16>(samples + (<usize>i << 1)) ^ flip);
    store<u8>(out + <usize>i, load<u8>(table + s));
  }
}

/**
 * A row (n floats at row) shrunk along x with precomputed area/bilinear taps, as resample.ts's
 * reduceFloat does it and with the same arithmetic (f64 sums of f32 products, in tap order, rounded
 * to f32 once), so a resize fed by these rows gives bit for bit what it gives fed the rows themselves.
 */
export function shrinkRow(row: usize, start: usize, count: usize, offset: usize, weight: usize, nOut: i32, out: usize): void {
  for (let x: i32 = 0; x < nOut; x++) {
    const xo = <usize>x << 2;
    const s0 = row + (<usize>load<i32>(start + xo) << 2);
    const w0 = weight + (<usize>load<i32>(offset + xo) << 2);
    const c = load<i32>(count + xo);
    let a: f64 = 0;
    for (let k: i32 = 0; k < c; k++) {
      const ko = <usize>k << 2;
      a += <f64>load<f32>(w0 + ko) * <f64>load<f32>(s0 + ko);
    }
    store<f32>(out + xo, <f32>a);
  }
}
