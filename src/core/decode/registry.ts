import type { DecodeLimits, XrayImage } from '../image/types';

export interface DecodeOptions {
  /** Zero-based frame (DICOM multi-frame) or page (multi-page TIFF); default 0. */
  frame?: number;
  /** Wall-clock budget for one decode (DECODE_TIMEOUT past it); default DEFAULT_DECODE_TIMEOUT_MS. */
  timeoutMs?: number;
  /** DICOM: most sequences nested in one another; default DEFAULT_MAX_SEQUENCE_DEPTH. */
  maxSequenceDepth?: number;
  /** DICOM: most elements (items and fragments included) in a data set; default DEFAULT_MAX_ELEMENTS. */
  maxElements?: number;
}

export const DEFAULT_DECODE_TIMEOUT_MS = 30_000;
/** Real files nest a few levels (structured reports a few dozen); 10,000 levels is an attack on the parser's stack. */
export const DEFAULT_MAX_SEQUENCE_DEPTH = 128;
/** An image header has hundreds of elements; each one parsed costs an object, so millions would exhaust memory. */
export const DEFAULT_MAX_ELEMENTS = 250_000;

export interface DecodeContext {
  /** File name as the user knows it, directories stripped; used in messages only. */
  name: string;
  limits: DecodeLimits;
  options: DecodeOptions;
}

/**
 * One family of file formats. `sniff` looks at content only; `extensions` are consulted only to break
 * ties between decoders that both claim the bytes, or to pick whose error message a file that no
 * decoder recognises gets.
 */
export interface ImageDecoder {
  readonly id: string;
  /** What the decoder reads, for messages ("PNG, JPEG or TIFF image"). */
  readonly description: string;
  readonly extensions: readonly string[];
  sniff(bytes: Uint8Array, fileName: string): boolean;
  decode(bytes: Uint8Array, ctx: DecodeContext): Promise<XrayImage>;
  /**
   * Error for a file that carries one of this decoder's extensions but whose content nobody
   * recognised: lets the message say "x.png is not a readable PNG image" rather than something generic.
   */
  unrecognised(bytes: Uint8Array, ctx: DecodeContext): Error;
}

export class DecoderRegistry {
  private readonly decoders: ImageDecoder[] = [];

  /** Earlier registrations win ties that the file extension cannot break. */
  register(decoder: ImageDecoder): this {
    if (this.decoders.some((d) => d.id === decoder.id)) throw new Error(`decoder ${decoder.id} is already registered`);
    this.decoders.push(decoder);
    return this;
  }

  list(): readonly ImageDecoder[] {
    return this.decoders;
  }

  /** Decoders whose sniff accepts the bytes, best first. */
  candidates(bytes: Uint8Array, fileName: string, ext: string): ImageDecoder[] {
    const hits = this.decoders.filter((d) => safeSniff(d, bytes, fileName));
    // Stable sort: extension matches first, registration order otherwise.
    return hits
      .map((d, i) => ({ d, rank: d.extensions.includes(ext) ? 0 : 1, i }))
      .sort((a, b) => a.rank - b.rank || a.i - b.i)
      .map((x) => x.d);
  }

  byExtension(ext: string): ImageDecoder | undefined {
    return ext ? this.decoders.find((d) => d.extensions.includes(ext)) : undefined;
  }
}

/** A sniff that throws (a bug, or bytes it did not foresee) is a "no", not a crash. */
function safeSniff(d: ImageDecoder, bytes: Uint8Array, fileName: string): boolean {
  try {
    return d.sniff(bytes, fileName);
  } catch {
    return false;
  }
}
