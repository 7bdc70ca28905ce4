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
  /** Map modality values to [0,1]: by the first DICOM window, by min/max, or by percentiles. */
  | { op: 'intensity'; mode: 'window' | 'minmax' | 'percentile'; low?: number; high?: number }
  /** Make the background dark: MONOCHROME1 always; otherwise the paper's heuristic (mean of corners > 0.5). */
  | { op: 'photometric'; invertBrightBackground: boolean; cornerSize?: number }
  | { op: 'histogramEqualize'; bins?: number }
  /** Aspect-preserving resize so the longer side is `size`, then centred zero-pad to size x size. */
  | { op: 'resizePad'; size: number; padValue?: number }
  /** Plain resize to width x height (aspect not kept), as some models were trained. */
  | { op: 'resize'; width: number; height: number }
  /** Final value scaling: v * scale + offset (e.g. [-1,1] for GANs: scale 2, offset -1). */
  | { op: 'scale'; scale: number; offset: number };

export interface PipelineSpec {
  steps: PreprocessStep[];
}
