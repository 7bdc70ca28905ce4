/**
 * The selected image beside the charts: its thumbnail with the heatmap of the panel's model column over it
 * (coloured by the same filter as the grid), the heatmap's opacity, and a sentence when there is no heatmap
 * to show (a score-only model, an image not scored, a map not stored); its label in the active label set and
 * its box marks over it, as in the grid. Double-click opens it in the viewer.
 */
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { PreviewReport } from '../../../protocol/results';
import { l10n } from '../../shared/l10n';
import { previewContent, type PreviewContent } from '../preview';
import type { PanelState } from '../state';
import { div, setImage } from './dom';
import { heatFilter } from './heatFilter';
import { markClasses, markLongText } from './markCell';
import { drawTileBoxes, tileBoxes, tileBoxesElement } from './tileBoxes';

export class PreviewView {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly box: HTMLElement;
  private readonly thumb: HTMLImageElement;
  private readonly heat: HTMLImageElement;
  private readonly message: HTMLElement;
  private readonly mark: HTMLElement;
  private readonly boxes = tileBoxesElement();
  private boxesShown = 0;
  private readonly toggle: HTMLElement & { checked: boolean };
  private shown: PreviewContent = { model: 0 };
  /** The heatmap file failed to load (evicted from the cache after it was listed). */
  private heatFailed?: string;

  constructor(
    private readonly state: PanelState,
    private readonly events: { open(row: number): void; wantThumbnails(rows: number[]): void },
  ) {
    this.element = document.createElement('section');
    this.element.className = 'chart preview';
    this.element.setAttribute('aria-label', l10n.t('Preview of the selected image'));
    this.title = document.createElement('h3');
    this.box = div('p-box');
    this.thumb = image('p-thumb');
    this.heat = image('p-heat');
    this.box.append(this.thumb, this.heat, this.boxes);
    this.mark = div('p-mark');
    this.box.title = l10n.t('Double-click to open in the X-ray viewer');
    this.box.addEventListener('dblclick', () => {
      if (this.shown.row !== undefined) this.events.open(this.shown.row);
    });
    this.heat.addEventListener('error', () => {
      this.heatFailed = this.heat.getAttribute('src') ?? undefined;
      this.update();
    });
    this.toggle = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
    this.toggle.className = 'p-toggle';
    this.toggle.setAttribute('label', l10n.t('Heatmap'));
    this.toggle.checked = true;
    this.toggle.addEventListener('change', () => this.box.classList.toggle('heat-off', !this.toggle.checked));
    this.message = div('p-message');
    this.message.setAttribute('role', 'status');
    this.element.append(this.title, this.mark, this.box, this.toggle, this.message, heatFilter('xray-heat-preview'));
  }

  update(): void {
    const c = previewContent(this.state);
    if (c.heat && c.heat === this.heatFailed) {
      c.heat = undefined;
      c.message = l10n.t('The heatmap of this image is no longer in the cache: score the folder again to make it.');
    }
    this.shown = c;
    const m = this.state.models[c.model];
    // Which image (the selected row may be scrolled away) and whose heatmap.
    const file = c.path?.split('/').pop();
    this.title.textContent =
      file && m ? l10n.t('{0} · {1}', file, m.name) : m ? l10n.t('Preview · {0}', m.name) : l10n.t('Preview');
    this.title.title = c.path ?? '';
    this.box.hidden = c.row === undefined;
    setImage(this.thumb, c.thumb);
    setImage(this.heat, c.heat);
    this.thumb.alt = c.path ?? '';
    this.box.dataset.empty = String(!c.thumb);
    this.message.textContent = c.message ?? '';
    this.message.hidden = !c.message;
    this.toggle.hidden = !c.heat;
    const mark = c.row === undefined ? undefined : this.state.marks.get(c.row);
    this.mark.hidden = !mark;
    this.mark.className = `p-mark ${markClasses(mark)}`;
    this.mark.textContent = mark ? markLongText(mark, ' · ') : '';
    const size = c.row === undefined ? undefined : this.state.table.quality.size(c.row);
    this.boxesShown = drawTileBoxes(this.boxes, c.thumb ? tileBoxes(mark, size) : undefined);
    // The selected row may not be on screen (picked on the map): its images are asked for here.
    if (c.row !== undefined && !c.thumb && this.state.hasThumbnails && !this.state.thumbsAsked.has(c.row)) {
      this.state.thumbsAsked.add(c.row);
      this.events.wantThumbnails([c.row]);
    }
  }

  report(): PreviewReport {
    const loaded = (img: HTMLImageElement) => !img.hidden && img.complete && img.naturalWidth > 0;
    return {
      row: this.shown.row,
      model: this.shown.model,
      thumbnail: loaded(this.thumb),
      heatmap: loaded(this.heat) && this.toggle.checked,
      message: this.message.hidden ? undefined : (this.message.textContent ?? undefined),
      mark: this.mark.hidden ? undefined : (this.mark.textContent ?? undefined),
      boxes: this.boxesShown,
    };
  }
}

function image(className: string): HTMLImageElement {
  const img = document.createElement('img');
  img.className = className;
  img.alt = '';
  img.hidden = true;
  return img;
}
