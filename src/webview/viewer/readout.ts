/**
 * The status bar's pixel readout under the pointer: position, modality value (a reduced copy's block
 * mean says so), the active ruler's length, and the heatmap's value there.
 */
import { apply, invert as invertAffine } from './affine';
import { fmtValue } from './format';
import { measurementLabel } from './measure';
import { sampleMap } from './render/heatmapLayer';
import type { ViewerState } from './state';
import { imageFromScreen, type View } from './viewport';
import { l10n } from '../shared/l10n';

/** The readout for the pointer at screen point `at` (device pixels); `hint` when it is an instruction. */
export function readoutText(
  s: Readonly<ViewerState>,
  view: View | undefined,
  canvas: { width: number; height: number },
  at: [number, number] | undefined,
): { text: string; hint: boolean } {
  const held = s.loaded;
  if (!held || !view || !at) return { text: held ? l10n.t('Point at the image for pixel values') : '', hint: true };
  const [ix, iy] = imageFromScreen(view, canvas.width, canvas.height, at[0], at[1]);
  const img = held.image;
  const x = Math.floor(ix);
  const y = Math.floor(iy);
  if (x < 0 || y < 0 || x >= held.width || y >= held.height) return { text: '', hint: false };
  // A reduced copy has the mean of the pixel's block, not the pixel's own value: say so.
  const f = held.reduced?.factor ?? 1;
  const value = img.data[Math.floor(y / f) * img.width + Math.floor(x / f)] * img.rescale.slope + img.rescale.intercept;
  const shown = `${fmtValue(value)}${img.rescale.unit ? ` ${img.rescale.unit}` : ''}`;
  // Fields of a status line, each one message, joined by wide spaces.
  const parts = [
    l10n.t('x {0}  y {1}', x, y),
    f > 1 ? l10n.t('value ≈ {0} (mean of {1}×{1}, full resolution loading)', shown, f) : l10n.t('value {0}', shown),
  ];
  const active = s.activeMeasurement !== undefined ? s.measurements[s.activeMeasurement] : undefined;
  if (active) {
    const length = measurementLabel(active, img.pixelSpacing);
    parts.push(
      img.pixelSpacing ? l10n.t('ruler {0}', length) : l10n.t('ruler {0} (no pixel spacing in the file)', length),
    );
  }
  const map = s.analysis?.heat?.map;
  if (map) {
    const inv = invertAffine(map.toImage);
    const [mx, my] = inv ? apply(inv, ix, iy) : [NaN, NaN];
    const h = sampleMap(map, mx, my);
    if (h !== undefined && Number.isFinite(h))
      parts.push(
        h >= s.settings.threshold ? l10n.t('heat {0} (above)', h.toFixed(2)) : l10n.t('heat {0}', h.toFixed(2)),
      );
  }
  return { text: parts.join('   '), hint: false };
}

/** Keeps the readout element in step with the pointer and the state. */
export class PixelReadout {
  private pointer?: [number, number];

  constructor(
    private readonly element: HTMLElement,
    private readonly compute: (at: [number, number] | undefined) => { text: string; hint: boolean },
  ) {}

  /** The pointer moved over the canvas (device pixels), or left it (undefined). */
  pointAt(at: [number, number] | undefined): void {
    this.pointer = at;
    this.render();
  }

  render(): void {
    const { text, hint } = this.compute(this.pointer);
    this.element.textContent = text;
    this.element.classList.toggle('hint', hint);
  }
}
