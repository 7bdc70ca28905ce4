/**
 * Mouse, wheel and keyboard gestures on the viewer, translated into actions. Left-drag uses the chosen
 * tool (Shift swaps pan and window/level, and pans in measure mode), middle-drag always pans, right-drag
 * always does window/level, as in DICOM viewers; the box tool draws box marks. Keys are ignored while a text field or list has focus and when a modifier is held, so VS Code's
 * own shortcuts keep working.
 */
import { DisposableStore, type IDisposable } from '../../protocol/dispose';
import { listen } from '../shared/lifetime';
import type { Tool } from './persist';
import type { Actions } from './ui/actions';
import { wheelFactor } from './viewport';

export interface PointerHandlers {
  tool(): Tool;
  /** Device pixels. */
  pan(dx: number, dy: number): void;
  /** CSS pixels: horizontal = width, vertical = level. */
  windowDrag(dx: number, dy: number): void;
  zoomAt(factor: number, sx: number, sy: number): void;
  fit(): void;
  hover(sx: number, sy: number): void;
  leave(): void;
  dragEnd(kind: Tool): void;
  /** Ruler drawing: device pixels; 'end' has no position. */
  measure(phase: 'start' | 'move' | 'end', sx?: number, sy?: number): void;
  /** Box drawing (or a click that picks a box): device pixels; 'end' has no position. */
  box(phase: 'start' | 'move' | 'end', sx?: number, sy?: number): void;
}

export function attachPointer(canvas: HTMLCanvasElement, h: PointerHandlers): IDisposable {
  const listeners = new DisposableStore();
  let drag: { id: number; kind: Tool; x: number; y: number } | undefined;
  const dpr = () => window.devicePixelRatio || 1;
  const local = (e: MouseEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * dpr(), (e.clientY - r.top) * dpr()];
  };

  listeners.add(
    listen(canvas, 'pointerdown', (e) => {
      if (drag) return;
      let kind: Tool;
      if (e.button === 1) kind = 'pan';
      else if (e.button === 2) kind = 'window';
      else if (e.button === 0) kind = e.shiftKey ? (h.tool() === 'pan' ? 'window' : 'pan') : h.tool();
      else return;
      if (kind === 'measure' || kind === 'box') {
        const [sx, sy] = local(e);
        h[kind]('start', sx, sy);
      }
      e.preventDefault();
      canvas.focus({ preventScroll: true });
      try {
        canvas.setPointerCapture(e.pointerId);
      } catch {
        // Synthetic or already-released pointers cannot be captured; the drag still works inside the canvas.
      }
      drag = { id: e.pointerId, kind, x: e.clientX, y: e.clientY };
      canvas.classList.add(
        kind === 'pan' ? 'dragging-pan' : kind === 'window' ? 'dragging-window' : 'dragging-measure',
      );
    }),
  );
  listeners.add(
    listen(canvas, 'pointermove', (e) => {
      const [sx, sy] = local(e);
      h.hover(sx, sy);
      if (!drag || e.pointerId !== drag.id) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      drag.x = e.clientX;
      drag.y = e.clientY;
      if (dx === 0 && dy === 0) return;
      if (drag.kind === 'pan') h.pan(dx * dpr(), dy * dpr());
      else if (drag.kind === 'window') h.windowDrag(dx, dy);
      else h[drag.kind]('move', sx, sy);
    }),
  );
  const end = (e: PointerEvent) => {
    if (!drag || e.pointerId !== drag.id) return;
    const kind = drag.kind;
    drag = undefined;
    canvas.classList.remove('dragging-pan', 'dragging-window', 'dragging-measure');
    if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
    if (kind === 'measure' || kind === 'box') h[kind]('end');
    h.dragEnd(kind);
  };
  listeners.add(listen(canvas, 'pointerup', end));
  listeners.add(listen(canvas, 'pointercancel', end));
  listeners.add(
    listen(canvas, 'pointerleave', () => {
      if (!drag) h.leave();
    }),
  );
  listeners.add(listen(canvas, 'contextmenu', (e) => e.preventDefault()));
  // Middle-click would otherwise start the browser's autoscroll.
  listeners.add(listen(canvas, 'auxclick', (e) => e.preventDefault()));
  listeners.add(
    listen(canvas, 'dblclick', (e) => {
      e.preventDefault();
      h.fit();
    }),
  );
  listeners.add(
    listen(
      canvas,
      'wheel',
      (e) => {
        e.preventDefault();
        const [sx, sy] = local(e);
        h.zoomAt(wheelFactor(e.deltaY, e.deltaMode), sx, sy);
      },
      { passive: false },
    ),
  );
  return listeners;
}

export function attachKeys(
  a: Actions,
  pan: (dxCss: number, dyCss: number, big: boolean) => void,
  closeHelp: () => boolean,
): IDisposable {
  return listen(document, 'keydown', (e) => {
    if (e.key === 'Escape' && closeHelp()) {
      e.preventDefault();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    const t = e.target as HTMLElement | null;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.isContentEditable))
      return;
    const act: Record<string, () => void> = {
      f: a.fit,
      F: a.fit,
      '1': a.oneToOne,
      '+': () => a.zoomStep(1),
      '=': () => a.zoomStep(1),
      '-': () => a.zoomStep(-1),
      _: () => a.zoomStep(-1),
      i: a.toggleInvert,
      I: a.toggleInvert,
      h: a.toggleOverlay,
      H: a.toggleOverlay,
      r: a.reset,
      R: a.reset,
      w: () => a.cyclePreset(1),
      W: () => a.cyclePreset(-1),
      '?': a.toggleHelp,
      m: () => a.setTool(a.currentTool() === 'measure' ? 'pan' : 'measure'),
      M: () => a.setTool(a.currentTool() === 'measure' ? 'pan' : 'measure'),
      b: () => a.setTool(a.currentTool() === 'box' ? 'pan' : 'box'),
      B: () => a.setTool(a.currentTool() === 'box' ? 'pan' : 'box'),
      // With the box tool, Delete and u act on the box marks (u reaches here only while the labelling keys are off).
      Delete: () => (a.currentTool() === 'box' ? a.deleteBox() : a.deleteMeasurement()),
      Backspace: () => (a.currentTool() === 'box' ? a.deleteBox() : a.deleteMeasurement()),
      u: () => a.currentTool() === 'box' && a.undoBox(),
      U: () => a.currentTool() === 'box' && a.undoBox(),
      ',': () => a.stepFrame(-1),
      '<': () => a.stepFrame(-1),
      '.': () => a.stepFrame(1),
      '>': () => a.stepFrame(1),
      t: a.toggleTagsTab,
      T: a.toggleTagsTab,
      p: a.toggleStrip,
      P: a.toggleStrip,
      ArrowLeft: () => pan(1, 0, e.shiftKey),
      ArrowRight: () => pan(-1, 0, e.shiftKey),
      ArrowUp: () => pan(0, 1, e.shiftKey),
      ArrowDown: () => pan(0, -1, e.shiftKey),
    };
    const f = act[e.key];
    if (!f) return;
    e.preventDefault();
    f();
  });
}
