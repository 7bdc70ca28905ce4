/**
 * The few attributes the viewer needs, read and sanity-checked. Only image-describing tags are read;
 * nothing that identifies a patient is touched here, so nothing of the kind can leak into results or logs.
 */
import type { DataSet } from 'dicom-parser';
import { XrayError } from '../../errors';
import type { WindowPreset } from '../../image/types';
import type { FrameLayout } from './codecs';
import { readVoiLutPresets } from './luts';

export const TAG = {
  sopClassUid: 'x00080016',
  rows: 'x00280010',
  columns: 'x00280011',
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  planarConfiguration: 'x00280006',
  numberOfFrames: 'x00280008',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  highBit: 'x00280102',
  pixelRepresentation: 'x00280103',
  pixelSpacing: 'x00280030',
  imagerPixelSpacing: 'x00181164',
  windowCenter: 'x00281050',
  windowWidth: 'x00281051',
  rescaleIntercept: 'x00281052',
  rescaleSlope: 'x00281053',
  rescaleType: 'x00281054',
  windowExplanation: 'x00281055',
  voiLutFunction: 'x00281056',
  modalityLutSequence: 'x00283000',
  voiLutSequence: 'x00283010',
  pixelData: 'x7fe00010',
  floatPixelData: 'x7fe00008',
  doubleFloatPixelData: 'x7fe00009',
} as const;

export interface SampleFormat {
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  signed: boolean;
}

export interface ImageAttributes {
  layout: FrameLayout;
  sample: SampleFormat;
  notices: string[];
}

function present(ds: DataSet, tag: string): boolean {
  const el = ds.elements[tag];
  return el !== undefined && el.length > 0;
}

function us(ds: DataSet, tag: string): number | undefined {
  return present(ds, tag) && ds.elements[tag].length >= 2 ? ds.uint16(tag) : undefined;
}

/** DS/IS values as finite numbers, skipping unparsable ones. */
function numbers(ds: DataSet, tag: string): number[] {
  if (!present(ds, tag)) return [];
  const n = ds.numStringValues(tag) ?? 0;
  const out: number[] = [];
  for (let i = 0; i < Math.min(n, 64); i++) {
    const v = ds.floatString(tag, i);
    out.push(v !== undefined && Number.isFinite(v) ? v : NaN);
  }
  return out;
}

function firstNumber(ds: DataSet, tag: string): number | undefined {
  const v = numbers(ds, tag)[0];
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

function text(ds: DataSet, tag: string, index?: number): string | undefined {
  if (!present(ds, tag)) return undefined;
  const s = ds.string(tag, index);
  return s ? s.trim() : undefined;
}

export function readImageAttributes(ds: DataSet, name: string): ImageAttributes {
  const notices: string[] = [];
  const rows = us(ds, TAG.rows);
  const columns = us(ds, TAG.columns);
  if (!rows || !columns) {
    throw new XrayError(
      'CORRUPT',
      `${name} does not say how many rows and columns its image has.`,
      `Rows ${rows} Columns ${columns}`,
    );
  }
  const samplesPerPixel = us(ds, TAG.samplesPerPixel) ?? 1;
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) {
    throw new XrayError(
      'UNSUPPORTED_FORMAT',
      `${name} has ${samplesPerPixel} samples per pixel; only 1 (grey) and 3 (colour) can be shown.`,
    );
  }
  const photometric = (text(ds, TAG.photometric) ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2')).toUpperCase();
  const bitsAllocated = us(ds, TAG.bitsAllocated);
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new XrayError(
      'UNSUPPORTED_FORMAT',
      `${name} stores ${bitsAllocated ?? 'an unstated number of'} bits per sample; only 8 and 16 are supported.`,
    );
  }
  let bitsStored = us(ds, TAG.bitsStored) ?? bitsAllocated;
  let highBit = us(ds, TAG.highBit) ?? bitsStored - 1;
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
    notices.push(
      `Bits Stored ${bitsStored} / High Bit ${highBit} do not fit ${bitsAllocated}-bit samples; all ${bitsAllocated} bits were used.`,
    );
    bitsStored = bitsAllocated;
    highBit = bitsAllocated - 1;
  }
  const signed = us(ds, TAG.pixelRepresentation) === 1;
  const planar = us(ds, TAG.planarConfiguration) === 1 && samplesPerPixel > 1 ? 1 : 0;
  const framesDeclared = present(ds, TAG.numberOfFrames) ? ds.intString(TAG.numberOfFrames) : 1;
  let frames = framesDeclared ?? 1;
  if (!Number.isInteger(frames) || frames < 1) {
    notices.push(`Number of Frames "${text(ds, TAG.numberOfFrames)}" is not a positive number; read as 1.`);
    frames = 1;
  }
  return {
    layout: { rows, columns, samplesPerPixel, bitsAllocated, planarConfiguration: planar, photometric, frames },
    sample: { bitsAllocated, bitsStored, highBit, signed },
    notices,
  };
}

export interface Presentation {
  rescale: { slope: number; intercept: number; unit?: string };
  windows: WindowPreset[];
  pixelSpacing?: [number, number];
  notices: string[];
}

const VOI_FUNCTIONS = new Set(['LINEAR', 'LINEAR_EXACT', 'SIGMOID']);

export function readPresentation(ds: DataSet): Presentation {
  const notices: string[] = [];

  let slope = firstNumber(ds, TAG.rescaleSlope) ?? 1;
  const intercept = firstNumber(ds, TAG.rescaleIntercept) ?? 0;
  if (slope === 0) {
    notices.push('Rescale Slope is 0; treated as 1.');
    slope = 1;
  }
  const type = text(ds, TAG.rescaleType);
  // "US" is DICOM's "unspecified".
  const unit = type && type.toUpperCase() !== 'US' ? type : undefined;

  const centers = numbers(ds, TAG.windowCenter);
  const widths = numbers(ds, TAG.windowWidth);
  const fnText = text(ds, TAG.voiLutFunction)?.toUpperCase();
  const fn = fnText && VOI_FUNCTIONS.has(fnText) ? (fnText as WindowPreset['fn']) : undefined;
  const windows: WindowPreset[] = [];
  for (let i = 0; i < Math.min(centers.length, widths.length); i++) {
    const center = centers[i];
    const width = widths[i];
    // LINEAR needs width >= 1 (PS3.3 C.11.2.1.2); a zero or negative width cannot be displayed.
    if (!Number.isFinite(center) || !Number.isFinite(width) || width <= 0) continue;
    const label = text(ds, TAG.windowExplanation, i) || `Window ${i + 1}`;
    windows.push({ center, width, label, ...(fn ? { fn } : {}) });
  }
  const voi = readVoiLutPresets(ds);
  windows.push(...voi.presets);
  notices.push(...voi.notices);

  let pixelSpacing = spacing(ds, TAG.pixelSpacing);
  if (!pixelSpacing) {
    pixelSpacing = spacing(ds, TAG.imagerPixelSpacing);
    if (pixelSpacing)
      notices.push(
        'Pixel size is from Imager Pixel Spacing: measured at the detector, not corrected for magnification.',
      );
  }
  return {
    rescale: { slope, intercept, ...(unit ? { unit } : {}) },
    windows,
    ...(pixelSpacing ? { pixelSpacing } : {}),
    notices,
  };
}

function spacing(ds: DataSet, tag: string): [number, number] | undefined {
  const v = numbers(ds, tag);
  if (v.length < 2) return undefined;
  const [row, col] = v;
  return row > 0 && col > 0 && Number.isFinite(row) && Number.isFinite(col) ? [row, col] : undefined;
}
