/**
 * The viewer's toolbar: zoom, the left-drag tool, window/level, the frame selector of multi-frame files,
 * and the panel toggles. Returns the element references the panels update; behaviour goes to Actions.
 */
import { button, h, toggleButton } from './dom';
import type { Actions } from './actions';

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
