/**
 * A preprocessing pipeline is plain JSON that travels inside the model manifest, so every runtime
 * (this extension, the CLI, a Python script) prepares pixels exactly as the model was fitted.
 * Steps run in order on a float greyscale image; geometric steps also record the affine that maps
 * model-space pixels back to the original image, so heatmaps register with the original pixels.
 *
 * New steps (issue 3: crop to exposed region, text masking, CLAHE, two-hand split...) are added as new
 * members of PreprocessStep; existing manifests keep working because unknown-free old specs stay valid.
 */
export type PreprocessStep =
  /**
   * Map modality values to [0,1]: by the first DICOM window (its VOI LUT function; min/max when the
   * image has no window), by min/max, or between the `low` and `high` percentiles (defaults 0.5 and
   * 99.5; numpy.percentile's linear method).
   */
  | { op: 'intensity'; mode: 'window' | 'minmax' | 'percentile'; low?: number; high?: number }
  /**
   * Make the background dark: MONOCHROME1 always; then, when invertBrightBackground, the paper's heuristic:
   * invert if the mean of the four cornerSize x cornerSize corners (default 50, clamped to the image
   * content) is above mid-range. Inversion is v -> min + max - v over the current value range.
   */
  | { op: 'photometric'; invertBrightBackground: boolean; cornerSize?: number }
  | { op: 'histogramEqualize'; bins?: number }
  /**
   * Aspect-preserving resize so the longer side is `size` (area averaging when shrinking, bilinear when
   * enlarging), then centred pad to size x size with `padValue` (default: the black level, 0 after
   * 'intensity'). Padding is never foreground.
   */
  | { op: 'resizePad'; size: number; padValue?: number }
  /** Plain resize to width x height (aspect not kept), as some models were trained. */
  | { op: 'resize'; width: number; height: number }
  /** Final value scaling: v * scale + offset (e.g. [-1,1] for GANs: scale 2, offset -1). */
  | { op: 'scale'; scale: number; offset: number };

export interface PipelineSpec {
  steps: PreprocessStep[];
}
