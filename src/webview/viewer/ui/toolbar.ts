/**
 * The viewer's toolbar: zoom, the left-drag tool, window/level, the frame selector of multi-frame files,
 * and the panel toggles. Returns the element references the panels update; behaviour goes to Actions.
 */
import { button, h, toggleButton } from './dom';
import type { Actions } from './actions';
import { l10n } from '../../shared/l10n';

export function buildToolbar(a: Actions) {
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
  const fitBtn = button(l10n.t('Fit'), l10n.t('Fit to window (F)'), a.fit);
  const oneBtn = button('1:1', l10n.t('One image pixel per screen pixel (1)'), a.oneToOne);
  const zoomOut = button('−', l10n.t('Zoom out (−)'), () => a.zoomStep(-1), 'icon');
  zoomOut.setAttribute('aria-label', l10n.t('Zoom out'));
  const zoomIn = button('+', l10n.t('Zoom in (+)'), () => a.zoomStep(1), 'icon');
  zoomIn.setAttribute('aria-label', l10n.t('Zoom in'));
  const zoomLabel = h(
    'span',
    { class: 'readout zoom', 'aria-label': l10n.t('Zoom level'), title: l10n.t('Screen pixels per image pixel') },
    '—',
  );
  const panTool = toggleButton(l10n.t('Pan'), l10n.t('Left-drag pans the image'), () => a.setTool('pan'));
  const wlTool = toggleButton(
    l10n.t('W/L'),
    l10n.t('Left-drag adjusts window (horizontal) and level (vertical); right-drag always does'),
    () => a.setTool('window'),
  );
  const measureTool = toggleButton(
    l10n.t('Ruler'),
    l10n.t('Measure: left-drag draws a ruler, dragging an end adjusts it (M)'),
    () => a.setTool('measure'),
  );
  const clearMeasures = button(
    l10n.t('Clear'),
    l10n.t('Remove all rulers (Delete removes the last one)'),
    a.clearMeasurements,
  );
  clearMeasures.setAttribute('aria-label', l10n.t('Remove all rulers'));
  const boxTool = toggleButton(
    l10n.t('Box'),
    l10n.t(
      "Box marks: left-drag draws a box saved with the image's label, a click picks one, Delete removes it, U undoes (B)",
    ),
    () => a.setTool('box'),
  );

  // Frame selector (multi-frame files only)
  const prevFrame = button('‹', l10n.t('Previous frame (,)'), () => a.stepFrame(-1), 'icon');
  prevFrame.setAttribute('aria-label', l10n.t('Previous frame'));
  const nextFrame = button('›', l10n.t('Next frame (.)'), () => a.stepFrame(1), 'icon');
  nextFrame.setAttribute('aria-label', l10n.t('Next frame'));
  const frameRange = h('input', {
    type: 'range',
    min: '1',
    max: '1',
    step: '1',
    class: 'frame-range',
    'aria-label': l10n.t('Frame'),
  });
  // Decoding a frame is a round trip to the host: ask on release (or key step), not on every pixel of a drag.
  frameRange.addEventListener('change', () => a.selectFrame(Number(frameRange.value) - 1));
  const frameInput = h('input', {
    type: 'text',
    inputmode: 'numeric',
    class: 'num frame-num',
    'aria-label': l10n.t('Frame number'),
    title: l10n.t('Frame number (Enter to go)'),
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
    { class: 'group frame', role: 'group', 'aria-label': l10n.t('Frame'), hidden: true },
    h('span', { class: 'numlabel first' }, l10n.t('Frame')),
    prevFrame,
    frameRange,
    nextFrame,
    frameInput,
    frameCount,
    frameBusy,
  );
  const presetSelect = h('select', {
    class: 'preset',
    'aria-label': l10n.t('Window preset'),
    title: l10n.t('Window preset (W cycles)'),
  });
  presetSelect.addEventListener('change', () => a.choosePreset(presetSelect.value));
  const wInput = num(l10n.t('Window width'), l10n.t('Window width in modality units'));
  const lInput = num(l10n.t('Window level (centre)'), l10n.t('Window level (centre) in modality units'));
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
  const invertBtn = toggleButton(l10n.t('Invert'), l10n.t('Invert greyscale (I)'), a.toggleInvert);
  const resetBtn = button(l10n.t('Reset'), l10n.t('Reset window, inversion and zoom (R)'), a.reset);
  const heatBtn = toggleButton(l10n.t('Heatmap'), l10n.t('Show or hide the heatmap overlay (H)'), a.toggleOverlay);
  const panelBtn = toggleButton(l10n.t('Panel'), l10n.t('Show or hide the side panel'), a.togglePanel);
  const helpBtn = h(
    'button',
    {
      type: 'button',
      class: 'btn icon',
      title: l10n.t('Keyboard shortcuts (?)'),
      'aria-label': l10n.t('Keyboard shortcuts'),
      'aria-haspopup': 'dialog',
      'aria-expanded': 'false',
      onclick: () => a.toggleHelp(),
    },
    '?',
  );

  const toolbar = h(
    'div',
    { class: 'toolbar', role: 'toolbar', 'aria-label': l10n.t('Viewer controls') },
    h(
      'div',
      { class: 'group', role: 'group', 'aria-label': l10n.t('Zoom') },
      fitBtn,
      oneBtn,
      zoomOut,
      zoomLabel,
      zoomIn,
    ),
    h(
      'div',
      { class: 'group', role: 'group', 'aria-label': l10n.t('Left-drag tool') },
      panTool,
      wlTool,
      measureTool,
      clearMeasures,
      boxTool,
    ),
    h(
      'div',
      { class: 'group', role: 'group', 'aria-label': l10n.t('Window') },
      presetSelect,
      h('label', { class: 'numlabel' }, l10n.t('W'), wInput),
      h('label', { class: 'numlabel' }, l10n.t('L'), lInput),
      invertBtn,
      resetBtn,
    ),
    frameGroup,
    h('div', { class: 'spacer' }),
    h('div', { class: 'group', role: 'group', 'aria-label': l10n.t('Panels') }, heatBtn, panelBtn, helpBtn),
  );

  return {
    toolbar,
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
    boxTool,
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
  };
}

export type ToolbarParts = ReturnType<typeof buildToolbar>;
