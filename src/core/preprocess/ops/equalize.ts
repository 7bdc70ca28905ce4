/**
 * Global histogram equalisation (the paper's default online step), computed over the content only
 * so padding does not count as a huge dark population. Same mapping as OpenCV's equalizeHist without
 * its rounding to 8 bits: v -> (cdf(bin(v)) - cdfMin) / (n - cdfMin), in [0,1].
 */
import type { PreprocessStep } from '../spec';
import { mapValues, sampleHistogram, valueRange } from '../raster';
import { stepSchema, type OpDefinition, type PipelineState } from '../state';

type EqualizeStep = Extract<PreprocessStep, { op: 'histogramEqualize' }>;

export const DEFAULT_BINS = 256;

export const histogramEqualize: OpDefinition<EqualizeStep> = {
  op: 'histogramEqualize',
  params: stepSchema('histogramEqualize', 'Global histogram equalisation over the image content; output in [0,1].', {
    bins: { type: 'integer', minimum: 2, maximum: 65536, description: `Histogram bins; default ${DEFAULT_BINS}.` },
  }),
  apply(state, step) {
    const bins = step.bins ?? DEFAULT_BINS;
    const domain = state.domain ?? valueRange(state.raster);
    const span = domain.max - domain.min;
    const binOf = (v: number) =>
      span > 0 ? Math.max(0, Math.min(bins - 1, Math.floor(((v - domain.min) / span) * bins))) : 0;
    const counts = contentHistogram(state, bins, binOf);
    const table = new Float32Array(bins);
    let n = 0;
    for (let b = 0; b < bins; b++) n += counts[b];
    let cdf = 0;
    let cdfMin = -1;
    for (let b = 0; b < bins; b++) {
      cdf += counts[b];
      if (cdfMin < 0 && cdf > 0) cdfMin = cdf;
      table[b] = n > cdfMin && cdfMin >= 0 ? Math.max(0, (cdf - cdfMin) / (n - cdfMin)) : 0;
    }
    return { ...state, raster: mapValues(state.raster, (v) => table[binOf(v)]), domain: { min: 0, max: 1 }, black: 0 };
  },
};

function contentHistogram(state: PipelineState, bins: number, binOf: (v: number) => number): Float64Array {
  const counts = new Float64Array(bins);
  const r = state.raster;
  const c = state.content;
  const whole = c.x === 0 && c.y === 0 && c.width === r.width && c.height === r.height;
  if (r.kind === 'lut' && whole) {
    // Push the sample histogram through the table: exact, and no pass over the pixels.
    const h = sampleHistogram(r);
    for (let i = 0; i < h.length; i++) if (h[i] > 0) counts[binOf(r.lut[i])] += h[i];
    return counts;
  }
  for (let y = c.y; y < c.y + c.height; y++) {
    const row = y * r.width;
    for (let x = c.x; x < c.x + c.width; x++) {
      counts[binOf(r.kind === 'lut' ? r.lut[r.samples[row + x] + r.lutOffset] : r.data[row + x])]++;
    }
  }
  return counts;
}
