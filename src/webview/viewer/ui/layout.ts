/**
 * Builds the viewer's DOM once: toolbar, canvas viewport, side panel (score, heatmap, image info),
 * status bar, the full-editor error card and the shortcuts popover. Returns the element references the
 * panels update; all behaviour is delegated to Actions.
 */
import type { Actions } from './actions';
import { h } from './dom';
import { buildSidePanel } from './sidePanel';
import { buildToolbar } from './toolbar';
import { l10n } from '../../shared/l10n';

export const SHORTCUTS: ReadonlyArray<[string, string]> = [
  [l10n.t('F or double-click'), l10n.t('Fit to window')],
  ['1', l10n.t('One image pixel per screen pixel (1:1); labels normal for an image in a workspace folder')],
  [l10n.t('1 / 2 / 3 / 0, N, U'), l10n.t('Label normal / abnormal / unsure / clear, note, undo (active label set)')],
  [l10n.t('+ / −  or wheel'), l10n.t('Zoom in / out (wheel zooms at the cursor)')],
  [l10n.t('Arrow keys'), l10n.t('Pan (Shift: larger steps)')],
  [l10n.t('Drag'), l10n.t('Pan, window/level in W/L mode, or draw a ruler in Measure mode')],
  [l10n.t('Right-drag'), l10n.t('Window/level: horizontal = width, vertical = level')],
  [l10n.t('Middle-drag, Shift+drag'), l10n.t('The other drag tool')],
  [l10n.t('W / Shift+W'), l10n.t('Next / previous window preset')],
  ['I', l10n.t('Invert greyscale')],
  ['R', l10n.t('Reset window, inversion and zoom')],
  ['H', l10n.t('Show or hide the heatmap')],
  ['M', l10n.t('Measure tool on or off (drag a ruler; drag an end to adjust)')],
  [l10n.t('Delete'), l10n.t('Remove the last ruler')],
  ['B', l10n.t('Box tool on or off: drag a box mark, saved with the label (Delete removes the picked one, U undoes)')],
  [', / .', l10n.t('Previous / next frame (multi-frame files)')],
  ['T', l10n.t('DICOM tags tab')],
  ['P', l10n.t('Preprocessing strip')],
  ['?', l10n.t('Show or hide this list')],
];

export function buildLayout(root: HTMLElement, a: Actions) {
  const bar = buildToolbar(a);
  const side = buildSidePanel(a);
  const { toolbar } = bar;
  const { panel } = side;

  // Viewport
  const canvas = h('canvas', { class: 'view', tabindex: '0', role: 'img', 'aria-label': l10n.t('X-ray image') });
  const loading = h(
    'div',
    { class: 'loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    h('span', { class: 'loading-text' }, l10n.t('Loading image…')),
  );
  // A preprocessing step shown large, over the image.
  const stepView = h('div', {
    class: 'step-view',
    hidden: true,
    role: 'dialog',
    'aria-label': l10n.t('Preprocessing step'),
    tabindex: '-1',
  });
  const viewport = h('div', { class: 'viewport' }, canvas, loading, stepView);

  // Preprocessing strip under the image
  const stripToggle = h('button', {
    type: 'button',
    class: 'strip-toggle',
    'aria-expanded': 'false',
    title: l10n.t('Show or hide the preprocessing steps (P)'),
    onclick: () => a.toggleStrip(),
  });
  const stripBody = h('div', { class: 'strip-body', role: 'list', 'aria-label': l10n.t('Preprocessing steps') });
  const strip = h('section', { class: 'strip', 'aria-label': l10n.t('Preprocessing') }, stripToggle, stripBody);
  const stage = h('div', { class: 'stage' }, viewport, strip);

  // Status bar
  const readout = h('span', { class: 'readout cursor', 'aria-live': 'off' }, '');
  const wlReadout = h('span', { class: 'readout' });
  const status = h('div', { class: 'statusbar' }, readout, h('span', { class: 'spacer' }), wlReadout);

  // Error card (image errors replace the whole editor)
  const errTitle = h('h1', { class: 'err-title' });
  // The message comes from the decoder or engine (English by design, see README "Translations").
  const errMessage = h('p', { class: 'err-message', translate: 'no' });
  const errHint = h('p', { class: 'err-hint' });
  const errCode = h('code', { class: 'err-code', translate: 'no' });
  const errFile = h('p', { class: 'err-file', translate: 'no' });
  const errDetail = h('pre', { class: 'err-detail', translate: 'no' });
  const errDetails = h('details', { class: 'err-details' }, h('summary', null, l10n.t('Technical detail')), errDetail);
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
        h('p', { class: 'err-meta' }, l10n.t('Code'), ' ', errCode),
        errFile,
        errDetails,
      ),
    ),
  );

  // Shortcuts popover
  const help = h(
    'div',
    { class: 'help', role: 'dialog', 'aria-label': l10n.t('Keyboard shortcuts'), hidden: true, tabindex: '-1' },
    h('h2', null, l10n.t('Keyboard and mouse')),
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
