/** Renders the toolbar, side panel and status bar from the viewer state. Called after state changes. */
import { errorText, fmtMs, fmtPercent, fmtScore, fmtValue, fmtWindow, providerLabel } from '../format';
import { formatLength } from '../render/scene';
import { modelName, type ViewerState } from '../state';
import type { Actions } from './actions';
import { button, fillRows, h, setPressed, setText, show } from './dom';
import { mapCoverage } from './heatPanel';
import type { Layout } from './layout';
import { l10n } from '../../shared/l10n';

/** A value that is data (file name, format, model name): shown as is and marked not to be translated. */
function data(text: string): HTMLElement {
  return h('span', { translate: 'no' }, text);
}

export function renderToolbar(L: Layout, s: ViewerState): void {
  const zoom = s.view ? fmtPercent(s.view.scale) : '';
  const hasImage = Boolean(s.loaded);
  for (const el of [
    L.fitBtn,
    L.oneBtn,
    L.zoomIn,
    L.zoomOut,
    L.presetSelect,
    L.wInput,
    L.lInput,
    L.invertBtn,
    L.resetBtn,
    L.panTool,
    L.wlTool,
    L.measureTool,
  ])
    (el as HTMLButtonElement).disabled = !hasImage;
  setText(L.zoomLabel, zoom || '—');
  setPressed(L.panTool, s.tool === 'pan');
  setPressed(L.wlTool, s.tool === 'window');
  setPressed(L.measureTool, s.tool === 'measure');
  setPressed(L.boxTool, s.tool === 'box');
  // Boxes are saved in the label set: none to draw into outside a workspace folder or while its file is broken.
  L.boxTool.disabled = !hasImage || !s.mark || !!s.mark.problem;
  show(L.clearMeasures, s.measurements.length > 0);
  renderFrame(L, s);
  setPressed(L.invertBtn, s.invert);
  const hasMap = Boolean(s.analysis?.heat);
  L.heatBtn.disabled = !hasMap;
  setPressed(L.heatBtn, hasMap && s.overlayVisible);
  setPressed(L.panelBtn, s.panelOpen);
  L.app.classList.toggle('panel-closed', !s.panelOpen);

  const options = s.loaded?.options ?? [];
  const wanted =
    options.map((o) => `${o.id}\u0000${o.label}`).join('\u0001') + (s.windowId === 'custom' ? '\u0001custom' : '');
  if (L.presetSelect.dataset.key !== wanted) {
    L.presetSelect.replaceChildren(
      ...options.map((o) => h('option', o.fromFile ? { value: o.id, translate: 'no' } : { value: o.id }, o.label)),
    );
    if (s.windowId === 'custom') L.presetSelect.append(h('option', { value: 'custom' }, l10n.t('Custom')));
    L.presetSelect.dataset.key = wanted;
  }
  if (s.windowId) L.presetSelect.value = s.windowId;
  if (s.window) {
    if (document.activeElement !== L.wInput) L.wInput.value = fmtWindow(s.window.width, s.window.width);
    if (document.activeElement !== L.lInput) L.lInput.value = fmtWindow(s.window.center, s.window.width);
    setText(
      L.wlReadout,
      [
        l10n.t('W {0}  L {1}', fmtWindow(s.window.width, s.window.width), fmtWindow(s.window.center, s.window.width)),
        s.invert && l10n.t('inverted'),
        zoom,
      ]
        .filter(Boolean)
        .join('  ·  '),
    );
  } else {
    setText(L.wlReadout, '');
  }
}

const scoreSig = new WeakMap<Layout, unknown[]>();

export function renderScore(L: Layout, s: ViewerState, a: Actions): void {
  const modelsKey = s.models.map((m) => `${m.id}\u0000${m.name}\u0000${m.version}`).join('\u0001');
  if (L.modelSelect.dataset.key !== modelsKey) {
    L.modelSelect.replaceChildren(
      ...s.models.map((m) =>
        h(
          'option',
          // Model names and descriptions come from their manifests (data).
          {
            value: m.id,
            translate: 'no',
            title: [m.version && `v${m.version}`, m.description].filter(Boolean).join(' — '),
          },
          m.name,
        ),
      ),
    );
    if (s.models.length === 0) L.modelSelect.append(h('option', { value: '' }, l10n.t('No models found')));
    L.modelSelect.dataset.key = modelsKey;
  }
  L.modelSelect.disabled = s.models.length === 0;
  L.modelSelect.value =
    s.selectedId && s.models.some((m) => m.id === s.selectedId) ? s.selectedId : (s.models[0]?.id ?? '');

  // Rebuild the score body only when what it shows changed: slider drags must not recreate its
  // buttons (that would also drop their keyboard focus).
  const sig = [s.running?.modelId, s.analysisError, s.analysis, s.selectedId, modelsKey, Boolean(s.loaded)];
  const last = scoreSig.get(L);
  if (last && sig.every((v, i) => v === last[i])) return;
  scoreSig.set(L, sig);
  const body: Node[] = [];
  if (s.running) {
    body.push(
      h(
        'div',
        { class: 'running', role: 'status' },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        l10n.t('Analysing with {0}…', modelName(s, s.running.modelId)),
      ),
    );
  } else if (s.analysisError) {
    const t = errorText(s.analysisError.code);
    body.push(
      h(
        'div',
        { class: 'err-box', role: 'alert' },
        h('strong', null, t.title),
        h('p', { translate: 'no' }, s.analysisError.message),
        h('p', { class: 'hint' }, t.hint),
        h('p', { class: 'meta' }, l10n.t('Code'), ' ', h('code', { translate: 'no' }, s.analysisError.code)),
        button(l10n.t('Retry'), l10n.t('Run the analysis again'), a.reanalyze),
      ),
    );
  } else if (s.analysis) {
    const r = s.analysis.result;
    const n = r.score.normalized;
    const above = r.score.aboveThreshold;
    const fill = h('div', { class: 'fill' });
    fill.style.width = `${Math.max(0, Math.min(1, Number.isFinite(n) ? n : 0)) * 100}%`;
    const model = s.models.find((m) => m.id === r.modelId);
    const t = r.timings;
    const total = t.preprocessMs + t.inferenceMs + t.postprocessMs;
    const facts = h('dl', { class: 'facts' });
    fillRows(facts, [
      // The selector above names the model; repeat the name only when the result is from another one.
      r.modelId === s.selectedId
        ? [l10n.t('Version'), data(r.modelVersion || '—')]
        : [l10n.t('Model'), data(`${model?.name ?? r.modelId}${r.modelVersion ? ` v${r.modelVersion}` : ''}`)],
      [l10n.t('Provider'), data(providerLabel(r.provider))],
      [l10n.t('Raw score'), fmtScore(r.score.raw)],
      [l10n.t('Threshold'), l10n.t('{0} (raw)', fmtScore(r.score.threshold))],
      [l10n.t('Normalised'), l10n.t('{0} (0.5 = threshold)', fmtScore(n))],
      [
        l10n.t('Time'),
        l10n.t(
          '{0}: prepare {1}, model {2}, map {3}',
          fmtMs(total),
          fmtMs(t.preprocessMs),
          fmtMs(t.inferenceMs),
          fmtMs(t.postprocessMs),
        ),
      ],
    ]);
    body.push(
      h(
        'div',
        { class: `verdict ${above ? 'above' : 'below'}` },
        h('span', { class: 'score-big' }, fmtScore(n)),
        h(
          'span',
          { class: 'verdict-text' },
          h('strong', null, above ? l10n.t('Above threshold') : l10n.t('Below threshold')),
          h('span', null, above ? l10n.t('anomalous') : l10n.t('looks normal')),
        ),
      ),
      h(
        'div',
        {
          class: `scorebar ${above ? 'above' : 'below'}`,
          role: 'meter',
          'aria-label': l10n.t('Normalised anomaly score'),
          'aria-valuemin': '0',
          'aria-valuemax': '1',
          'aria-valuenow': String(n),
          'aria-valuetext': above
            ? l10n.t('{0}, above the threshold of 0.5', fmtScore(n))
            : l10n.t('{0}, below the threshold of 0.5', fmtScore(n)),
        },
        fill,
        h('div', { class: 'mark', title: l10n.t('Threshold (0.5)') }),
      ),
      h(
        'div',
        { class: 'scale' },
        h('span', null, l10n.t('0 normal')),
        h('span', null, '0.5'),
        h('span', null, l10n.t('anomalous 1')),
      ),
      facts,
      ...driftBox(s),
      h(
        'div',
        { class: 'row end' },
        button(l10n.t('Run again'), l10n.t('Analyse this image again'), a.reanalyze, 'secondary'),
      ),
    );
  } else if (s.models.length === 0) {
    body.push(h('p', { class: 'note' }, l10n.t('No model is available. Use “More models…” to choose an ONNX model.')));
  } else {
    body.push(
      h(
        'p',
        { class: 'note' },
        s.loaded ? l10n.t('Waiting for the analysis…') : l10n.t('The score appears once the image is loaded.'),
      ),
    );
  }
  L.scoreBody.replaceChildren(...body);
}

/**
 * The scored folder's drift for this model (when the image's folder was batch-scored): a warning when its
 * scores moved away from the calibration normals, a quiet line when they did not.
 */
function driftBox(s: ViewerState): HTMLElement[] {
  const d = s.drift;
  if (!d || d.modelId !== s.analysis?.result.modelId) return [];
  const warn = d.status !== 'ok';
  return [
    h(
      'div',
      { class: `drift ${warn ? 'warn' : 'ok'}`, role: warn ? 'alert' : 'note' },
      warn ? h('strong', null, l10n.t('Score drift in this folder')) : null,
      h('p', null, d.text),
      d.normals ? h('p', null, d.normals.text) : null,
    ),
  ];
}

/** Frame selector: shown for multi-frame images; the spinner runs while the host decodes a frame. */
function renderFrame(L: Layout, s: ViewerState): void {
  const f = s.loaded?.image.frame;
  const multi = Boolean(f && f.count > 1);
  show(L.frameGroup, multi);
  if (!f || !multi) return;
  const shown = (s.frameLoading ?? f.index) + 1;
  L.frameRange.max = String(f.count);
  if (document.activeElement !== L.frameRange) L.frameRange.value = String(shown);
  if (document.activeElement !== L.frameInput) L.frameInput.value = String(shown);
  setText(L.frameCount, l10n.t('of {0}', f.count));
  L.prevFrame.disabled = shown <= 1;
  L.nextFrame.disabled = shown >= f.count;
  show(L.frameBusy, s.frameLoading !== undefined);
  L.frameGroup.title =
    s.frameLoading !== undefined
      ? l10n.t('Loading frame {0}…', s.frameLoading + 1)
      : l10n.t('Frame {0} of {1}', f.index + 1, f.count);
}

export function renderInfo(L: Layout, s: ViewerState): void {
  const lo = s.loaded;
  if (!lo) {
    fillRows(L.info, [s.fileName ? [l10n.t('File'), data(s.fileName)] : undefined]);
    L.notices.replaceChildren();
    return;
  }
  const img = lo.image;
  const unit = img.rescale.unit ? ` ${img.rescale.unit}` : '';
  const ps = img.pixelSpacing;
  const identity = img.rescale.slope === 1 && img.rescale.intercept === 0;
  const map = s.analysis?.heat?.map;
  fillRows(L.info, [
    s.fileName ? [l10n.t('File'), data(s.fileName)] : undefined,
    [l10n.t('Size'), l10n.t('{0} × {1} px', lo.width, lo.height)],
    lo.reduced && [l10n.t('Shown'), l10n.t('reduced copy, {0} × {1} (full resolution loading)', img.width, img.height)],
    ps && [l10n.t('Physical size'), `${formatLength(lo.width * ps[1])} × ${formatLength(lo.height * ps[0])}`],
    ps && [l10n.t('Pixel spacing'), l10n.t('{0} × {1} mm', fmtValue(ps[0]), fmtValue(ps[1]))],
    [l10n.t('Format'), data(img.source.encoding || img.source.format.toUpperCase())],
    [
      l10n.t('Bits'),
      img.bitsStored === 32
        ? l10n.t('32-bit float')
        : img.signed
          ? l10n.t('{0} stored, signed', img.bitsStored)
          : l10n.t('{0} stored, unsigned', img.bitsStored),
    ],
    [
      l10n.t('Photometric'),
      img.photometric === 'MONOCHROME1' ? l10n.t('{0} (shown inverted)', 'MONOCHROME1') : data('MONOCHROME2'),
    ],
    (!identity || unit !== '') && [
      l10n.t('Rescale'),
      // A formula with the file's unit: data.
      data(
        `× ${fmtValue(img.rescale.slope)} ${img.rescale.intercept < 0 ? '−' : '+'} ${fmtValue(Math.abs(img.rescale.intercept))}${unit}`,
      ),
    ],
    [l10n.t('Values'), l10n.t('{0} to {1}', fmtValue(lo.stats.min), `${fmtValue(lo.stats.max)}${unit}`)],
    img.frame && img.frame.count > 1 && [l10n.t('Frame'), l10n.t('{0} of {1}', img.frame.index + 1, img.frame.count)],
    map && [l10n.t('Heatmap'), l10n.t('{0} × {1} over {2}', map.width, map.height, mapCoverage(map, lo))],
    [l10n.t('Decoded in'), fmtMs(lo.decodeMs)],
  ]);
  // The decoder's notices (English by design, as its errors).
  L.notices.replaceChildren(...img.source.notices.map((n) => h('li', { translate: 'no' }, n)));
}

export function renderErrorCard(L: Layout, s: ViewerState): void {
  const e = s.imageError;
  L.app.classList.toggle('has-image-error', Boolean(e));
  show(L.errorCard, Boolean(e));
  if (!e) return;
  const t = errorText(e.code);
  setText(L.errTitle, t.title);
  setText(L.errMessage, e.message);
  setText(L.errHint, t.hint);
  setText(L.errCode, e.code);
  setText(L.errFile, s.fileName ?? '');
  setText(L.errDetail, e.detail ?? '');
  show(L.errDetails, Boolean(e.detail));
}
