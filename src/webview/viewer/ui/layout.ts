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
  ['Drag', 'Pan, window/level in W/L mode, or draw a ruler in Measure mode'],
  ['Right-drag', 'Window/level: horizontal = width, vertical = level'],
  ['Middle-drag, Shift+drag', 'The other drag tool'],
  ['W / Shift+W', 'Next / previous window preset'],
  ['I', 'Invert greyscale'],
  ['R', 'Reset window, inversion and zoom'],
  ['H', 'Show or hide the heatmap'],
  ['M', 'Measure tool on or off (drag a ruler; drag an end to adjust)'],
  ['Delete', 'Remove the last ruler'],
  [', / .', 'Previous / next frame (multi-frame files)'],
  ['T', 'DICOM tags tab'],
  ['P', 'Preprocessing strip'],
  ['?', 'Show or hide this list'],
];

export function buildLayout(root: HTMLElement, a: Actions) {
  const num = (label: string, title: string) =>
    h('input', {
      type: 'text',
      inputmode: 'decimal',
      class: 'num',
      'aria-label': label,
      title,
      spellcheck: 'false',
      autocomplete: 'off',
    });

  // Toolbar
  const fitBtn = button('Fit', 'Fit to window (F)', a.fit);
  const oneBtn = button('1:1', 'One image pixel per screen pixel (1)', a.oneToOne);
  const zoomOut = button('−', 'Zoom out (−)', () => a.zoomStep(-1), 'icon');
  zoomOut.setAttribute('aria-label', 'Zoom out');
  const zoomIn = button('+', 'Zoom in (+)', () => a.zoomStep(1), 'icon');
  zoomIn.setAttribute('aria-label', 'Zoom in');
  const zoomLabel = h(
    'span',
    { class: 'readout zoom', 'aria-label': 'Zoom level', title: 'Screen pixels per image pixel' },
    '—',
  );
  const panTool = toggleButton('Pan', 'Left-drag pans the image', () => a.setTool('pan'));
  const wlTool = toggleButton(
    'W/L',
    'Left-drag adjusts window (horizontal) and level (vertical); right-drag always does',
    () => a.setTool('window'),
  );
  const measureTool = toggleButton('Ruler', 'Measure: left-drag draws a ruler, dragging an end adjusts it (M)', () =>
    a.setTool('measure'),
  );
  const clearMeasures = button('Clear', 'Remove all rulers (Delete removes the last one)', a.clearMeasurements);
  clearMeasures.setAttribute('aria-label', 'Remove all rulers');

  // Frame selector (multi-frame files only)
  const prevFrame = button('‹', 'Previous frame (,)', () => a.stepFrame(-1), 'icon');
  prevFrame.setAttribute('aria-label', 'Previous frame');
  const nextFrame = button('›', 'Next frame (.)', () => a.stepFrame(1), 'icon');
  nextFrame.setAttribute('aria-label', 'Next frame');
  const frameRange = h('input', {
    type: 'range',
    min: '1',
    max: '1',
    step: '1',
    class: 'frame-range',
    'aria-label': 'Frame',
  });
  // Decoding a frame is a round trip to the host: ask on release (or key step), not on every pixel of a drag.
  frameRange.addEventListener('change', () => a.selectFrame(Number(frameRange.value) - 1));
  const frameInput = h('input', {
    type: 'text',
    inputmode: 'numeric',
    class: 'num frame-num',
    'aria-label': 'Frame number',
    title: 'Frame number (Enter to go)',
    spellcheck: 'false',
    autocomplete: 'off',
  });
  const commitFrame = () => {
    const n = Number(frameInput.value.trim());
    if (Number.isInteger(n)) a.selectFrame(n - 1);
    else a.selectFrame(-1);
  };
  frameInput.addEventListener('change', commitFrame);
  frameInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') commitFrame();
  });
  const frameCount = h('span', { class: 'frame-count' });
  const frameBusy = h('span', { class: 'spinner', 'aria-hidden': 'true', hidden: true });
  const frameGroup = h(
    'div',
    { class: 'group frame', role: 'group', 'aria-label': 'Frame', hidden: true },
    h('span', { class: 'numlabel first' }, 'Frame'),
    prevFrame,
    frameRange,
    nextFrame,
    frameInput,
    frameCount,
    frameBusy,
  );
  const presetSelect = h('select', {
    class: 'preset',
    'aria-label': 'Window preset',
    title: 'Window preset (W cycles)',
  });
  presetSelect.addEventListener('change', () => a.choosePreset(presetSelect.value));
  const wInput = num('Window width', 'Window width in modality units');
  const lInput = num('Window level (centre)', 'Window level (centre) in modality units');
  const commitNumbers = () =>
    a.setWindowNumbers(
      Number(lInput.value.trim() === '' ? NaN : lInput.value),
      Number(wInput.value.trim() === '' ? NaN : wInput.value),
    );
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
  const helpBtn = h(
    'button',
    {
      type: 'button',
      class: 'btn icon',
      title: 'Keyboard shortcuts (?)',
      'aria-label': 'Keyboard shortcuts',
      'aria-haspopup': 'dialog',
      'aria-expanded': 'false',
      onclick: () => a.toggleHelp(),
    },
    '?',
  );

  const toolbar = h(
    'div',
    { class: 'toolbar', role: 'toolbar', 'aria-label': 'Viewer controls' },
    h('div', { class: 'group', role: 'group', 'aria-label': 'Zoom' }, fitBtn, oneBtn, zoomOut, zoomLabel, zoomIn),
    h(
      'div',
      { class: 'group', role: 'group', 'aria-label': 'Left-drag tool' },
      panTool,
      wlTool,
      measureTool,
      clearMeasures,
    ),
    h(
      'div',
      { class: 'group', role: 'group', 'aria-label': 'Window' },
      presetSelect,
      h('label', { class: 'numlabel' }, 'W', wInput),
      h('label', { class: 'numlabel' }, 'L', lInput),
      invertBtn,
      resetBtn,
    ),
    frameGroup,
    h('div', { class: 'spacer' }),
    h('div', { class: 'group', role: 'group', 'aria-label': 'Panels' }, heatBtn, panelBtn, helpBtn),
  );

  // Viewport
  const canvas = h('canvas', { class: 'view', tabindex: '0', role: 'img', 'aria-label': 'X-ray image' });
  const loading = h(
    'div',
    { class: 'loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    h('span', { class: 'loading-text' }, 'Loading image…'),
  );
  // A preprocessing step shown large, over the image.
  const stepView = h('div', {
    class: 'step-view',
    hidden: true,
    role: 'dialog',
    'aria-label': 'Preprocessing step',
    tabindex: '-1',
  });
  const viewport = h('div', { class: 'viewport' }, canvas, loading, stepView);

  // Preprocessing strip under the image
  const stripToggle = h('button', {
    type: 'button',
    class: 'strip-toggle',
    'aria-expanded': 'false',
    title: 'Show or hide the preprocessing steps (P)',
    onclick: () => a.toggleStrip(),
  });
  const stripBody = h('div', { class: 'strip-body', role: 'list', 'aria-label': 'Preprocessing steps' });
  const strip = h('section', { class: 'strip', 'aria-label': 'Preprocessing' }, stripToggle, stripBody);
  const stage = h('div', { class: 'stage' }, viewport, strip);

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
  const colormapSelect = h(
    'select',
    { id: 'colormap-select', class: 'grow', 'aria-label': 'Colormap' },
    ...COLORMAPS.map((c) => h('option', { value: c.id }, c.label)),
  );
  colormapSelect.addEventListener('change', () => a.setColormap(colormapSelect.value as Colormap));
  const opacity = h('input', {
    type: 'range',
    id: 'opacity-range',
    min: '0',
    max: '1',
    step: '0.01',
    class: 'grow',
    'aria-label': 'Heatmap opacity',
  });
  const opacityOut = h('output', { for: 'opacity-range', class: 'readout' });
  opacity.addEventListener('input', () => a.setOpacity(Number(opacity.value), false));
  opacity.addEventListener('change', () => a.setOpacity(Number(opacity.value), true));
  const threshold = h('input', {
    type: 'range',
    id: 'threshold-range',
    min: '0',
    max: '1',
    step: '0.01',
    class: 'grow',
    'aria-label': 'Outline threshold (0.5 is the calibrated threshold)',
  });
  const thresholdOut = h('output', { for: 'threshold-range', class: 'readout' });
  threshold.addEventListener('input', () => a.setThreshold(Number(threshold.value), false));
  threshold.addEventListener('change', () => a.setThreshold(Number(threshold.value), true));
  const thresholdReset = button(
    '0.5',
    'Back to the calibrated threshold (0.5)',
    () => a.setThreshold(0.5, true),
    'secondary small',
  );
  thresholdReset.setAttribute('aria-label', 'Reset threshold to 0.5');
  const legend = h('canvas', { class: 'legend', width: '256', height: '14', 'aria-hidden': 'true' });
  const legendMarker = h('div', { class: 'legend-marker', 'aria-hidden': 'true' });
  const legendFloor = h('div', { class: 'legend-floor', 'aria-hidden': 'true' });
  const legendTicks = h(
    'div',
    { class: 'legend-ticks', 'aria-hidden': 'true' },
    h('span', null, '0'),
    h('span', { class: 'mid' }, '0.5 threshold'),
    h('span', null, '1'),
  );
  const legendCaption = h('p', { class: 'legend-caption' });
  const floor = h('input', {
    type: 'range',
    id: 'floor-range',
    min: '0',
    max: '0.9',
    step: '0.01',
    class: 'grow',
    'aria-label': 'Hide map values below',
  });
  const floorOut = h('output', { for: 'floor-range', class: 'readout' });
  floor.addEventListener('input', () => a.setFloor(Number(floor.value), false));
  floor.addEventListener('change', () => a.setFloor(Number(floor.value), true));
  const heatNote = h('p', { class: 'note' });
  const heatControls = h(
    'div',
    { class: 'heat-controls' },
    h('div', { class: 'row' }, overlayCheck, h('label', { for: 'overlay-check', class: 'grow' }, 'Show overlay (H)')),
    h('div', { class: 'row' }, h('label', { for: 'colormap-select', class: 'lbl' }, 'Colours'), colormapSelect),
    h('div', { class: 'row' }, h('label', { for: 'opacity-range', class: 'lbl' }, 'Opacity'), opacity, opacityOut),
    h(
      'div',
      { class: 'row' },
      h(
        'label',
        {
          for: 'floor-range',
          class: 'lbl',
          title: 'Map values below this are not drawn, so normal tissue keeps its own look',
        },
        'Hide below',
      ),
      floor,
      floorOut,
    ),
    h('div', { class: 'legend-wrap' }, legend, legendFloor, legendMarker, legendTicks),
    legendCaption,
    h(
      'div',
      { class: 'row' },
      outlineCheck,
      h('label', { for: 'outline-check', class: 'grow' }, 'Outline regions above'),
    ),
    h(
      'div',
      { class: 'row' },
      h('label', { for: 'threshold-range', class: 'lbl' }, 'Threshold'),
      threshold,
      thresholdOut,
      thresholdReset,
    ),
  );
  const heatSection = h(
    'section',
    { class: 'section', 'aria-labelledby': 'heat-h' },
    h('h2', { id: 'heat-h' }, 'Heatmap'),
    heatNote,
    heatControls,
  );

  // Image section
  const info = h('dl', { class: 'facts' });
  const notices = h('ul', { class: 'notices' });
  const infoSection = h(
    'section',
    { class: 'section', 'aria-labelledby': 'info-h' },
    h('h2', { id: 'info-h' }, 'Image'),
    info,
    notices,
  );

  // DICOM tags tab
  const revealBar = h('div', { class: 'reveal-bar' });
  const tagSearch = h('input', {
    type: 'search',
    id: 'tag-search',
    class: 'tag-search',
    placeholder: 'Search name, tag or value',
    'aria-label': 'Search DICOM attributes',
    spellcheck: 'false',
    autocomplete: 'off',
  });
  tagSearch.addEventListener('input', () => a.searchTags(tagSearch.value));
  tagSearch.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && tagSearch.value) {
      e.stopPropagation();
      tagSearch.value = '';
      a.searchTags('');
    }
  });
  const tagSummary = h('p', { class: 'tag-summary', 'aria-live': 'polite' });
  const tagList = h('ul', { class: 'tag-list', role: 'tree', 'aria-label': 'DICOM attributes' });
  const tagsPane = h(
    'div',
    { class: 'tab-pane tags-pane', id: 'pane-tags', role: 'tabpanel', 'aria-labelledby': 'tab-tags', hidden: true },
    revealBar,
    tagSearch,
    tagSummary,
    tagList,
  );

  const analysisPane = h(
    'div',
    { class: 'tab-pane', id: 'pane-analysis', role: 'tabpanel', 'aria-labelledby': 'tab-analysis' },
    scoreSection,
    heatSection,
    infoSection,
  );
  const tabAnalysis = h(
    'button',
    {
      type: 'button',
      class: 'tab',
      id: 'tab-analysis',
      role: 'tab',
      'aria-controls': 'pane-analysis',
      'aria-selected': 'true',
      onclick: () => a.showTab('analysis'),
    },
    'Analysis',
  );
  const tabTags = h(
    'button',
    {
      type: 'button',
      class: 'tab',
      id: 'tab-tags',
      role: 'tab',
      'aria-controls': 'pane-tags',
      'aria-selected': 'false',
      title: 'DICOM attributes (T)',
      onclick: () => a.showTab('tags'),
    },
    'DICOM tags',
  );
  const tabs = h(
    'div',
    { class: 'tabs', role: 'tablist', 'aria-label': 'Side panel', hidden: true },
    tabAnalysis,
    tabTags,
  );

  const panel = h(
    'aside',
    { class: 'panel', 'aria-label': 'Analysis and image details' },
    tabs,
    analysisPane,
    tagsPane,
  );

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
    h(
      'div',
      { class: 'error-card', role: 'alert' },
      h('div', { class: 'err-icon', 'aria-hidden': 'true' }, '!'),
      h(
        'div',
        { class: 'err-body' },
        errTitle,
        errMessage,
        errHint,
        h('p', { class: 'err-meta' }, 'Code ', errCode),
        errFile,
        errDetails,
      ),
    ),
  );

  // Shortcuts popover
  const help = h(
    'div',
    { class: 'help', role: 'dialog', 'aria-label': 'Keyboard shortcuts', hidden: true, tabindex: '-1' },
    h('h2', null, 'Keyboard and mouse'),
    h('dl', { class: 'keys' }, ...SHORTCUTS.flatMap(([k, d]) => [h('dt', null, h('kbd', null, k)), h('dd', null, d)])),
  );

  const main = h('div', { class: 'main' }, stage, panel);
  const app = h('div', { class: 'app' }, toolbar, main, status, errorCard, help);
  root.replaceChildren(app);

  return {
    app,
    toolbar,
    canvas,
    viewport,
    loading,
    panel,
    status,
    help,
    helpBtn,
    fitBtn,
    oneBtn,
    zoomOut,
    zoomIn,
    zoomLabel,
    panTool,
    wlTool,
    measureTool,
    clearMeasures,
    presetSelect,
    wInput,
    lInput,
    invertBtn,
    resetBtn,
    heatBtn,
    panelBtn,
    frameGroup,
    prevFrame,
    nextFrame,
    frameRange,
    frameInput,
    frameCount,
    frameBusy,
    stage,
    strip,
    stripToggle,
    stripBody,
    stepView,
    tabs,
    tabAnalysis,
    tabTags,
    analysisPane,
    tagsPane,
    revealBar,
    tagSearch,
    tagSummary,
    tagList,
    floor,
    floorOut,
    legendFloor,
    legendCaption,
    modelSelect,
    moreModels,
    scoreBody,
    overlayCheck,
    outlineCheck,
    colormapSelect,
    opacity,
    opacityOut,
    threshold,
    thresholdOut,
    thresholdReset,
    legend,
    legendMarker,
    heatNote,
    heatControls,
    info,
    notices,
    readout,
    wlReadout,
    errorCard,
    errTitle,
    errMessage,
    errHint,
    errCode,
    errFile,
    errDetail,
    errDetails,
  };
}

export type Layout = ReturnType<typeof buildLayout>;
