/**
 * Area resampling of a grey image to a fixed size: each output sample is the mean of the input area it
 * covers (fractional edges weighted), so a reduction is the same whatever the input resolution, and an
 * enlargement (an input smaller than the output) repeats samples instead of inventing detail.
 * It runs for every scored file (prep workers), so the taps are flat typed arrays, not arrays of tuples:
 * same weights, same order of additions, several times faster.
 */
export function resampleArea(
  src: ArrayLike<number>,
  width: number,
  height: number,
  outW: number,
  outH: number,
): Float32Array {
  if (width < 1 || height < 1 || src.length !== width * height)
    throw new Error(`A ${width} x ${height} image needs ${width * height} samples, got ${src.length}.`);
  const xs = taps(width, outW);
  const ys = taps(height, outH);
  const { first: xFirst, index: xIndex, weight: xWeight } = xs;
  // Columns first into a height x outW buffer, then rows. Each output's taps follow the previous one's, so
  // one running tap index serves a whole row.
  const mid = new Float64Array(height * outW);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const o = y * outW;
    let k = 0;
    for (let ox = 0; ox < outW; ox++) {
      const end = xFirst[ox + 1];
      let s = 0;
      for (; k < end; k++) s += src[row + xIndex[k]] * xWeight[k];
      mid[o + ox] = s;
    }
  }
  // Rows: whole rows of `mid` scaled and added into one accumulator row, tap by tap; each output sample sums
  // the same products in the same order as a per-sample loop would, so the result is bit for bit the same.
  const out = new Float32Array(outW * outH);
  const acc = new Float64Array(outW);
  for (let oy = 0; oy < outH; oy++) {
    acc.fill(0);
    for (let k = ys.first[oy]; k < ys.first[oy + 1]; k++) {
      const base = ys.index[k] * outW;
      const w = ys.weight[k];
      for (let ox = 0; ox < outW; ox++) acc[ox] += mid[base + ox] * w;
    }
    out.set(acc, oy * outW);
  }
  return out;
}

/** For each output o, the input indices it covers and their weights (summing to 1): index/weight[first[o] .. first[o + 1]). */
function taps(n: number, out: number): { first: Int32Array; index: Int32Array; weight: Float64Array } {
  const scale = n / out;
  const first = new Int32Array(out + 1);
  const index: number[] = [];
  const weight: number[] = [];
  for (let o = 0; o < out; o++) {
    const a = o * scale;
    const b = a + scale;
    first[o] = index.length;
    for (let i = Math.floor(a); i < Math.min(n, Math.ceil(b)); i++) {
      const w = Math.min(b, i + 1) - Math.max(a, i);
      if (w > 1e-12) {
        index.push(i);
        weight.push(w / scale);
      }
    }
  }
  first[out] = index.length;
  return { first, index: Int32Array.from(index), weight: Float64Array.from(weight) };
}
