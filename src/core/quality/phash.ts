/**
 * Perceptual hash (pHash): a 32 x 32 grey reduction, its 2-D DCT-II, and one bit per coefficient of the
 * 8 x 8 frequencies 1-8 in each direction: set when above their median. Images that look alike
 * (re-encoded, resized, slightly brightened) get hashes a few bits apart; Hamming distance compares them.
 * Frequency 0 in either direction (the mean, and brightness changing along one axis only) is left out:
 * chest X-rays all share it, and with it 2 bits apart held 9 pairs of different patients among the 5,537
 * chest images of the shared data, without it 2 (scripts/eval/quality.ts).
 */
const N = 32;
/** Frequencies 0..K-1 are computed; 1..K-1 kept. */
const K = 9;

// DCT-II basis of the first K frequencies over N samples, [k * N + n].
const BASIS = (() => {
  const b = new Float64Array(K * N);
  for (let k = 0; k < K; k++)
    for (let n = 0; n < N; n++) b[k * N + n] = Math.cos((Math.PI * (2 * n + 1) * k) / (2 * N));
  return b;
})();

/** The hash of a 32 x 32 grey image (row-major, any scale), as 16 hex digits. */
export function phash32(grey: ArrayLike<number>): string {
  if (grey.length !== N * N) throw new Error(`pHash wants ${N * N} samples, got ${grey.length}.`);
  // Rows first (only K frequencies are kept), then columns: K*N*N + K*K*N multiplications.
  const rows = new Float64Array(N * K);
  for (let y = 0; y < N; y++)
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let x = 0; x < N; x++) s += grey[y * N + x] * BASIS[k * N + x];
      rows[y * K + k] = s;
    }
  const coeffs = new Float64Array(64);
  for (let ky = 1; ky < K; ky++)
    for (let kx = 1; kx < K; kx++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += rows[y * K + kx] * BASIS[ky * N + y];
      coeffs[(ky - 1) * 8 + (kx - 1)] = s;
    }
  const median = medianOf(coeffs);
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 64; i++) {
    if (!(coeffs[i] > median)) continue;
    if (i < 32) hi |= 1 << (31 - i);
    else lo |= 1 << (63 - i);
  }
  return hex8(hi) + hex8(lo);
}

/** Bits that differ between two 16-hex-digit hashes. */
export function hamming(a: string, b: string): number {
  return (
    popcount32(parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)) +
    popcount32(parseInt(a.slice(8, 16), 16) ^ parseInt(b.slice(8, 16), 16))
  );
}

export function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function isPhash(s: unknown): s is string {
  return typeof s === 'string' && /^[0-9a-f]{16}$/.test(s);
}

function medianOf(v: Float64Array): number {
  const s = Float64Array.from(v).sort();
  return (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}
