// Generated grey images for the quality tests: smooth random "anatomy" (a sum of Gaussian blobs) with a
// fine texture, and the edits a dataset's near duplicates go through (rescaling, brightness, noise, blur).

/** A deterministic generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Grey {
  data: Uint8Array;
  width: number;
  height: number;
}

export function phantom(seed: number, width = 256, height = 256): Grey {
  const r = rng(seed);
  const blobs = Array.from({ length: 12 }, () => ({
    x: r() * width,
    y: r() * height,
    s: (0.05 + r() * 0.2) * width,
    a: (r() - 0.3) * 100,
  }));
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let v = 80;
      for (const b of blobs) v += b.a * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.s * b.s));
      v += ((x * 7 + y * 13) % 11) * 3 + r() * 10;
      data[y * width + x] = clamp(v);
    }
  return { data, width, height };
}

export function map(g: Grey, f: (v: number, i: number) => number): Grey {
  return { ...g, data: Uint8Array.from(g.data, (v, i) => clamp(f(v, i))) };
}

/** Nearest-neighbour rescale to a new size. */
export function rescale(g: Grey, width: number, height: number): Grey {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      data[y * width + x] = g.data[Math.floor((y * g.height) / height) * g.width + Math.floor((x * g.width) / width)];
  return { data, width, height };
}

/** Box blur of radius r, applied twice (close to a Gaussian). */
export function blur(g: Grey, r: number): Grey {
  let cur = Float64Array.from(g.data);
  for (let pass = 0; pass < 4; pass++) {
    const next = new Float64Array(cur.length);
    const horizontal = pass % 2 === 0;
    for (let y = 0; y < g.height; y++)
      for (let x = 0; x < g.width; x++) {
        let s = 0;
        let n = 0;
        for (let d = -r; d <= r; d++) {
          const xx = horizontal ? x + d : x;
          const yy = horizontal ? y : y + d;
          if (xx < 0 || yy < 0 || xx >= g.width || yy >= g.height) continue;
          s += cur[yy * g.width + xx];
          n++;
        }
        next[y * g.width + x] = s / n;
      }
    cur = next;
  }
  return { ...g, data: Uint8Array.from(cur, clamp) };
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
