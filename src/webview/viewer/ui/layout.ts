/**
 * Builds the viewer's DOM once: toolbar, canvas viewport, side panel (score, heatmap, image info),
 * status bar, the full-editor error card and the shortcuts popover. Returns the element references the
 * panels update; all behaviour is delegated to Actions.
 */
import type { Actions } from './actions';
import { h } from './dom';
import { buildSidePanel } from './sidePanel';
import { buildToolbar } from './toolbar';

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
  const bar = buildToolbar(a);
  const side = buildSidePanel(a);
  const { toolbar } = bar;
  const { panel } = side;

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
    ...bar,
    ...side,
    app,
    canvas,
    viewport,
    loading,
    status,
    help,
    stage,
    strip,
    stripToggle,
    stripBody,
    stepView,
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
