/**
 * Area resampling of a grey image to a fixed size: each output sample is the mean of the input area it
 * covers (fractional edges weighted), so a reduction is the same whatever the input resolution, and an
 * enlargement (an input smaller than the output) repeats samples instead of inventing detail.
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
  const xs = spans(width, outW);
  const ys = spans(height, outH);
  // Columns first into a height x outW buffer, then rows.
  const mid = new Float64Array(height * outW);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let ox = 0; ox < outW; ox++) {
      let s = 0;
      for (const [x, w] of xs[ox]) s += src[row + x] * w;
      mid[y * outW + ox] = s;
    }
  }
  const out = new Float32Array(outW * outH);
  for (let oy = 0; oy < outH; oy++)
    for (let ox = 0; ox < outW; ox++) {
      let s = 0;
      for (const [y, w] of ys[oy]) s += mid[y * outW + ox] * w;
      out[oy * outW + ox] = s;
    }
  return out;
}

/** For each output index, the input indices it covers and their weights (summing to 1). */
function spans(n: number, out: number): [number, number][][] {
  const scale = n / out;
  const res: [number, number][][] = [];
  for (let o = 0; o < out; o++) {
    const a = o * scale;
    const b = a + scale;
    const parts: [number, number][] = [];
    for (let i = Math.floor(a); i < Math.min(n, Math.ceil(b)); i++) {
      const w = Math.min(b, i + 1) - Math.max(a, i);
      if (w > 1e-12) parts.push([i, w / scale]);
    }
    res.push(parts);
  }
  return res;
}
