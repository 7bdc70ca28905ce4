/**
 * DICOM images: container -> transfer syntax check -> data set -> image attributes -> limits ->
 * one frame through its pixel codec -> grey samples -> presentation (rescale, windows, spacing).
 */
import type { DataSet } from 'dicom-parser';
import { XrayError } from '../../errors';
import type { XrayImage } from '../../image/types';
import { checkPixelLimit, frameOutOfRange, requestedFrame } from '../failures';
import { minMax, modalityRange } from '../pixels';
import { DecodeBudget } from '../budget';
import {
  DEFAULT_DECODE_TIMEOUT_MS,
  DEFAULT_MAX_ELEMENTS,
  DEFAULT_MAX_SEQUENCE_DEPTH,
  type DecodeContext,
  type DecodeOptions,
  type ImageDecoder,
} from '../registry';
import { describeContent } from '../sniff';
import { readImageAttributes, readPresentation, TAG, type Presentation } from './attributes';
import type { PixelCodecRegistry } from './codecs';
import { defaultPixelCodecs } from './pixel-codecs';
import {
  checkStructure,
  dicomLayout,
  inflateContainer,
  isImageSopClass,
  openContainer,
  parseDataSet,
  type DicomLayout,
} from './container';
import { isKnownTransferSyntax } from './transfer-syntax';
import { applyLut, readModalityLut } from './luts';
import { toGreyFrame, type GreyFrame } from './samples';
import type { WalkLimits } from './walk';

export function structureLimits(opts: DecodeOptions): WalkLimits {
  return {
    maxDepth: opts.maxSequenceDepth ?? DEFAULT_MAX_SEQUENCE_DEPTH,
    maxElements: opts.maxElements ?? DEFAULT_MAX_ELEMENTS,
  };
}

const LAYOUT_NOTE: Record<DicomLayout, string> = {
  part10: '',
  'dicm-without-preamble': ', no preamble',
  'meta-without-preamble': ', no preamble',
  'bare-explicit': ', no file meta header',
  'bare-implicit': ', no file meta header',
};

export function createDicomDecoder(codecs: PixelCodecRegistry = defaultPixelCodecs()): ImageDecoder {
  return {
    id: 'dicom',
    description: 'DICOM file',
    extensions: ['dcm', 'dicom', 'dic', 'dc3'],
    sniff: (bytes) => dicomLayout(bytes) !== undefined,
    decode: (bytes, ctx) => decodeDicom(bytes, ctx, codecs),
    unrecognised(bytes, ctx) {
      // A file cut short inside the (usually zero) preamble has nothing left to recognise.
      if (bytes.length <= 132 && bytes.every((b) => b === 0)) {
        return new XrayError(
          'TRUNCATED',
          `${ctx.name} is truncated: it has only ${bytes.length} bytes, all inside the DICOM preamble.`,
        );
      }
      return new XrayError(
        'UNSUPPORTED_FORMAT',
        `${ctx.name} is not a readable DICOM file (no "DICM" marker at byte 128 and no DICOM elements at the start; ${describeContent(bytes)}).`,
      );
    },
  };
}

async function decodeDicom(bytes: Uint8Array, ctx: DecodeContext, codecs: PixelCodecRegistry): Promise<XrayImage> {
  const { name } = ctx;
  const budget = new DecodeBudget(name, ctx.options.timeoutMs ?? DEFAULT_DECODE_TIMEOUT_MS);
  const walkLimits = structureLimits(ctx.options);
  const opened = openContainer(bytes, name);
  const ts = opened.transferSyntax;
  const codec = codecs.get(ts.uid);
  if (!codec) {
    const what = isKnownTransferSyntax(ts.uid) ? `${ts.name} (${ts.uid})` : `an unknown transfer syntax (${ts.uid})`;
    throw new XrayError(
      'UNSUPPORTED_TRANSFER_SYNTAX',
      `${name} is encoded with ${what}, which this version cannot decode yet.`,
      `transfer syntax ${ts.uid}`,
    );
  }
  const inflated = await inflateContainer(opened, { name, limits: ctx.limits, walkLimits, budget });
  const container = checkStructure(inflated, name, walkLimits, budget);
  budget.check('reading the DICOM structure');
  const dataSet = parseDataSet(container, name);
  budget.check('parsing the DICOM data set');

  const pixelData = dataSet.elements[TAG.pixelData];
  if (!pixelData) {
    if (dataSet.elements[TAG.floatPixelData] || dataSet.elements[TAG.doubleFloatPixelData]) {
      throw new XrayError('UNSUPPORTED_FORMAT', `${name} holds floating-point pixel data, which cannot be shown.`);
    }
    // An image object without pixels was almost certainly cut short; anything else is simply not an image.
    const sopClass =
      (dataSet.elements[TAG.sopClassUid] ? dataSet.string(TAG.sopClassUid) : undefined) ??
      container.mediaStorageSopClass;
    if ((dataSet.elements[TAG.rows] && dataSet.elements[TAG.columns]) || isImageSopClass(sopClass)) {
      throw new XrayError(
        'TRUNCATED',
        `${name} is an image object but has no Pixel Data; the file is probably truncated.`,
      );
    }
    throw new XrayError(
      'UNSUPPORTED_FORMAT',
      `${name} contains no image (no Pixel Data); it may be a report or another non-image DICOM object.`,
    );
  }

  const attrs = readImageAttributes(dataSet, name);
  const { layout, sample } = attrs;
  // Only one frame is ever held in memory; the whole declared pixel data is checked against the file by the codec.
  checkPixelLimit(name, layout.columns, layout.rows, ctx.limits);
  const frameIndex = requestedFrame(ctx.options.frame);
  if (frameIndex >= layout.frames) throw frameOutOfRange(name, frameIndex, layout.frames);

  const decoded = await codec.decodeFrame({ dataSet, pixelData, layout, frameIndex, name, budget });
  budget.check('decoding the frame');
  const grey = toGreyFrame(decoded, layout, sample, name);
  const presentation = readPresentation(dataSet);
  const lutNotices = applyModalityLut(dataSet, grey, presentation, layout.photometric);
  const range = modalityRange(minMax(grey.data), presentation.rescale.slope, presentation.rescale.intercept);

  const notices = [
    ...attrs.notices,
    ...(decoded.notices ?? []),
    ...grey.notices,
    ...presentation.notices,
    ...lutNotices,
  ];
  if (container.transferSyntaxGuessed) notices.push(`The file does not state its transfer syntax; read as ${ts.name}.`);
  const photometricText = layout.photometric === grey.photometric ? grey.photometric : `${layout.photometric} as grey`;
  return {
    width: layout.columns,
    height: layout.rows,
    data: grey.data,
    bitsStored: grey.bitsStored,
    signed: grey.signed,
    rescale: presentation.rescale,
    photometric: grey.photometric,
    windows: presentation.windows,
    range,
    source: {
      format: 'dicom',
      encoding: `DICOM ${ts.name}${LAYOUT_NOTE[container.layout]}, ${sample.bitsStored}-bit ${grey.signed ? 'signed ' : ''}${photometricText}`,
      transferSyntaxUid: ts.uid,
      notices,
    },
    ...(presentation.pixelSpacing ? { pixelSpacing: presentation.pixelSpacing } : {}),
    ...(layout.frames > 1 ? { frame: { index: frameIndex, count: layout.frames } } : {}),
  };
}

/**
 * A Modality LUT replaces the stored values with its outputs and supersedes Rescale Slope/Intercept
 * (PS3.3 C.11.1: a file has one or the other). Colour images have no modality transform.
 */
function applyModalityLut(ds: DataSet, grey: GreyFrame, presentation: Presentation, photometric: string): string[] {
  const lut = readModalityLut(ds);
  if (lut === undefined) return [];
  if (!photometric.toUpperCase().startsWith('MONOCHROME'))
    return ['The Modality LUT Sequence of this colour image was ignored.'];
  if (typeof lut === 'string') return [`The Modality LUT Sequence was not applied: ${lut}.`];
  grey.data = applyLut(grey.data, lut);
  grey.bitsStored = lut.bits;
  grey.signed = false;
  const hadRescale = presentation.rescale.slope !== 1 || presentation.rescale.intercept !== 0;
  presentation.rescale = { slope: 1, intercept: 0, ...(lut.unit ? { unit: lut.unit } : {}) };
  const notices = [
    `Modality LUT applied (${lut.data.length.toLocaleString('en-US')} entries, ${lut.bits}-bit output).`,
  ];
  if (hadRescale) notices.push('The file also has Rescale Slope/Intercept; the Modality LUT takes precedence.');
  return notices;
}
