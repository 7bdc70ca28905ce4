/**
 * Builds the viewer's DOM once: toolbar, canvas viewport, side panel (score, heatmap, image info),
 * status bar, the full-editor error card and the shortcuts popover. Returns the element references the
 * panels update; all behaviour is delegated to Actions.
 */
import type { Colormap } from '../../../protocol/viewer';
import { COLORMAPS } from '../render/colormaps';
import type { Actions } from './actions';
import { button, h, toggleButton } from './dom';

export const SHORTCUTS: ReadonlyArray<[string, string]> = [
  ['F or double-click', 'Fit to window'],
  ['1', 'One image pixel per screen pixel (1:1)'],
  ['+ / −  or wheel', 'Zoom in / out (wheel zooms at the cursor)'],
  ['Arrow keys', 'Pan (Shift: larger steps)'],
  ['Drag', 'Pan, or window/level in W/L mode'],
  ['Right-drag', 'Window/level: horizontal = width, vertical = level'],
  ['Middle-drag, Shift+drag', 'The other drag tool'],
  ['W / Shift+W', 'Next / previous window preset'],
  ['I', 'Invert greyscale'],
  ['R', 'Reset window, inversion and zoom'],
  ['H', 'Show or hide the heatmap'],
  ['?', 'Show or hide this list'],
];

export function buildLayout(root: HTMLElement, a: Actions) {
  const num = (label: string, title: string) => h('input', { type: 'text', inputmode: 'decimal', class: 'num', 'aria-label': label, title, spellcheck: 'false', autocomplete: 'off' });

  // Toolbar
  const fitBtn = button('Fit', 'Fit to window (F)', a.fit);
  const oneBtn = button('1:1', 'One image pixel per screen pixel (1)', a.oneToOne);
  const zoomOut = button('−', 'Zoom out (−)', () => a.zoomStep(-1), 'icon');
  zoomOut.setAttribute('aria-label', 'Zoom out');
  const zoomIn = button('+', 'Zoom in (+)', () => a.zoomStep(1), 'icon');
  zoomIn.setAttribute('aria-label', 'Zoom in');
  const zoomLabel = h('span', { class: 'readout zoom', 'aria-label': 'Zoom level', title: 'Screen pixels per image pixel' }, '—');
  const panTool = toggleButton('Pan', 'Left-drag pans the image', () => a.setTool('pan'));
  const wlTool = toggleButton('W/L', 'Left-drag adjusts window (horizontal) and level (vertical); right-drag always does', () => a.setTool('window'));
  const presetSelect = h('select', { class: 'preset', 'aria-label': 'Window preset', title: 'Window preset (W cycles)' });
  presetSelect.addEventListener('change', () => a.choosePreset(presetSelect.value));
  const wInput = num('Window width', 'Window width in modality units');
  const lInput = num('Window level (centre)', 'Window level (centre) in modality units');
  const commitNumbers = () => a.setWindowNumbers(Number(lInput.value.trim() === '' ? NaN : lInput.value), Number(wInput.value.trim() === '' ? NaN : wInput.value));
  for (const inp of [wInput, lInput]) {
    inp.addEventListener('change', commitNumbers);
    inp.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') commitNumbers();
    });
  }
  const invertBtn = toggleButton('Invert', 'Invert greyscale (I)', a.toggleInvert);
  const resetBtn = button('Reset', 'Reset window, inversion and zoom (R)', a.reset);
  const heatBtn = toggleButton('Heatmap', 'Show or hide the heatmap overlay (H)', a.toggleOverlay);
  const panelBtn = toggleButton('Panel', 'Show or hide the side panel', a.togglePanel);
  const helpBtn = h('button', { type: 'button', class: 'btn icon', title: 'Keyboard shortcuts (?)', 'aria-label': 'Keyboard shortcuts', 'aria-haspopup': 'dialog', 'aria-expanded': 'false', onclick: () => a.toggleHelp() }, '?');

  const toolbar = h(
    'div',
    { class: 'toolbar', role: 'toolbar', 'aria-label': 'Viewer controls' },
    h('div', { class: 'group', role: 'group', 'aria-label': 'Zoom' }, fitBtn, oneBtn, zoomOut, zoomLabel, zoomIn),
    h('div', { class: 'group', role: 'group', 'aria-label': 'Left-drag tool' }, panTool, wlTool),
    h('div', { class: 'group', role: 'group', 'aria-label': 'Window' }, presetSelect, h('label', { class: 'numlabel' }, 'W', wInput), h('label', { class: 'numlabel' }, 'L', lInput), invertBtn, resetBtn),
    h('div', { class: 'spacer' }),
    h('div', { class: 'group', role: 'group', 'aria-label': 'Panels' }, heatBtn, panelBtn, helpBtn),
  );

  // Viewport
  const canvas = h('canvas', { class: 'view', tabindex: '0', role: 'img', 'aria-label': 'X-ray image' });
  const loading = h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', { class: 'loading-text' }, 'Loading image…'));
  const viewport = h('div', { class: 'viewport' }, canvas, loading);

  // Score section
  const modelSelect = h('select', { id: 'model-select', class: 'grow', 'aria-label': 'Model' });
  modelSelect.addEventListener('change', () => a.selectModel(modelSelect.value));
  const moreModels = button('More models…', 'Choose a model from a folder or the model list', a.pickModel, 'secondary');
  const scoreBody = h('div', { class: 'score-body', 'aria-live': 'polite' });
  const scoreSection = h(
    'section',
    { class: 'section', 'aria-labelledby': 'score-h' },
    h('h2', { id: 'score-h' }, 'Anomaly score'),
    h('div', { class: 'row' }, h('label', { for: 'model-select', class: 'lbl' }, 'Model'), modelSelect),
    h('div', { class: 'row end' }, moreModels),
    scoreBody,
  );

  // Heatmap section
  const overlayCheck = h('input', { type: 'checkbox', id: 'overlay-check' });
  overlayCheck.addEventListener('change', () => a.toggleOverlay());
  const outlineCheck = h('input', { type: 'checkbox', id: 'outline-check' });
  outlineCheck.addEventListener('change', () => a.setOutline(outlineCheck.checked));
  const colormapSelect = h('select', { id: 'colormap-select', class: 'grow', 'aria-label': 'Colormap' }, ...COLORMAPS.map((c) => h('option', { value: c.id }, c.label)));
  colormapSelect.addEventListener('change', () => a.setColormap(colormapSelect.value as Colormap));
  const opacity = h('input', { type: 'range', id: 'opacity-range', min: '0', max: '1', step: '0.01', class: 'grow', 'aria-label': 'Heatmap opacity' });
  const opacityOut = h('output', { for: 'opacity-range', class: 'readout' });
  opacity.addEventListener('input', () => a.setOpacity(Number(opacity.value), false));
  opacity.addEventListener('change', () => a.setOpacity(Number(opacity.value), true));
  const threshold = h('input', { type: 'range', id: 'threshold-range', min: '0', max: '1', step: '0.01', class: 'grow', 'aria-label': 'Outline threshold (0.5 is the calibrated threshold)' });
  const thresholdOut = h('output', { for: 'threshold-range', class: 'readout' });
  threshold.addEventListener('input', () => a.setThreshold(Number(threshold.value), false));
  threshold.addEventListener('change', () => a.setThreshold(Number(threshold.value), true));
  const thresholdReset = button('0.5', 'Back to the calibrated threshold (0.5)', () => a.setThreshold(0.5, true), 'secondary small');
  thresholdReset.setAttribute('aria-label', 'Reset threshold to 0.5');
  const legend = h('canvas', { class: 'legend', width: '256', height: '14', 'aria-hidden': 'true' });
  const legendMarker = h('div', { class: 'legend-marker', 'aria-hidden': 'true' });
  const legendTicks = h('div', { class: 'legend-ticks', 'aria-hidden': 'true' }, h('span', null, '0'), h('span', { class: 'mid' }, '0.5 threshold'), h('span', null, '1'));
  const heatNote = h('p', { class: 'note' });
  const heatControls = h(
    'div',
    { class: 'heat-controls' },
    h('div', { class: 'row' }, overlayCheck, h('label', { for: 'overlay-check', class: 'grow' }, 'Show overlay (H)')),
    h('div', { class: 'row' }, h('label', { for: 'colormap-select', class: 'lbl' }, 'Colours'), colormapSelect),
    h('div', { class: 'row' }, h('label', { for: 'opacity-range', class: 'lbl' }, 'Opacity'), opacity, opacityOut),
    h('div', { class: 'legend-wrap' }, legend, legendMarker, legendTicks),
    h('div', { class: 'row' }, outlineCheck, h('label', { for: 'outline-check', class: 'grow' }, 'Outline regions above')),
    h('div', { class: 'row' }, h('label', { for: 'threshold-range', class: 'lbl' }, 'Threshold'), threshold, thresholdOut, thresholdReset),
  );
  const heatSection = h('section', { class: 'section', 'aria-labelledby': 'heat-h' }, h('h2', { id: 'heat-h' }, 'Heatmap'), heatNote, heatControls);

  // Image section
  const info = h('dl', { class: 'facts' });
  const notices = h('ul', { class: 'notices' });
  const infoSection = h('section', { class: 'section', 'aria-labelledby': 'info-h' }, h('h2', { id: 'info-h' }, 'Image'), info, notices);

  const panel = h('aside', { class: 'panel', 'aria-label': 'Analysis and image details' }, scoreSection, heatSection, infoSection);

  // Status bar
  const readout = h('span', { class: 'readout cursor', 'aria-live': 'off' }, '');
  const wlReadout = h('span', { class: 'readout' });
  const status = h('div', { class: 'statusbar' }, readout, h('span', { class: 'spacer' }), wlReadout);

  // Error card (image errors replace the whole editor)
  const errTitle = h('h1', { class: 'err-title' });
  const errMessage = h('p', { class: 'err-message' });
  const errHint = h('p', { class: 'err-hint' });
  const errCode = h('code', { class: 'err-code' });
  const errFile = h('p', { class: 'err-file' });
  const errDetail = h('pre', { class: 'err-detail' });
  const errDetails = h('details', { class: 'err-details' }, h('summary', null, 'Technical detail'), errDetail);
  const errorCard = h(
    'div',
    { class: 'error-screen', hidden: true },
    h('div', { class: 'error-card', role: 'alert' }, h('div', { class: 'err-icon', 'aria-hidden': 'true' }, '!'), h('div', { class: 'err-body' }, errTitle, errMessage, errHint, h('p', { class: 'err-meta' }, 'Code ', errCode), errFile, errDetails)),
  );

  // Shortcuts popover
  const help = h(
    'div',
    { class: 'help', role: 'dialog', 'aria-label': 'Keyboard shortcuts', hidden: true, tabindex: '-1' },
    h('h2', null, 'Keyboard and mouse'),
    h('dl', { class: 'keys' }, ...SHORTCUTS.flatMap(([k, d]) => [h('dt', null, h('kbd', null, k)), h('dd', null, d)])),
  );

  const main = h('div', { class: 'main' }, viewport, panel);
  const app = h('div', { class: 'app' }, toolbar, main, status, errorCard, help);
  root.replaceChildren(app);

  return {
    app, toolbar, canvas, viewport, loading, panel, status, help, helpBtn,
    fitBtn, oneBtn, zoomOut, zoomIn, zoomLabel, panTool, wlTool, presetSelect, wInput, lInput, invertBtn, resetBtn, heatBtn, panelBtn,
    modelSelect, moreModels, scoreBody,
    overlayCheck, outlineCheck, colormapSelect, opacity, opacityOut, threshold, thresholdOut, thresholdReset, legend, legendMarker, heatNote, heatControls,
    info, notices, readout, wlReadout,
    errorCard, errTitle, errMessage, errHint, errCode, errFile, errDetail, errDetails,
  };
}

export type Layout = ReturnType<typeof buildLayout>;
