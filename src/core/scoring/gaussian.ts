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
  const tmp = new Float32Array(data.length);
  const out = new Float32Array(data.length);
  const line = new Float32Array(Math.max(width, height) + 2 * r);
  // Rows.
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let i = 0; i < width + 2 * r; i++) line[i] = data[row + reflectIndex(i - r, width)];
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let t = 0; t < k.length; t++) acc += k[t] * line[x + t];
      tmp[row + x] = acc;
    }
  }
  // Columns.
  for (let x = 0; x < width; x++) {
    for (let i = 0; i < height + 2 * r; i++) line[i] = tmp[reflectIndex(i - r, height) * width + x];
    for (let y = 0; y < height; y++) {
      let acc = 0;
      for (let t = 0; t < k.length; t++) acc += k[t] * line[y + t];
      out[y * width + x] = acc;
    }
  }
  return out;
}
