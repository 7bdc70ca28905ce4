/**
 * Modality values -> [0,1]. 'window' follows the DICOM VOI LUT functions of the image's first window
 * preset (PS3.3 C.11.2.1), so a model sees what the reading radiologist's default window showed;
 * without a preset it falls back to min/max. 'percentile' clips outliers (burned-in text, collimator
 * edges) and matches numpy.percentile, so Python fitting code reproduces it exactly.
 */
import type { PreprocessStep } from '../spec';
import { mapLinearClamped, mapValues, valueRange, type Raster } from '../raster';
import { percentiles } from '../quantile';
import { stepSchema, withNotice, type OpDefinition } from '../state';
import type { XrayImage } from '../../image/types';

type IntensityStep = Extract<PreprocessStep, { op: 'intensity' }>;

export const DEFAULT_PERCENTILES = { low: 0.5, high: 99.5 } as const;

export const intensity: OpDefinition<IntensityStep> = {
  op: 'intensity',
  params: stepSchema(
    'intensity',
    "Map modality values to [0,1]: by the image's first window preset (min/max when it has none), by min/max, between two percentiles, or by the stored bit depth ('bits': v / (2^bitsStored - 1) for unsigned samples).",
    {
      mode: { enum: ['window', 'minmax', 'percentile', 'bits'] },
      low: {
        type: 'number',
        minimum: 0,
        maximum: 100,
        description: `Lower percentile (mode 'percentile'); default ${DEFAULT_PERCENTILES.low}.`,
      },
      high: {
        type: 'number',
        minimum: 0,
        maximum: 100,
        description: `Upper percentile (mode 'percentile'); default ${DEFAULT_PERCENTILES.high}.`,
      },
    },
    ['mode'],
  ),
  check(step) {
    const problems: string[] = [];
    if (step.mode !== 'percentile' && (step.low !== undefined || step.high !== undefined))
      problems.push(`low/high apply only to mode 'percentile'`);
    const low = step.low ?? DEFAULT_PERCENTILES.low;
    const high = step.high ?? DEFAULT_PERCENTILES.high;
    if (step.mode === 'percentile' && !(low < high)) problems.push(`low (${low}) must be below high (${high})`);
    return problems;
  },
  apply(state, step) {
    // A preset with a non-positive or non-finite width is unusable (DICOM requires width > 0): use min/max.
    const first = step.mode === 'window' ? state.source.windows[0] : undefined;
    const window =
      first && first.width > 0 && Number.isFinite(first.width) && Number.isFinite(first.center) ? first : undefined;
    let raster: Raster;
    if (window) raster = applyWindow(state.raster, window.center, window.width, window.fn ?? 'LINEAR');
    else if (step.mode === 'bits') {
      const range = storedRange(state.source);
      if (!range) {
        const [lo, hi] = minMax(state.raster);
        return withNotice(
          { ...state, raster: stretch(state.raster, lo, hi), domain: { min: 0, max: 1 }, black: 0 },
          'Floating-point samples have no bit depth to scale by; scaled by min/max instead.',
        );
      }
      raster = stretch(state.raster, range[0], range[1]);
    } else {
      const [lo, hi] =
        step.mode === 'percentile'
          ? percentiles(state.raster, [step.low ?? DEFAULT_PERCENTILES.low, step.high ?? DEFAULT_PERCENTILES.high])
          : minMax(state.raster);
      raster = stretch(state.raster, lo, hi);
    }
    return { ...state, raster, domain: { min: 0, max: 1 }, black: 0 };
  },
};

/**
 * The modality values of the smallest and largest sample `bitsStored` bits can hold (signed samples are
 * two's complement), in increasing order; undefined for floating-point data, which has no such range.
 */
export function storedRange(
  image: Pick<XrayImage, 'bitsStored' | 'signed' | 'rescale' | 'data'>,
): [number, number] | undefined {
  const bits = image.bitsStored;
  if (image.data instanceof Float32Array || !(Number.isInteger(bits) && bits >= 1 && bits <= 16)) return undefined;
  const lo = image.signed ? -(2 ** (bits - 1)) : 0;
  const hi = image.signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const a = lo * image.rescale.slope + image.rescale.intercept;
  const b = hi * image.rescale.slope + image.rescale.intercept;
  return a <= b ? [a, b] : [b, a];
}

function minMax(r: Raster): [number, number] {
  const { min, max } = valueRange(r);
  return [min, max];
}

/** [lo, hi] -> [0, 1], clamped. A flat image (hi <= lo) becomes all 0: there is no contrast to keep. */
export function stretch(r: Raster, lo: number, hi: number): Raster {
  if (!(hi > lo)) return mapLinearClamped(r, 0, 0, 0, 1);
  const s = 1 / (hi - lo);
  return mapLinearClamped(r, s, -lo * s, 0, 1);
}

export function applyWindow(r: Raster, c: number, w: number, fn: 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID'): Raster {
  if (fn === 'SIGMOID') return mapValues(r, (x) => 1 / (1 + Math.exp((-4 * (x - c)) / w)));
  if (fn === 'LINEAR_EXACT') return stretch(r, c - w / 2, c + w / 2);
  // LINEAR: y = ((x - (c - 0.5)) / (w - 1) + 0.5), clamped; a width of 1 is a step at c - 0.5.
  if (w <= 1) return mapValues(r, (x) => (x <= c - 0.5 ? 0 : 1));
  const s = 1 / (w - 1);
  return mapLinearClamped(r, s, 0.5 - (c - 0.5) * s, 0, 1);
}
