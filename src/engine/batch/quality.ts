/**
 * The dataset-quality measures of one decoded file (src/core/quality), as the batch's prep job takes them:
 * on a copy reduced by block means to at most 512 pixels a side (the measures look at 256 x 256 and
 * 32 x 32 at most), so their cost does not grow with the radiograph's resolution.
 */
import type { XrayImage } from '../../core/image/types';
import { displayGrey } from '../../core/quality/display';
import { measureGrey } from '../../core/quality/measures';
import type { QualityMeasures } from '../../core/quality/types';
import { reduceImage } from '../reducedImage';

export const QUALITY_REDUCTION = 512;

/** The measures, or undefined when they cannot be computed: they are extra, and must not fail the row. */
export function qualityOf(image: XrayImage): QualityMeasures | undefined {
  try {
    return measureQuality(image);
  } catch {
    return undefined;
  }
}

export function measureQuality(image: XrayImage): QualityMeasures {
  const small = reduceImage(image, QUALITY_REDUCTION)?.image ?? image;
  return measureGrey(displayGrey(small), small.width, small.height, image);
}
