/**
 * Makes dense tissue bright and the background dark. MONOCHROME1 data is always inverted (that is
 * what the tag means). The paper's heuristic then catches raster files that were exported with a
 * bright background: if the mean of the four corner squares of the content is above mid-range, invert.
 */
import type { PreprocessStep } from '../spec';
import { mapLinearClamped, rectMean, valueRange, type Raster } from '../raster';
import { stepSchema, type OpDefinition, type PipelineState } from '../state';

type PhotometricStep = Extract<PreprocessStep, { op: 'photometric' }>;

export const DEFAULT_CORNER_SIZE = 50;

export const photometric: OpDefinition<PhotometricStep> = {
  op: 'photometric',
  params: stepSchema(
    'photometric',
    'Make the background dark: MONOCHROME1 is always inverted; with invertBrightBackground, also invert when the mean of the four corners is above mid-range.',
    {
      invertBrightBackground: { type: 'boolean' },
      cornerSize: {
        type: 'integer',
        minimum: 1,
        maximum: 4096,
        description: `Side of each corner square in pixels (clamped to the image); default ${DEFAULT_CORNER_SIZE}.`,
      },
    },
    ['invertBrightBackground'],
  ),
  apply(state, step) {
    const domain = state.domain ?? valueRange(state.raster);
    let raster = state.raster;
    if (state.photometric === 'MONOCHROME1') raster = invertValues(raster, domain);
    if (
      step.invertBrightBackground &&
      hasBrightBackground({ ...state, raster }, domain, step.cornerSize ?? DEFAULT_CORNER_SIZE)
    ) {
      raster = invertValues(raster, domain);
    }
    return { ...state, raster, domain, photometric: 'MONOCHROME2' };
  },
};

/** v -> min + max - v: a reflection of the value range onto itself, so applying it twice is the identity. */
export function invertValues(r: Raster, domain: { min: number; max: number }): Raster {
  return mapLinearClamped(r, -1, domain.min + domain.max, domain.min, domain.max);
}

export function cornerMean(state: Pick<PipelineState, 'raster' | 'content'>, cornerSize: number): number {
  const { x, y, width, height } = state.content;
  const s = Math.max(1, Math.min(cornerSize, width, height));
  const r = state.raster;
  return (
    (rectMean(r, x, y, s, s) +
      rectMean(r, x + width - s, y, s, s) +
      rectMean(r, x, y + height - s, s, s) +
      rectMean(r, x + width - s, y + height - s, s, s)) /
    4
  );
}

function hasBrightBackground(
  state: Pick<PipelineState, 'raster' | 'content'>,
  domain: { min: number; max: number },
  cornerSize: number,
): boolean {
  const span = domain.max - domain.min;
  if (!(span > 0)) return false;
  return (cornerMean(state, cornerSize) - domain.min) / span > 0.5;
}
