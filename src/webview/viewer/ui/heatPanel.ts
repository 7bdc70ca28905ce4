/** The heatmap section of the side panel: its controls, the legend bar, and why there is no map. */
import { apply } from '../affine';
import { fmtScore } from '../format';
import { FADE, overlayColorAt } from '../render/colormaps';
import type { ViewerState } from '../state';
import { setText, show } from './dom';
import type { Layout } from './layout';
import { l10n } from '../../shared/l10n';

export function renderHeat(L: Layout, s: ViewerState): void {
  const an = s.analysis;
  const map = an?.heat?.map;
  let note = '';
  if (!an)
    note = s.running
      ? l10n.t('The heatmap appears when the analysis finishes.')
      : s.analysisError
        ? l10n.t('No heatmap: the analysis failed.')
        : l10n.t('No analysis yet.');
  else if (an.mapProblem) note = l10n.t('The map could not be shown: {0}.', an.mapProblem);
  else if (!map) note = l10n.t('This model gives an image score only, no map.');
  setText(L.heatNote, note);
  show(L.heatNote, note !== '');
  show(L.heatControls, Boolean(map));
  L.overlayCheck.checked = s.overlayVisible;
  L.outlineCheck.checked = s.outline;
  L.colormapSelect.value = s.settings.colormap;
  L.opacity.value = String(s.settings.heatmapOpacity);
  setText(L.opacityOut, `${Math.round(s.settings.heatmapOpacity * 100)}%`);
  L.threshold.value = String(s.settings.threshold);
  setText(L.thresholdOut, s.settings.threshold.toFixed(2));
  L.thresholdReset.disabled = s.settings.threshold === 0.5;
  L.legendMarker.style.left = `${s.settings.threshold * 100}%`;
  const floor = s.settings.heatmapFloor ?? 0;
  L.floor.value = String(floor);
  setText(L.floorOut, floor > 0 ? floor.toFixed(2) : l10n.t('off'));
  L.legendFloor.style.left = `${floor * 100}%`;
  show(L.legendFloor, floor > 0);
  setText(
    L.legendCaption,
    floor > 0
      ? l10n.t(
          "Not drawn below {0}; fades in up to {1} (checkered part of the bar). 0.5 (the marker) is the threshold: lighter is above it. Dashed outline: this image's hottest 5%, drawn even below the threshold. Heat means unlike the normal images the model knows, at that place: positioning, arms, tubes and markers show too, not only disease.",
          floor.toFixed(2),
          Math.min(1, floor + FADE).toFixed(2),
        )
      : l10n.t(
          "Every map value is drawn. 0.5 (the marker) is the threshold: lighter is above it. Dashed outline: this image's hottest 5%, drawn even below the threshold. Heat means unlike the normal images the model knows, at that place: positioning, arms, tubes and markers show too, not only disease.",
        ),
  );
  drawLegend(L.legend, s.settings.colormap, floor);
  if (map)
    L.legend.title = l10n.t(
      'Map {0} × {1}, raw values {2} to {3}',
      map.width,
      map.height,
      fmtScore(map.rawMin),
      fmtScore(map.rawMax),
    );
}

/** Where the map lies on the image, in words ("whole image" or the pixel rectangle it covers). */
export function mapCoverage(
  map: NonNullable<ViewerState['analysis']>['result']['map'],
  img: { width: number; height: number } | undefined,
): string {
  if (!map) return '';
  const c = [apply(map.toImage, 0, 0), apply(map.toImage, map.width, map.height)];
  const x0 = Math.round(Math.min(c[0][0], c[1][0]));
  const x1 = Math.round(Math.max(c[0][0], c[1][0]));
  const y0 = Math.round(Math.min(c[0][1], c[1][1]));
  const y1 = Math.round(Math.max(c[0][1], c[1][1]));
  if (img && x0 <= 0 && y0 <= 0 && x1 >= img.width && y1 >= img.height) return l10n.t('the whole image');
  return l10n.t('x {0}–{1}, y {2}–{3}', x0, x1, y0, y1);
}

function drawLegend(canvas: HTMLCanvasElement, map: ViewerState['settings']['colormap'], floor: number): void {
  const key = `${map}@${floor}`;
  if (canvas.dataset.key === key) return;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(canvas.width, canvas.height);
  for (let x = 0; x < canvas.width; x++) {
    // Exactly the overlay's colours and transparency, so the bar tells the truth about what is drawn.
    const [r, g, b, al] = overlayColorAt(map, x / (canvas.width - 1), floor);
    for (let y = 0; y < canvas.height; y++) {
      // Transparent parts are shown over a checkerboard so the transparency is visible.
      const bg = ((x >> 3) + (y >> 3)) % 2 ? 200 : 130;
      const f = al / 255;
      const i = (y * canvas.width + x) * 4;
      img.data[i] = Math.round(r * f + bg * (1 - f));
      img.data[i + 1] = Math.round(g * f + bg * (1 - f));
      img.data[i + 2] = Math.round(b * f + bg * (1 - f));
      img.data[i + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  canvas.dataset.key = key;
}
