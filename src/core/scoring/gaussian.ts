/**
 * Separable Gaussian blur matching scipy.ndimage.gaussian_filter (truncate 4, mode 'reflect', i.e.
 * d c b a | a b c d), so maps computed here and in a Python evaluation agree.
 */
export function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.floor(4 * sigma + 0.5);
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp((-0.5 * i * i) / (sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Index of position i in a signal of length n extended by half-sample symmetric reflection. */
export function reflectIndex(i: number, n: number): number {
  const period = 2 * n;
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - 1 - j;
  return j;
}

/** Returns a blurred copy; sigma <= 0 returns an unchanged copy. */
export function gaussianBlur(data: Float32Array, width: number, height: number, sigma: number): Float32Array {
  if (!(sigma > 0)) return data.slice();
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const kc = k[r];
  const tmp = new Float32Array(data.length);
  const out = new Float32Array(data.length);
  const line = new Float32Array(width + 2 * r);
  // Rows. The kernel is symmetric, so mirrored taps share one multiplication.
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let i = 0; i < width + 2 * r; i++) line[i] = data[row + reflectIndex(i - r, width)];
    for (let x = 0; x < width; x++) {
      const c = x + r;
      let acc = kc * line[c];
      for (let t = 1; t <= r; t++) acc += k[r + t] * (line[c - t] + line[c + t]);
      tmp[row + x] = acc;
    }
  }
  // Columns, a whole row at a time so every read is contiguous.
  for (let y = 0; y < height; y++) {
    const o = y * width;
    const mid = y * width;
    for (let x = 0; x < width; x++) out[o + x] = kc * tmp[mid + x];
    for (let t = 1; t <= r; t++) {
      const w = k[r + t];
      const above = reflectIndex(y - t, height) * width;
      const below = reflectIndex(y + t, height) * width;
      for (let x = 0; x < width; x++) out[o + x] += w * (tmp[above + x] + tmp[below + x]);
    }
  }
  return out;
}
