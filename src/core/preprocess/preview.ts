/**
 * The editor's preprocessing strip: what every step produced, small enough to send to a webview. Runs
 * the same code as scoring (runPipelineMulti's branching included), so the strip shows exactly what the
 * model sees; each thumbnail costs one shrinking pass over the step's output.
 *
 * steps[0] is the input itself (op 'input'); then one entry per step, and after a split one entry per
 * step and region, labelled "(hand 1 of 2)" etc. `toImage` maps the step's output pixels (width x
 * height, not thumbnail pixels) to original image pixels; a thumbnail pixel (tx, ty) is output pixel
 * (tx * width / thumb.width, ty * height / thumb.height).
 */
import type { Affine, XrayImage } from '../image/types';
import { opDefinition } from './ops';
import { checkImage, initialState } from './pipeline';
import { resampleInto } from './resample';
import { valueRange } from './raster';
import type { PipelineSpec } from './spec';
import type { PipelineState } from './state';

export interface PipelinePreview {
  steps: {
    op: string;
    label: string;
    width: number;
    height: number;
    thumb: { width: number; height: number; data: Uint8Array /* 8-bit grey */ };
    mask?: { width: number; height: number; data: Uint8Array };
    toImage: Affine;
    ms: number;
    notice?: string;
  }[];
  regions?: number;
}

export interface PreviewOptions {
  /** Longer side of each thumbnail; default 256. */
  thumbSize?: number;
}

export function previewPipeline(image: XrayImage, spec: PipelineSpec, options: PreviewOptions = {}): PipelinePreview {
  const thumbSize = Math.max(8, Math.min(2048, Math.round(options.thumbSize ?? 256)));
  checkImage(image);
  const t0 = performance.now();
  const first = initialState(image);
  const steps: PipelinePreview['steps'] = [
    entry('input', 'Original', first, performance.now() - t0, undefined, thumbSize),
  ];
  let branches: PipelineState[] = [first];
  for (const step of spec.steps) {
    const def = opDefinition(step);
    const label = def.label?.(step) ?? step.op;
    const next: PipelineState[] = [];
    for (const state of branches) {
      const before = state.notices?.length ?? 0;
      const s0 = performance.now();
      const outs = def.fork ? def.fork(state, step) : [def.apply(state, step)];
      const ms = performance.now() - s0;
      for (const out of outs) {
        const added = (out.notices ?? []).slice(before);
        const suffix = out.region ? ` (hand ${out.region.index + 1} of ${out.region.count})` : '';
        steps.push(
          entry(step.op, label + suffix, out, ms / outs.length, added.length ? added.join(' ') : undefined, thumbSize),
        );
        next.push(out);
      }
    }
    branches = next;
  }
  return { steps, regions: branches.length };
}

function entry(
  op: string,
  label: string,
  state: PipelineState,
  ms: number,
  notice: string | undefined,
  thumbSize: number,
): PipelinePreview['steps'][number] {
  const { width, height } = state.raster;
  const s = Math.min(1, thumbSize / Math.max(width, height));
  const tw = Math.max(1, Math.round(width * s));
  const th = Math.max(1, Math.round(height * s));
  const values = new Float32Array(tw * th);
  resampleInto(state.raster, tw, th, values, tw, 0, 0);
  const { min, max } = state.domain ?? valueRange(state.raster);
  const span = max - min;
  const data = new Uint8Array(tw * th);
  for (let i = 0; i < data.length; i++) {
    const v = span > 0 ? ((values[i] - min) / span) * 255 : 0;
    data[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  const out: PipelinePreview['steps'][number] = {
    op,
    label,
    width,
    height,
    thumb: { width: tw, height: th, data },
    toImage: state.toImage,
    ms,
  };
  if (state.mask) out.mask = { width: tw, height: th, data: thumbMask(state.mask, width, height, tw, th) };
  if (notice) out.notice = notice;
  return out;
}

/** Nearest-neighbour mask at each thumbnail pixel centre. */
function thumbMask(mask: Uint8Array, w: number, h: number, tw: number, th: number): Uint8Array {
  const out = new Uint8Array(tw * th);
  for (let y = 0; y < th; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / th));
    for (let x = 0; x < tw; x++) out[y * tw + x] = mask[sy * w + Math.min(w - 1, Math.floor(((x + 0.5) * w) / tw))];
  }
  return out;
}
