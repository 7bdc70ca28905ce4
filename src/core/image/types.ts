/**
 * The decoded X-ray as every other part of the system sees it: one greyscale frame of stored sample
 * values plus what is needed to turn them into intensities (rescale) and into display (photometric,
 * window presets). Stored values are kept as decoded (not converted to float) so a 16-bit image stays
 * 2 bytes a pixel on its way to the webview.
 */
export type PixelData = Uint8Array | Uint16Array | Int16Array | Float32Array;

export type ImageFormat = 'dicom' | 'png' | 'jpeg' | 'tiff';

export interface WindowPreset {
  /** In modality units (after rescale). */
  center: number;
  width: number;
  label: string;
  /** DICOM VOI LUT Function; LINEAR when absent. */
  fn?: 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';
  /**
   * A DICOM VOI LUT (0028,3010) to apply instead of center/width: modality value v maps to
   * data[clamp(v - first, 0, data.length - 1)], an output of `bits` bits (0 = black for MONOCHROME2).
   * center/width then span the table's input range, for viewers that cannot apply tables.
   */
  lut?: { first: number; bits: number; data: number[] };
}

export interface XrayImage {
  width: number;
  height: number;
  /** Row-major stored values, one sample per pixel. */
  data: PixelData;
  /** Significant bits of each stored sample (8, 12, 16...); 32 for float data. */
  bitsStored: number;
  signed: boolean;
  /** modality value = stored * slope + intercept (DICOM Modality LUT; identity for raster formats). */
  rescale: { slope: number; intercept: number; unit?: string };
  /** MONOCHROME1 means larger values display darker. */
  photometric: 'MONOCHROME1' | 'MONOCHROME2';
  /** Window presets from the file (DICOM Window Center/Width); may be empty. */
  windows: WindowPreset[];
  /** Min and max modality value actually present. */
  range: { min: number; max: number };
  source: ImageSource;
  /** Row and column spacing in mm, when the file says so. */
  pixelSpacing?: [number, number];
  frame?: { index: number; count: number };
}

export interface ImageSource {
  format: ImageFormat;
  /** Human description of the encoding, e.g. "DICOM Explicit VR Little Endian" or "PNG 16-bit grey". */
  encoding: string;
  transferSyntaxUid?: string;
  /** Things the user should know about how the file was read (e.g. "colour converted to grey"). */
  notices: string[];
}

/** Limits that keep decoding bounded in memory and time; enforced before pixel buffers are allocated. */
export interface DecodeLimits {
  maxFileBytes: number;
  maxPixels: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxFileBytes: 512 * 1024 * 1024,
  // 100 megapixels: more than any radiograph detector (43x43 cm at 0.1 mm is ~18 MP).
  maxPixels: 100_000_000,
};

export function modalityValue(img: XrayImage, index: number): number {
  return img.data[index] * img.rescale.slope + img.rescale.intercept;
}

/** 2x3 affine [a, b, c, d, e, f]: x' = a*x + b*y + c, y' = d*x + e*y + f. */
export type Affine = [number, number, number, number, number, number];

export const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

/** compose(outer, inner) applies inner first. */
export function composeAffine(outer: Affine, inner: Affine): Affine {
  const [a1, b1, c1, d1, e1, f1] = outer;
  const [a2, b2, c2, d2, e2, f2] = inner;
  return [
    a1 * a2 + b1 * d2,
    a1 * b2 + b1 * e2,
    a1 * c2 + b1 * f2 + c1,
    d1 * a2 + e1 * d2,
    d1 * b2 + e1 * e2,
    d1 * c2 + e1 * f2 + f1,
  ];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (det === 0) throw new Error('singular affine');
  return [e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det];
}

export function applyAffine(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}
