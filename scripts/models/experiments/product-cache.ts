/** The product-path feature cache (product-extract.ts writes it; local-score.ts and map-centring.ts read it). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FeatureMaps } from '../../../src/core/fit/features';
import { ROOT } from '../protocol';
import { fromHalf } from './features';

export interface PItem {
  id: string;
  set: 'fit' | 'val' | 'dev' | 'planted';
  anomalous: boolean;
  group: string;
  /** Planted cases: kind, area, contrast and the index of the original (in the planted set's originals). */
  plant?: { kind: string; area: number; contrast: number; original: string };
}

export interface PIndex {
  pipeline: string;
  items: PItem[];
  shape: { c: number; h: number; w: number };
}


export function cacheDir(pipeline: string): string {
  return join(ROOT, '.cache/fit-research', `p-${pipeline}`);
}

export interface Loaded {
  items: PItem[];
  maps: FeatureMaps;
}

export function load(pipeline: string, tag: string): Loaded {
  const dir = cacheDir(pipeline);
  const index = JSON.parse(readFileSync(join(dir, `${tag}.json`), 'utf8')) as PIndex;
  const raw = readFileSync(join(dir, `${tag}.f16`));
  const half = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
  const { c, h, w } = index.shape;
  return { items: index.items, maps: { data: fromHalf(half), n: index.items.length, c, h, w } };
}

export function pick(l: Loaded, keep: (i: PItem) => boolean): Loaded {
  const per = l.maps.c * l.maps.h * l.maps.w;
  const idx = l.items.map((it, i) => (keep(it) ? i : -1)).filter((i) => i >= 0);
  const data = new Float32Array(idx.length * per);
  idx.forEach((i, k) => data.set(l.maps.data.subarray(i * per, (i + 1) * per), k * per));
  return { items: idx.map((i) => l.items[i]), maps: { ...l.maps, n: idx.length, data } };
}

export function batches(m: FeatureMaps, size = 64): FeatureMaps[] {
  const per = m.c * m.h * m.w;
  const out: FeatureMaps[] = [];
  for (let s = 0; s < m.n; s += size) {
    const n = Math.min(size, m.n - s);
    out.push({ ...m, n, data: m.data.subarray(s * per, (s + n) * per) });
  }
  return out;
}
