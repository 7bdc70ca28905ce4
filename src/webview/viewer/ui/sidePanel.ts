/**
 * The viewer's side panel: the analysis tab (score and model, heatmap controls with their legend, image
 * facts) and the DICOM tags tab. Returns the element references the panels update; behaviour goes to
 * Actions.
 */
import type { Colormap } from '../../../protocol/viewer';
import { COLORMAPS } from '../render/colormaps';
import type { Actions } from './actions';
import { button, h } from './dom';
import { l10n } from '../../shared/l10n';

export function buildSidePanel(a: Actions) {
  // Score section
  const modelSelect = h('select', { id: 'model-select', class: 'grow', 'aria-label': l10n.t('Model') });
  modelSelect.addEventListener('change', () => a.selectModel(modelSelect.value));
  const moreModels = button(
    l10n.t('More models…'),
    l10n.t('Choose a model from a folder or the model list'),
    a.pickModel,
    'secondary',
  );
  const scoreBody = h('div', { class: 'score-body', 'aria-live': 'polite' });
  const scoreSection = h(
    'section',
    { class: 'section', 'aria-labelledby': 'score-h' },
    h('h2', { id: 'score-h' }, l10n.t('Anomaly score')),
    h('div', { class: 'row' }, h('label', { for: 'model-select', class: 'lbl' }, l10n.t('Model')), modelSelect),
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
    { id: 'colormap-select', class: 'grow', 'aria-label': l10n.t('Colormap') },
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
    'aria-label': l10n.t('Heatmap opacity'),
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
    'aria-label': l10n.t('Outline threshold (0.5 is the calibrated threshold)'),
  });
  const thresholdOut = h('output', { for: 'threshold-range', class: 'readout' });
  threshold.addEventListener('input', () => a.setThreshold(Number(threshold.value), false));
  threshold.addEventListener('change', () => a.setThreshold(Number(threshold.value), true));
  const thresholdReset = button(
    '0.5',
    l10n.t('Back to the calibrated threshold (0.5)'),
    () => a.setThreshold(0.5, true),
    'secondary small',
  );
  thresholdReset.setAttribute('aria-label', l10n.t('Reset threshold to 0.5'));
  const legend = h('canvas', { class: 'legend', width: '256', height: '14', 'aria-hidden': 'true' });
  const legendMarker = h('div', { class: 'legend-marker', 'aria-hidden': 'true' });
  const legendFloor = h('div', { class: 'legend-floor', 'aria-hidden': 'true' });
  const legendTicks = h(
    'div',
    { class: 'legend-ticks', 'aria-hidden': 'true' },
    h('span', null, '0'),
    h('span', { class: 'mid' }, l10n.t('{0} threshold', '0.5')),
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
    'aria-label': l10n.t('Hide map values below'),
  });
  const floorOut = h('output', { for: 'floor-range', class: 'readout' });
  floor.addEventListener('input', () => a.setFloor(Number(floor.value), false));
  floor.addEventListener('change', () => a.setFloor(Number(floor.value), true));
  const heatNote = h('p', { class: 'note' });
  const heatControls = h(
    'div',
    { class: 'heat-controls' },
    h(
      'div',
      { class: 'row' },
      overlayCheck,
      h('label', { for: 'overlay-check', class: 'grow' }, l10n.t('Show overlay (H)')),
    ),
    h('div', { class: 'row' }, h('label', { for: 'colormap-select', class: 'lbl' }, l10n.t('Colours')), colormapSelect),
    h(
      'div',
      { class: 'row' },
      h('label', { for: 'opacity-range', class: 'lbl' }, l10n.t('Opacity')),
      opacity,
      opacityOut,
    ),
    h(
      'div',
      { class: 'row' },
      h(
        'label',
        {
          for: 'floor-range',
          class: 'lbl',
          title: l10n.t('Map values below this are not drawn, so normal tissue keeps its own look'),
        },
        l10n.t('Hide below'),
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
      h('label', { for: 'outline-check', class: 'grow' }, l10n.t('Outline regions above')),
    ),
    h(
      'div',
      { class: 'row' },
      h('label', { for: 'threshold-range', class: 'lbl' }, l10n.t('Threshold')),
      threshold,
      thresholdOut,
      thresholdReset,
    ),
  );
  const heatSection = h(
    'section',
    { class: 'section', 'aria-labelledby': 'heat-h' },
    h('h2', { id: 'heat-h' }, l10n.t('Heatmap')),
    heatNote,
    heatControls,
  );

  // Image section
  const info = h('dl', { class: 'facts' });
  const notices = h('ul', { class: 'notices' });
  const infoSection = h(
    'section',
    { class: 'section', 'aria-labelledby': 'info-h' },
    h('h2', { id: 'info-h' }, l10n.t('Image')),
    info,
    notices,
  );

  // DICOM tags tab
  const revealBar = h('div', { class: 'reveal-bar' });
  const tagSearch = h('input', {
    type: 'search',
    id: 'tag-search',
    class: 'tag-search',
    placeholder: l10n.t('Search name, tag or value'),
    'aria-label': l10n.t('Search DICOM attributes'),
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
  const tagList = h('ul', { class: 'tag-list', role: 'tree', 'aria-label': l10n.t('DICOM attributes') });
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
    l10n.t('Analysis'),
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
      title: l10n.t('DICOM attributes (T)'),
      onclick: () => a.showTab('tags'),
    },
    l10n.t('DICOM tags'),
  );
  const tabs = h(
    'div',
    { class: 'tabs', role: 'tablist', 'aria-label': l10n.t('Side panel'), hidden: true },
    tabAnalysis,
    tabTags,
  );

  const panel = h(
    'aside',
    { class: 'panel', 'aria-label': l10n.t('Analysis and image details') },
    tabs,
    analysisPane,
    tagsPane,
  );

  return {
    panel,
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
  };
}

export type SidePanelParts = ReturnType<typeof buildSidePanel>;
