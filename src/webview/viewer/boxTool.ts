/**
 * The box tool: a left-drag draws a box mark on the image, a click picks the box under it, Delete removes
 * the picked box (or the newest), `u` undoes the label set's last change. The boxes belong to the label
 * set, not to the tab: each change goes to the host, which writes the label file (atomically) and sends
 * the image's mark back; meanwhile the viewer shows the change at once. Screen positions are canvas
 * device pixels; boxes are image pixels (boxMarks.ts).
 */
import type { MarkBox, ViewerToHostNotifications } from '../../protocol/viewer';
import { boxAt, boxFromPoints, MAX_BOXES, withoutBox } from './boxMarks';
import { clampToImage } from './measure';
import type { ViewerStore } from './store';
import type { CanvasSize, ViewControl } from './viewControl';
import { imageFromScreen } from './viewport';

/** A drag shorter than this (CSS pixels on screen) is a click: it picks a box instead of drawing one. */
const MIN_BOX_CSS_PX = 4;
/** How close (CSS pixels) to a box's edge a click still picks it. */
const PICK_CSS_PX = 4;

export interface BoxHost {
  notify<K extends 'markBoxes' | 'undoMark'>(type: K, params: ViewerToHostNotifications[K]): void;
}

export class BoxTool {
  constructor(
    private readonly store: ViewerStore,
    private readonly view: ViewControl,
    private readonly canvasSize: CanvasSize,
    private readonly devicePixelRatio: () => number,
    private readonly host: BoxHost,
  ) {}

  /** Boxes can be drawn: the image is in a workspace folder whose label set can be written. */
  get usable(): boolean {
    const m = this.store.state.mark;
    return Boolean(m && !m.problem && this.store.state.loaded);
  }

  boxes(): readonly MarkBox[] {
    return this.store.state.mark?.boxes ?? [];
  }

  gesture(phase: 'start' | 'move' | 'end', sx?: number, sy?: number): void {
    const img = this.store.state.loaded;
    const v = this.view.current();
    if (!img || !v || !this.usable) return;
    const { width, height } = this.canvasSize();
    const toImage = (x: number, y: number) =>
      clampToImage(...imageFromScreen(v, width, height, x, y), img.width, img.height);
    if (phase === 'start' && sx !== undefined && sy !== undefined) {
      const [x, y] = toImage(sx, sy);
      this.store.update((s) => void (s.boxDraft = { x0: x, y0: y, x1: x, y1: y }), { redraw: 'canvas' });
      return;
    }
    const draft = this.store.state.boxDraft;
    if (!draft) return;
    if (phase === 'move' && sx !== undefined && sy !== undefined) {
      const [x, y] = toImage(sx, sy);
      this.store.update((s) => void (s.boxDraft = { ...draft, x1: x, y1: y }), { redraw: 'canvas' });
      return;
    }
    if (phase !== 'end') return;
    const dpr = this.devicePixelRatio();
    const span = Math.max(Math.abs(draft.x1 - draft.x0), Math.abs(draft.y1 - draft.y0)) * v.scale;
    this.store.update((s) => void (s.boxDraft = undefined), { redraw: 'canvas' });
    if (span < MIN_BOX_CSS_PX * dpr) {
      this.pick(draft.x0, draft.y0, (PICK_CSS_PX * dpr) / v.scale);
      return;
    }
    const box = boxFromPoints(draft.x0, draft.y0, draft.x1, draft.y1, img.width, img.height);
    if (box) this.add(box);
  }

  /** Adds a box (the newest, picked), unless the image has MAX_BOXES already. */
  add(box: MarkBox): void {
    const boxes = this.boxes();
    if (boxes.length >= MAX_BOXES) return;
    this.commit([...boxes, box], boxes.length);
  }

  /** Picks the box under an image point (none: nothing picked). */
  pick(x: number, y: number, slack = 0): void {
    const i = boxAt(this.boxes(), x, y, slack);
    if (i === this.store.state.activeBox) return;
    this.store.update((s) => void (s.activeBox = i), { redraw: 'canvas' });
  }

  /** Delete: the picked box, else the newest. */
  deleteBox(): void {
    const boxes = this.boxes();
    if (!boxes.length || !this.usable) return;
    this.commit(withoutBox(boxes, this.store.state.activeBox), undefined);
  }

  undo(): void {
    if (!this.usable) return;
    this.store.update((s) => void (s.activeBox = undefined), { redraw: 'canvas' });
    this.host.notify('undoMark', {});
  }

  private commit(boxes: MarkBox[], active: number | undefined): void {
    const mark = this.store.state.mark;
    if (!mark) return;
    this.store.update(
      (s) => {
        s.mark = { ...mark, boxes };
        s.activeBox = active;
      },
      { redraw: 'all' },
    );
    this.host.notify('markBoxes', { boxes });
  }
}
