/**
 * Dataset-quality measures of one image (computed once per file content, in the batch's prep workers) and
 * the folder-level flags derived from them with the user's thresholds (settings `xrayAnomaly.quality.*`).
 * Brightness figures are on the 8-bit display range (0 black, 255 white, as the image is first shown).
 */
export interface QualityMeasures {
  /** Decoded size in pixels. */
  width: number;
  height: number;
  /** Mean and 1st / 99th percentiles of the 8-bit display values. */
  mean: number;
  p1: number;
  p99: number;
  /** Shannon entropy of the 256-bin display histogram, in bits (0 = one grey level, 8 = all equally often). */
  entropy: number;
  /** Variance of the 4-neighbour Laplacian on a 256 x 256 reduction: low = little fine detail (blurred). */
  sharpness: number;
  /** 64-bit DCT perceptual hash of a 32 x 32 grey reduction, 16 hex digits. */
  phash: string;
}

/** Where an image is flagged; each threshold is a setting `xrayAnomaly.quality.<name>`. */
export interface QualityThresholds {
  /** Near duplicates: perceptual hashes at most this many bits apart (0 = identical hashes). */
  nearDuplicateBits: number;
  /**
   * Too dark: 99% of the pixels darker than this (the 99th percentile below it); too bright: 99% brighter
   * than brightLevel (the 1st percentile above it). Percentiles, not the mean: a hand on a black
   * background has a low mean and is not dark.
   */
  darkLevel: number;
  brightLevel: number;
  /** Low information: entropy below this many bits. */
  lowEntropy: number;
  /** Blurry: sharpness (Laplacian variance) below this. */
  blurVariance: number;
  /** Odd size: side length (square root of the area) more than this factor from the folder's median. */
  oddSizeRatio: number;
  /** Odd aspect ratio: width/height more than this factor from the folder's median. */
  oddAspectRatio: number;
}

export type QualityFlag =
  | 'exactDuplicate'
  | 'nearDuplicate'
  | 'dark'
  | 'bright'
  | 'lowInformation'
  | 'blurry'
  | 'oddSize'
  | 'oddAspect'
  | 'unreadable';

export const QUALITY_FLAGS: readonly QualityFlag[] = [
  'unreadable',
  'exactDuplicate',
  'nearDuplicate',
  'dark',
  'bright',
  'lowInformation',
  'blurry',
  'oddSize',
  'oddAspect',
];

/** One file's folder-level verdict. */
export interface QualityReport {
  path: string;
  flags: QualityFlag[];
  /** Files with the same content (group key: the content hash); absent when unique. */
  exactGroup?: string;
  /** Near-duplicate group: the group's first path in folder order; absent when the file has none. */
  nearGroup?: string;
  measures?: QualityMeasures;
  /** The read/decode error of an unreadable file. */
  error?: string;
}

/** Whether a value read from a store is a complete set of measures (a hand-edited row may hold anything). */
export function isQualityMeasures(v: unknown): v is QualityMeasures {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  const nums = ['width', 'height', 'mean', 'p1', 'p99', 'entropy', 'sharpness'];
  return (
    nums.every((k) => typeof o[k] === 'number' && Number.isFinite(o[k])) &&
    typeof o.phash === 'string' &&
    /^[0-9a-f]{16}$/.test(o.phash)
  );
}
