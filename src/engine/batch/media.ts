/**
 * Small images for the results panel, cached by content: a thumbnail per file content
 * (`thumbs/<h0h1>/<hash>.webp`, 8-bit grey, windowed like the viewer's default) and a heatmap per model
 * and content (`heatmaps/<model>/<h0h1>/<hash>.webp`, 8-bit grey where value/255 is the normalised map
 * value, 0.5 = the model's threshold; the panel colours it). Written under a temporary name and renamed,
 * so a reader never sees half a file; an existing file is not written again.
 */
import { promises as fsp } from 'node:fs';
import { dirname, join } from 'node:path';
import type { XrayImage } from '../../core/image/types';
import type { AnomalyMap } from '../../core/scoring/types';
import { rescaledAtRanks } from '../../core/image/valueRank';
import { reduceImage } from '../reducedImage';
import { thumbPath } from '../../core/batch/mediaPaths';

import sharp from 'sharp';

/** Grey 8-bit thumbnail, longest side `size`; returns its path relative to `dir`. */
export async function writeThumb(image: XrayImage, dir: string, hash: string, size: number): Promise<string> {
  const rel = thumbPath(hash);
  if (await exists(join(dir, rel))) return rel;
  const small = reduceImage(image, size * 2)?.image ?? image;
  const px = windowTo8(small);
  await writeWebp(join(dir, rel), px, small.width, small.height, size);
  return rel;
}

export async function writeHeatmap(map: AnomalyMap, dir: string, rel: string, size: number): Promise<string> {
  if (await exists(join(dir, rel))) return rel;
  const px = new Uint8Array(map.width * map.height);
  for (let i = 0; i < px.length; i++) {
    const v = map.data[i];
    px[i] = v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0;
  }
  await writeWebp(join(dir, rel), px, map.width, map.height, size);
  return rel;
}

/** The file's first window preset, else the 1st-99th percentile of its stored values; MONOCHROME1 inverted. */
function windowTo8(image: XrayImage): Uint8Array {
  const { data } = image;
  const { slope, intercept } = image.rescale;
  let lo: number;
  let hi: number;
  const w = image.windows[0];
  if (w && w.width > 0) {
    lo = w.center - w.width / 2;
    hi = w.center + w.width / 2;
  } else {
    [lo, hi] = rescaledAtRanks(data, slope, intercept, (n) => [Math.floor(n * 0.01), Math.ceil(n * 0.99) - 1]);
    // No value that is a number (all NaN): any window shows it black.
    if (!(lo === lo && hi === hi)) [lo, hi] = [0, 1];
  }
  const span = hi > lo ? hi - lo : 1;
  const invert = image.photometric === 'MONOCHROME1';
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    let t = ((data[i] * slope + intercept - lo) / span) * 255;
    t = t > 0 ? (t < 255 ? t : 255) : 0;
    out[i] = invert ? 255 - t : t;
  }
  return out;
}

async function writeWebp(path: string, px: Uint8Array, width: number, height: number, size: number): Promise<void> {
  await fsp.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await sharp(px, { raw: { width, height, channels: 1 } })
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 75 })
      .toFile(tmp);
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.unlink(tmp).catch(() => undefined);
    throw err;
  }
}

async function exists(p: string): Promise<boolean> {
  return fsp.access(p).then(
    () => true,
    () => false,
  );
}
