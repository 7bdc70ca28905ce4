/**
 * A sheet of planted examples for bench:planted, to look at: per row the planted image with its region
 * outlined (green), and the same with the map over it (the viewer's inferno colours, stretched over the
 * image's own map range so the hottest place shows whatever the threshold) with its peak marked (cyan).
 */
import sharp, { type OverlayOptions } from 'sharp';
import type { XrayImage } from '../../src/core/image/types';
import { brightness } from '../../src/core/planted/plant';
import { peakIndex, type MapOnImage } from '../../src/core/planted/localise';
import { colorAt } from '../../src/webview/viewer/render/colormaps';

export interface SheetCase {
  label: string;
  image: XrayImage;
  region: Uint8Array;
  map: MapOnImage;
}

const T = 256;

function tile(c: SheetCase, withMap: boolean): Uint8Array {
  const { width: w, height: h } = c.image;
  const b = brightness(c.image).values;
  const rgb = new Uint8Array(w * h * 3);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of c.map.values)
    if (v === v) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  for (let i = 0; i < w * h; i++) {
    const g = Math.round(255 * b[i]);
    let px = [g, g, g];
    const v = c.map.values[i];
    if (withMap && v === v) {
      const t = (v - lo) / (hi - lo || 1);
      const [r, gg, bb] = colorAt('inferno', t);
      const a = 0.5 * t;
      px = [r * a + g * (1 - a), gg * a + g * (1 - a), bb * a + g * (1 - a)].map(Math.round);
    }
    rgb.set(px, i * 3);
  }
  // Region outline (green) on both tiles; the peak (cyan cross) on the map tile.
  for (let y = 1; y < h - 1; y++)
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (c.region[i] && (!c.region[i - 1] || !c.region[i + 1] || !c.region[i - w] || !c.region[i + w]))
        rgb.set([0, 230, 0], i * 3);
    }
  if (withMap) {
    const p = peakIndex(c.map.values);
    const px = p % w;
    const py = Math.floor(p / w);
    const arm = Math.max(3, Math.round(w / 40));
    for (let d = -arm; d <= arm; d++) {
      if (px + d >= 0 && px + d < w) rgb.set([0, 255, 255], (py * w + px + d) * 3);
      if (py + d >= 0 && py + d < h) rgb.set([0, 255, 255], ((py + d) * w + px) * 3);
    }
  }
  return rgb;
}

export async function writeSheet(file: string, cases: SheetCase[]): Promise<void> {
  const composites: OverlayOptions[] = [];
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  for (let r = 0; r < cases.length; r++) {
    const c = cases[r];
    for (const [k, withMap] of [
      [0, false],
      [1, true],
    ] as const) {
      const png = await sharp(Buffer.from(tile(c, withMap)), {
        raw: { width: c.image.width, height: c.image.height, channels: 3 },
      })
        .resize(T, T, { fit: 'fill' })
        .png()
        .toBuffer();
      composites.push({ input: png, left: k * T, top: r * T });
    }
    composites.push({
      input: Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * T}" height="18"><rect width="100%" height="100%" fill="#000" fill-opacity="0.6"/><text x="3" y="13" font-family="sans-serif" font-size="12" fill="#ffff80">${esc(c.label)}</text></svg>`,
      ),
      left: 0,
      top: r * T + T - 18,
    });
  }
  await sharp({ create: { width: 2 * T, height: T * cases.length, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .composite(composites)
    .png()
    .toFile(file);
}
