/**
 * decodeImage: bytes + file name -> XrayImage, or an XrayError a person can read. The format is
 * decided by content; the extension only breaks ties and picks whose "not a valid ..." message a file
 * that nothing recognises gets. Decoders live in a registry so new formats slot in without touching
 * this file.
 */
import { XrayError } from '../errors';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, type ImageFormat, type XrayImage } from '../image/types';
import { createDicomDecoder } from './dicom/decoder';
import { emptyFile, fileTooLarge, libraryText } from './failures';
import { RASTER_EXTENSIONS, rasterDecoder } from './raster/decoder';
import { DecoderRegistry, type DecodeOptions } from './registry';
import { baseName, describeContent, extensionOf } from './sniff';

export {
  DecoderRegistry,
  DEFAULT_DECODE_TIMEOUT_MS,
  DEFAULT_MAX_ELEMENTS,
  DEFAULT_MAX_SEQUENCE_DEPTH,
} from './registry';
export { DecodeBudget } from './budget';
export type { DecodeContext, DecodeOptions, ImageDecoder } from './registry';
export { createDicomDecoder } from './dicom/decoder';
export { PixelCodecRegistry, nativeLittleEndianCodec } from './dicom/codecs';
export { defaultPixelCodecs } from './dicom/pixel-codecs';
export type { DecodedFrame, FrameLayout, FrameRequest, PixelCodec } from './dicom/codecs';
export { transferSyntax, type TransferSyntax } from './dicom/transfer-syntax';
export { rasterDecoder } from './raster/decoder';
export { readDicomTags, type DicomTagEntry, type ReadTagsOptions } from './dicom/tags';

/** DICOM first: a DICOM file's preamble may legally hold a TIFF header (dual-format files). */
export function defaultDecoders(): DecoderRegistry {
  return new DecoderRegistry().register(createDicomDecoder()).register(rasterDecoder);
}

const DEFAULT_REGISTRY = defaultDecoders();

const FORMAT_BY_EXTENSION: Record<string, ImageFormat> = {
  ...RASTER_EXTENSIONS,
  dcm: 'dicom',
  dicom: 'dicom',
  dic: 'dicom',
  dc3: 'dicom',
};
const FORMAT_LABEL: Record<ImageFormat, string> = {
  png: 'a PNG image',
  jpeg: 'a JPEG image',
  tiff: 'a TIFF image',
  dicom: 'DICOM',
};

/**
 * Decodes one frame of an X-ray file. `fileName` is used for messages (directories stripped) and as a
 * tie-break between formats; `limits` are enforced before pixel buffers are allocated; `opts.frame`
 * picks a DICOM frame or TIFF page. Rejects only with XrayError: EMPTY_FILE, TOO_LARGE, TRUNCATED,
 * CORRUPT, UNSUPPORTED_FORMAT, UNSUPPORTED_TRANSFER_SYNTAX, DECODE_TIMEOUT, or INTERNAL for a frame
 * index out of range. The result carries no patient-identifying data.
 */
export async function decodeImage(
  bytes: Uint8Array,
  fileName: string,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
  opts: DecodeOptions = {},
  registry: DecoderRegistry = DEFAULT_REGISTRY,
): Promise<XrayImage> {
  const name = baseName(fileName);
  if (bytes.length === 0) throw emptyFile(name);
  if (bytes.length > limits.maxFileBytes) throw fileTooLarge(name, bytes.length, limits);
  const ext = extensionOf(fileName);
  const ctx = { name, limits, options: opts };

  const decoder = registry.candidates(bytes, fileName, ext)[0];
  if (!decoder) {
    const claimed = registry.byExtension(ext);
    if (claimed) throw claimed.unrecognised(bytes, ctx);
    const kinds = registry
      .list()
      .map((d) => d.description)
      .join(' or ');
    throw new XrayError('UNSUPPORTED_FORMAT', `${name} is not a ${kinds} (${describeContent(bytes)}).`);
  }
  let image: XrayImage;
  try {
    image = await decoder.decode(bytes, ctx);
  } catch (err) {
    if (err instanceof XrayError) throw err;
    // A decoder bug or a library failure nobody foresaw: still a readable message, never a raw stack.
    throw new XrayError('CORRUPT', `${name} could not be read as a ${decoder.description}.`, libraryText(err));
  }
  const implied = FORMAT_BY_EXTENSION[ext];
  if (implied && implied !== image.source.format) {
    const actual = FORMAT_LABEL[image.source.format];
    image.source.notices.push(`The name ends in .${ext} but the file is ${actual}; it was read as ${actual}.`);
  }
  return image;
}
