/**
 * Colormaps for the anomaly map: 256 RGBA entries each (as Uint32 for ImageData, little endian).
 * jet and hot follow their classic definitions, viridis and inferno are matplotlib's, sampled at eleven
 * stops and interpolated. "red" is a single hue whose opacity grows with the score, for looking at the
 * anatomy under a faint overlay.
 */
import type { Colormap } from '../../../protocol/viewer';
import { l10n } from '../../shared/l10n';

export const COLORMAPS: ReadonlyArray<{ id: Colormap; label: string }> = [
  { id: 'inferno', label: l10n.t('Inferno') },
  { id: 'viridis', label: l10n.t('Viridis') },
  { id: 'jet', label: l10n.t('Jet') },
  { id: 'hot', label: l10n.t('Hot') },
  { id: 'red', label: l10n.t('Red (opacity by value)') },
];

const STOPS: Record<'viridis' | 'inferno', string[]> = {
  viridis: [
    '440154',
    '482475',
    '414487',
    '355f8d',
    '2a788e',
    '21918c',
    '22a884',
    '44bf70',
    '7ad151',
    'bddf26',
    'fde725',
  ],
  inferno: [
    '000004',
    '160b39',
    '420a68',
    '6a176e',
    '932667',
    'bc3754',
    'dd513a',
    'f37819',
    'fca50a',
    'f6d746',
    'fcffa4',
  ],
};

/** RGBA bytes (0..255) for value v in [0, 1]. */
export function colorAt(map: Colormap, v: number): [number, number, number, number] {
  const x = v < 0 ? 0 : v > 1 ? 1 : v;
  const c = (f: number) => Math.round(255 * (f < 0 ? 0 : f > 1 ? 1 : f));
  switch (map) {
    case 'jet':
      return [c(1.5 - Math.abs(4 * x - 3)), c(1.5 - Math.abs(4 * x - 2)), c(1.5 - Math.abs(4 * x - 1)), 255];
    case 'hot':
      return [c(0.0416 + x * 2.6257), c((x - 0.365) / 0.381), c((x - 0.746) / 0.254), 255];
    case 'red':
      return [255, 32, 16, c(x)];
    case 'viridis':
    case 'inferno': {
      const stops = STOPS[map];
      const pos = x * (stops.length - 1);
      const i = Math.min(stops.length - 2, Math.floor(pos));
      const f = pos - i;
      const a = hex(stops[i]);
      const b = hex(stops[i + 1]);
      return [
        Math.round(a[0] + (b[0] - a[0]) * f),
        Math.round(a[1] + (b[1] - a[1]) * f),
        Math.round(a[2] + (b[2] - a[2]) * f),
        255,
      ];
    }
  }
}

function hex(s: string): [number, number, number] {
  return [parseInt(s.slice(0, 2), 16), parseInt(s.slice(2, 4), 16), parseInt(s.slice(4, 6), 16)];
}

/**
 * Default floor of the overlay: map values below it (well under the calibrated 0.5) draw nothing, so
 * a normal image keeps its own look and only regions nearing the threshold are tinted.
 */
export const DEFAULT_FLOOR = 0.3;
/** The overlay fades in over this band of map values above the floor instead of switching on. */
export const FADE = 0.15;

/** Overlay visibility (0..1) of map value v for a floor: 0 below it, a smooth ramp over FADE above. */
export function floorAlpha(v: number, floor: number): number {
  if (!(floor > 0)) return 1;
  const t = (v - floor) / FADE;
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  return t * t * (3 - 2 * t);
}

/** The overlay colour of value v: the colormap's colour, its alpha scaled by floorAlpha. */
export function overlayColorAt(map: Colormap, v: number, floor: number): [number, number, number, number] {
  const [r, g, b, a] = colorAt(map, v);
  return [r, g, b, Math.round(a * floorAlpha(v, floor))];
}

const cache = new Map<string, Uint32Array>();

/** 256-entry overlay lookup table, RGBA packed as little-endian Uint32 (ImageData byte order). */
export function colormapLut(map: Colormap, floor = 0): Uint32Array {
  const f = Math.round(Math.min(1, Math.max(0, floor)) * 100) / 100;
  const key = `${map}@${f}`;
  let lut = cache.get(key);
  if (!lut) {
    lut = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      const [r, g, b, a] = overlayColorAt(map, i / 255, f);
      lut[i] = ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
    }
    if (cache.size > 64) cache.clear();
    cache.set(key, lut);
  }
  return lut;
}

export function isColormap(v: unknown): v is Colormap {
  return COLORMAPS.some((c) => c.id === v);
}

/** Outline colour that stands apart from the colormap: cyan is absent from all but jet, which gets white. */
export function outlineColor(map: Colormap): string {
  return map === 'jet' ? '#ffffff' : '#3ff0ff';
}
