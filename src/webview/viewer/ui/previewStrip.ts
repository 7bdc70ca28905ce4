/**
 * The preprocessing strip under the image: one card per step of the selected model's pipeline (the
 * step's output as a thumbnail with the foreground mask outlined, its label, output size, time and any
 * notice), and the step view that shows one of them large over the image. The host computes the
 * previews only while the strip is open.
 */
import { isolines } from '../contour';
import { fmtMs } from '../format';
import { modelName, type ViewerState } from '../state';
import type { PreviewImage, PreviewStep } from '../types';
import type { Actions } from './actions';
import { button, h, show } from './dom';
import type { Layout } from './layout';
import { l10n } from '../../shared/l10n';

/** Thumbnail box inside a card (CSS pixels; .step-thumb in viewer.css less its padding and border). */
const THUMB_W = 120;
const THUMB_H = 84;
const MASK_COLOR = '#3ff0ff';

const stripSig = new WeakMap<Layout, unknown[]>();

/** Words for steps whose label is just their op name. */
const OP_TITLES: Record<string, string> = {
  input: l10n.t('Original'),
  intensity: l10n.t('Intensity to 0–1'),
  photometric: l10n.t('Photometric'),
  histogramEqualize: l10n.t('Histogram equalisation'),
  resizePad: l10n.t('Resize and pad'),
  resize: l10n.t('Resize'),
  scale: l10n.t('Value scaling'),
  clahe: l10n.t('CLAHE'),
};

export function stepTitle(st: Pick<PreviewStep, 'op' | 'label'>): string {
  return st.label && st.label !== st.op ? st.label : (OP_TITLES[st.op] ?? st.op);
}

/** Whether the title is the pipeline's own words (a manifest's label or an op name): data, not translated. */
function titleIsData(st: Pick<PreviewStep, 'op' | 'label'>): boolean {
  return Boolean(st.label && st.label !== st.op) || OP_TITLES[st.op] === undefined;
}

/** The strip's summary once the steps are in: one message per plural form and with or without regions. */
function stepsSummary(model: string, steps: number, time: string, regions: number | undefined): string {
  if (regions !== undefined && regions > 1)
    return steps === 1
      ? l10n.t('for {0}: 1 step, {1}, {2} regions (one model input each)', model, time, regions)
      : l10n.t('for {0}: {1} steps, {2}, {3} regions (one model input each)', model, steps, time, regions);
  return steps === 1
    ? l10n.t('for {0}: 1 step, {1}', model, time)
    : l10n.t('for {0}: {1} steps, {2}', model, steps, time);
}

export function renderStrip(L: Layout, s: ViewerState, a: Actions): void {
  const p = s.preview;
  const hasImage = Boolean(s.loaded);
  show(L.strip, hasImage);
  L.stripToggle.setAttribute('aria-expanded', String(s.stripOpen));
  L.strip.classList.toggle('open', s.stripOpen);
  const sig = [p, s.stripOpen, s.previewStep, s.selectedId, hasImage, s.models];
  const last = stripSig.get(L);
  if (last && sig.every((v, i) => v === last[i])) return;
  stripSig.set(L, sig);

  const total = p?.steps?.reduce((t, st) => t + st.ms, 0) ?? 0;
  let summary: string;
  if (!s.selectedId) summary = l10n.t('no model selected');
  else if (!s.stripOpen) summary = l10n.t('for {0}', modelName(s, s.selectedId));
  else if (!p || p.modelId !== s.selectedId) summary = l10n.t('for {0}: computing…', modelName(s, s.selectedId));
  else if (p.error) summary = l10n.t('for {0}: not available', modelName(s, p.modelId));
  else summary = stepsSummary(modelName(s, p.modelId), p.steps?.length ?? 0, fmtMs(total), p.regions);
  L.stripToggle.replaceChildren(
    h('span', { class: 'chev', 'aria-hidden': 'true' }, s.stripOpen ? '▾' : '▸'),
    h('span', { class: 'strip-title' }, l10n.t('Preprocessing')),
    h('span', { class: 'strip-summary' }, summary),
  );

  show(L.stripBody, s.stripOpen);
  if (!s.stripOpen) return;
  if (p?.error && p.modelId === s.selectedId) {
    L.stripBody.replaceChildren(h('p', { class: 'note strip-note', translate: 'no' }, p.error.message));
    return;
  }
  if (!p?.steps || p.modelId !== s.selectedId) {
    L.stripBody.replaceChildren(
      h(
        'p',
        { class: 'note strip-note' },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        ' ',
        l10n.t('Running the pipeline on this image…'),
      ),
    );
    return;
  }
  const dpr = window.devicePixelRatio || 1;
  const cards = p.steps.map((st, i) => {
    const canvas = stepCanvas(st, THUMB_W, THUMB_H, dpr);
    const selected = s.previewStep === i;
    const title = stepTitle(st);
    return h(
      'div',
      { class: `step-card${selected ? ' selected' : ''}${st.notice ? ' has-notice' : ''}`, role: 'listitem' },
      h(
        'button',
        {
          type: 'button',
          class: 'step-thumb',
          title: l10n.t('Show “{0}” larger', title),
          'aria-pressed': String(selected),
          onclick: () => a.openPreviewStep(selected ? null : i),
        },
        canvas,
      ),
      h('div', { class: 'step-label', title, translate: titleIsData(st) ? 'no' : undefined }, `${i + 1}. ${title}`),
      h('div', { class: 'step-meta' }, `${st.width} × ${st.height} · ${fmtMs(st.ms)}`),
      st.notice ? h('div', { class: 'step-notice', title: st.notice, translate: 'no' }, st.notice) : null,
    );
  });
  L.stripBody.replaceChildren(...cards);
}

export function renderStepView(L: Layout, s: ViewerState, a: Actions): void {
  const steps = s.preview?.modelId === s.selectedId ? s.preview?.steps : undefined;
  const i = s.previewStep;
  const st = i !== null && steps ? steps[i] : undefined;
  show(L.stepView, Boolean(st && s.stripOpen));
  if (!st || i === null || !steps || !s.stripOpen) {
    L.stepView.replaceChildren();
    return;
  }
  const r = L.viewport.getBoundingClientRect();
  const maxW = Math.max(120, r.width - 48);
  const maxH = Math.max(120, r.height - 110);
  const canvas = stepCanvas(st, maxW, maxH, window.devicePixelRatio || 1, 3);
  const prev = button('‹', l10n.t('Previous step'), () => a.openPreviewStep(i - 1), 'icon');
  prev.disabled = i === 0;
  const next = button('›', l10n.t('Next step'), () => a.openPreviewStep(i + 1), 'icon');
  next.disabled = i === steps.length - 1;
  const close = button('✕', l10n.t('Close (Esc)'), () => a.openPreviewStep(null), 'icon');
  close.setAttribute('aria-label', l10n.t('Close the step view'));
  L.stepView.replaceChildren(
    h(
      'div',
      { class: 'step-card-large' },
      h(
        'div',
        { class: 'step-head' },
        h('strong', null, l10n.t('Step {0} of {1}: {2}', i + 1, steps.length, stepTitle(st))),
        h('span', { class: 'spacer' }),
        prev,
        next,
        close,
      ),
      canvas,
      h(
        'p',
        { class: 'step-meta' },
        st.mask
          ? l10n.t(
              '{0} · output {1} × {2} px · {3} · foreground outlined in cyan',
              st.op,
              st.width,
              st.height,
              fmtMs(st.ms),
            )
          : l10n.t('{0} · output {1} × {2} px · {3}', st.op, st.width, st.height, fmtMs(st.ms)),
      ),
      st.notice ? h('p', { class: 'step-notice', translate: 'no' }, st.notice) : null,
    ),
  );
}

/**
 * A canvas showing the step's 8-bit thumbnail within maxW x maxH CSS pixels (never enlarged more than
 * `maxUpscale` times), with the mask's outline stroked at screen resolution.
 */
export function stepCanvas(
  st: PreviewStep,
  maxW: number,
  maxH: number,
  dpr: number,
  maxUpscale = 8,
): HTMLCanvasElement {
  const t = st.thumb;
  const canvas = h('canvas', {
    class: 'step-canvas',
    role: 'img',
    'aria-label': l10n.t('{0}, {1} by {2} pixels', stepTitle(st), st.width, st.height),
  });
  if (!validImage(t)) {
    canvas.width = 1;
    canvas.height = 1;
    return canvas;
  }
  const k = Math.min(maxW / t.width, maxH / t.height, maxUpscale);
  const cssW = Math.max(1, Math.round(t.width * k));
  const cssH = Math.max(1, Math.round(t.height * k));
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  canvas.style.width = `${cssW}px`;
  canvas.style.height = `${cssH}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  const src = document.createElement('canvas');
  src.width = t.width;
  src.height = t.height;
  const sctx = src.getContext('2d');
  if (!sctx) return canvas;
  const img = sctx.createImageData(t.width, t.height);
  const px = new Uint32Array(img.data.buffer);
  for (let j = 0; j < px.length; j++) {
    const g = t.data[j];
    px[j] = (0xff000000 | (g << 16) | (g << 8) | g) >>> 0;
  }
  sctx.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = k < 2;
  ctx.drawImage(src, 0, 0, canvas.width, canvas.height);
  const m = st.mask;
  if (m && validImage(m)) {
    const segs = isolines(m.data, m.width, m.height, 0.5);
    const sx = canvas.width / m.width;
    const sy = canvas.height / m.height;
    ctx.beginPath();
    for (let j = 0; j < segs.length; j += 4) {
      ctx.moveTo(segs[j] * sx, segs[j + 1] * sy);
      ctx.lineTo(segs[j + 2] * sx, segs[j + 3] * sy);
    }
    ctx.lineCap = 'round';
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.7)';
    ctx.lineWidth = 3 * dpr;
    ctx.stroke();
    ctx.strokeStyle = MASK_COLOR;
    ctx.lineWidth = 1.25 * dpr;
    ctx.stroke();
  }
  return canvas;
}

function validImage(p: PreviewImage | undefined): p is PreviewImage {
  return Boolean(
    p &&
    Number.isInteger(p.width) &&
    Number.isInteger(p.height) &&
    p.width > 0 &&
    p.height > 0 &&
    p.data &&
    p.data.length === p.width * p.height,
  );
}
