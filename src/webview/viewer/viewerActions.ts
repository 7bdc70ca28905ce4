/**
 * What the toolbar, panels and keys can ask the viewer to do (ui/actions.ts), as state changes plus the
 * host notifications some of them mean. Arrow properties, so the controls can hold them unbound.
 */
import type { ViewerSettings, ViewerToHostNotifications } from '../../protocol/viewer';
import type { BoxTool } from './boxTool';
import type { MeasureTool } from './measureTool';
import { resetWindow } from './messages';
import { sanitizeSettings, type PanelTab, type Tool } from './persist';
import type { ViewerStore } from './store';
import type { ViewerAction } from './types';
import type { Actions } from './ui/actions';
import type { ViewControl } from './viewControl';
import { adjusted } from './windowing';

export interface ActionDeps {
  store: ViewerStore;
  view: ViewControl;
  measure: MeasureTool;
  box: BoxTool;
  help: { toggle(): void };
  notify<K extends keyof ViewerToHostNotifications & string>(type: K, params: ViewerToHostNotifications[K]): void;
  /** Focus moves that follow an action (after the redraw the action asked for). */
  focus: {
    tagSearch(): void;
    /** The tag search box shows `query` (an action that did not come from typing in it). */
    setTagSearch(query: string): void;
    /** The expand toggle of a tag row, when a toggle had focus before the list was rebuilt. */
    tagRowToggle(id: string): void;
    stepView(): void;
  };
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

export class ViewerActions implements Actions {
  private readonly store: ViewerStore;

  constructor(private readonly deps: ActionDeps) {
    this.store = deps.store;
  }

  private get state() {
    return this.store.state;
  }

  /** A setting changed: a slider while dragged (`commit` false) changes the view, on release the host's default too. */
  private setSetting<K extends keyof ViewerSettings>(key: K, value: ViewerSettings[K], commit: boolean): void {
    this.store.update((s) => void (s.settings = { ...s.settings, [key]: value }), {
      redraw: 'all',
      save: true,
      settings: commit ? { [key]: value } : undefined,
    });
  }

  // ---- view and window

  fit = (): void => this.deps.view.fit();
  oneToOne = (): void => this.deps.view.oneToOne();
  zoomStep = (dir: 1 | -1): void => this.deps.view.zoomStep(dir);

  setTool = (tool: Tool): void => this.store.update((s) => void (s.tool = tool), { redraw: 'bar', save: true });
  currentTool = (): Tool => this.state.tool;

  choosePreset = (id: string): void => {
    const option = this.state.loaded?.options.find((o) => o.id === id);
    if (!option) return;
    this.store.update(
      (s) => {
        s.window = option.window;
        s.windowId = option.id;
      },
      { redraw: 'bar', save: true },
    );
  };

  cyclePreset = (dir: 1 | -1): void => {
    const options = this.state.loaded?.options ?? [];
    if (options.length === 0) return;
    const i = options.findIndex((o) => o.id === this.state.windowId);
    const next = i < 0 ? (dir > 0 ? 0 : options.length - 1) : (i + dir + options.length) % options.length;
    this.choosePreset(options[next].id);
  };

  setWindowNumbers = (center: number, width: number): void => {
    const w = this.state.window;
    // Unusable numbers: redrawing puts the valid ones back into the fields.
    if (!w || !Number.isFinite(center) || !Number.isFinite(width) || width <= 0)
      return this.store.touch({ redraw: 'all' });
    this.store.update(
      (s) => {
        s.window = adjusted(w, center, width);
        s.windowId = 'custom';
      },
      { redraw: 'bar', save: true },
    );
  };

  toggleInvert = (): void => {
    if (!this.state.loaded) return;
    this.store.update((s) => void (s.invert = !s.invert), { redraw: 'bar', save: true });
  };

  reset = (): void => {
    if (!this.state.loaded) return;
    this.store.update(resetWindow, { redraw: 'bar', save: true });
    this.fit();
  };

  // ---- heatmap

  toggleOverlay = (): void => {
    if (!this.state.analysis?.heat) return;
    this.store.update((s) => void (s.overlayVisible = !s.overlayVisible), { redraw: 'all', save: true });
  };

  setOpacity = (v: number, commit: boolean): void => this.setSetting('heatmapOpacity', clamp01(v), commit);
  setThreshold = (v: number, commit: boolean): void => this.setSetting('threshold', clamp01(v), commit);
  setFloor = (v: number, commit: boolean): void => this.setSetting('heatmapFloor', clamp01(v), commit);

  setColormap = (c: ViewerSettings['colormap']): void => {
    const colormap = sanitizeSettings({ ...this.state.settings, colormap: c }, this.state.settings).colormap;
    this.setSetting('colormap', colormap, true);
  };

  setOutline = (on: boolean): void => this.store.update((s) => void (s.outline = on), { redraw: 'all', save: true });

  // ---- model and analysis

  selectModel = (id: string): void => {
    if (!id || id === this.state.selectedId) return;
    this.store.update((s) => void (s.selectedId = id), { redraw: 'all', save: true });
    this.deps.notify('selectModel', { modelId: id });
  };

  pickModel = (): void => this.deps.notify('pickModel', {});

  reanalyze = (): void => {
    this.deps.notify('reanalyze', {});
    this.store.update((s) => void (s.analysisError = undefined), { redraw: 'all', save: true });
  };

  // ---- panels and help

  togglePanel = (): void => this.store.update((s) => void (s.panelOpen = !s.panelOpen), { redraw: 'all', save: true });
  toggleHelp = (): void => this.deps.help.toggle();

  showTab = (tab: PanelTab): void => {
    if (tab === 'tags' && !this.state.tags) return;
    this.store.update(
      (s) => {
        s.panelTab = tab;
        s.panelOpen = true;
      },
      { redraw: 'all', save: true },
    );
  };

  toggleTagsTab = (): void => {
    if (!this.state.tags) return;
    this.showTab(this.state.panelTab === 'tags' && this.state.panelOpen ? 'analysis' : 'tags');
    if (this.state.panelTab === 'tags') this.deps.focus.tagSearch();
  };

  searchTags = (query: string): void => {
    this.store.update((s) => void (s.tagQuery = query), { redraw: 'all' });
    this.deps.focus.setTagSearch(query);
  };

  toggleTagRow = (id: string): void => {
    this.store.update(
      (s) => {
        // A new Set, so the panel sees the change.
        const expanded = new Set(s.tagExpanded);
        if (expanded.has(id)) expanded.delete(id);
        else expanded.add(id);
        s.tagExpanded = expanded;
      },
      { redraw: 'all' },
    );
    this.deps.focus.tagRowToggle(id);
  };

  revealPatientData = (reveal: boolean): void => this.deps.notify('revealPatientData', { reveal });
  copyText = (text: string, what: string): void => this.deps.notify('copyText', { text, what });

  // ---- rulers

  deleteMeasurement = (): void => this.deps.measure.deleteLast();
  clearMeasurements = (): void => this.deps.measure.clear();

  // ---- box marks

  deleteBox = (): void => this.deps.box.deleteBox();
  undoBox = (): void => this.deps.box.undo();

  /** A drag between two image points with the box tool, through the view as the pointer's would go. */
  private dragBox(from: [number, number], to: [number, number]): void {
    const [ax, ay] = this.deps.view.screenOf(Number(from[0]), Number(from[1]));
    const [bx, by] = this.deps.view.screenOf(Number(to[0]), Number(to[1]));
    const box = this.deps.box;
    box.gesture('start', ax, ay);
    box.gesture('move', (ax + bx) / 2, (ay + by) / 2);
    box.gesture('move', bx, by);
    box.gesture('end');
  }

  // ---- frames

  selectFrame = (frame: number): void => {
    const f = this.state.loaded?.image.frame;
    if (!f || f.count < 2) return;
    // Out of range: redrawing puts the current frame number back into the field.
    if (!Number.isInteger(frame) || frame < 0 || frame >= f.count) return this.store.touch({ redraw: 'bar' });
    if (frame === (this.state.frameLoading ?? f.index)) return;
    this.store.update((s) => void (s.frameLoading = frame === f.index ? undefined : frame), { redraw: 'bar' });
    this.deps.notify('selectFrame', { frame });
  };

  stepFrame = (dir: 1 | -1): void => {
    const f = this.state.loaded?.image.frame;
    if (!f || f.count < 2) return;
    const next = (this.state.frameLoading ?? f.index) + dir;
    if (next >= 0 && next < f.count) this.selectFrame(next);
  };

  // ---- preprocessing strip

  toggleStrip = (): void => {
    if (!this.state.loaded) return;
    this.store.update(
      (s) => {
        s.stripOpen = !s.stripOpen;
        if (!s.stripOpen) s.previewStep = null;
      },
      { redraw: 'all', save: true },
    );
    this.deps.notify('previewWanted', { open: this.state.stripOpen });
  };

  openPreviewStep = (index: number | null): void => {
    const n = this.state.preview?.steps?.length ?? 0;
    const step = index !== null && Number.isInteger(index) && index >= 0 && index < n ? index : null;
    this.store.update((s) => void (s.previewStep = step), { redraw: 'all' });
    if (step !== null) this.deps.focus.stepView();
  };

  /** Escape: closes the step shown large, if any. */
  closeStepView = (): boolean => {
    if (this.state.previewStep === null) return false;
    this.openPreviewStep(null);
    return true;
  };

  /** Diagnostics and tests (`act` requests): the same paths the controls take. */
  act = (a: ViewerAction): void => {
    switch (a?.action) {
      case 'revealPatientData':
        return this.revealPatientData(Boolean(a.reveal));
      case 'searchTags':
        return this.searchTags(String(a.query ?? ''));
      case 'showTab':
        return this.showTab(a.tab === 'tags' ? 'tags' : 'analysis');
      case 'selectFrame':
        return this.selectFrame(Number(a.frame));
      case 'setStripOpen':
        if (Boolean(a.open) !== this.state.stripOpen) this.toggleStrip();
        return;
      case 'openPreviewStep':
        return this.openPreviewStep(a.index === null ? null : Number(a.index));
      case 'measure':
        return this.deps.measure.add(a.from, a.to);
      case 'setTool':
        return this.setTool(a.tool === 'window' || a.tool === 'measure' || a.tool === 'box' ? a.tool : 'pan');
      case 'drawBox':
        return this.dragBox(a.from, a.to);
      case 'deleteBox':
        if (a.at) this.dragBox(a.at, a.at);
        return this.deleteBox();
      case 'zoomPan': {
        const v = this.deps.view;
        v.zoomStepBy(Number(a.factor) || 1);
        return v.pan(Number(a.dx) || 0, Number(a.dy) || 0);
      }
      default:
        throw new Error(`unknown viewer action ${JSON.stringify((a as { action?: unknown })?.action)}`);
    }
  };
}
