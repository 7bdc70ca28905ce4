/**
 * A preprocessing pipeline is plain JSON that travels inside the model manifest, so every runtime
 * (this extension, the CLI, a Python script) prepares pixels exactly as the model was fitted.
 * Steps run in order on a float greyscale image; geometric steps also record the affine that maps
 * model-space pixels back to the original image, so heatmaps register with the original pixels.
 *
 * New steps are added as new members of PreprocessStep; existing manifests keep working because old
 * specs stay valid. Defaults of every optional parameter are documented in docs/preprocessing.md and in
 * each op's JSON Schema.
 */
export type PreprocessStep =
  /**
   * Crop to the exposed field: peel uniform layers (scanner padding, the collimation frame, bright film
   * edges) off each side, where a layer is a run of lines whose values are within `tolerance` of the
   * side's outermost line and that ends at a sharp step. Never empty: when nothing plausible is found
   * the image is kept whole, with a notice.
   */
  | { op: 'cropExposed'; tolerance?: number; maxBorder?: number; minSize?: number; margin?: number }
  /**
   * Rotate a quarter turn when wider than tall; 'auto' turns the side the subject leaves by (the forearm)
   * to the bottom. 'upright' is 'auto' that leaves a wide image alone when the subject already leaves by
   * the bottom edge (an upright hand with the thumb spread, two hands side by side).
   */
  | { op: 'rotatePortrait'; direction?: 'cw' | 'ccw' | 'auto' | 'upright' }
  /**
   * Find burned-in text and markers (small, saturated, flat-topped, compact bright components near the
   * borders, on darker surroundings) and set them to the black level ('mask') or fill them from their
   * surroundings ('inpaint'). Run after 'photometric' (text is bright).
   */
  | {
      op: 'maskText';
      mode: 'mask' | 'inpaint';
      saturation?: number;
      maxSize?: number;
      borderZone?: number;
      dilate?: number;
    }
  /**
   * Subject mask: Otsu threshold, opening and closing, hole filling, then the largest `components`
   * components of at least `minAreaFraction` of the image. Refines any mask already set. Run after
   * 'photometric' (the subject is bright).
   */
  | {
      op: 'foreground';
      components?: 1 | 2;
      minAreaFraction?: number;
      open?: number;
      close?: number;
      fillHoles?: boolean;
      zeroBackground?: boolean;
    }
  /**
   * Two hands side by side (or one above the other): one output per hand, each cropped to its hand with
   * `margin`. A single-output run (runPipeline, prepareInput) keeps the whole image; runPipelineMulti
   * and prepareInputs return one result per hand.
   */
  | { op: 'splitHands'; margin?: number; minAreaFraction?: number; axis?: 'auto' | 'x' | 'y' }
  /** Contrast-limited adaptive histogram equalisation (as OpenCV's createCLAHE); output in [0,1]. */
  | { op: 'clahe'; clipLimit?: number; tilesX?: number; tilesY?: number; bins?: number }
  /**
   * Map modality values to [0,1]: by the first DICOM window (its VOI LUT function; min/max when the
   * image has no window), by min/max, between the `low` and `high` percentiles (defaults 0.5 and
   * 99.5; numpy.percentile's linear method), or by the stored bit depth ('bits': the whole range a
   * sample of `bitsStored` bits can hold, e.g. v / 255 for 8-bit JPEGs, v / 4095 for 12-bit data; the
   * same fixed scale for every image, as networks fitted on pixel / 255 expect).
   */
  | { op: 'intensity'; mode: 'window' | 'minmax' | 'percentile' | 'bits'; low?: number; high?: number }
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
