/**
 * Pixel codecs, keyed by transfer syntax UID. A codec turns the Pixel Data element into one frame of
 * samples laid out as uncompressed little-endian DICOM would hold them; everything after that
 * (bit masking, sign, colour to grey, rescale) is shared. The codecs for compressed and non-native
 * syntaxes are in compressed.ts; pixel-codecs.ts registers them all.
 */
import type { DataSet, Element } from 'dicom-parser';
import { XrayError } from '../../errors';
import type { DecodeBudget } from '../budget';

/** Geometry and sample format of the stored image, from the Image Pixel module. */
export interface FrameLayout {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  /** 0: samples interleaved per pixel; 1: one plane per sample. */
  planarConfiguration: 0 | 1;
  photometric: string;
  frames: number;
}

export interface FrameRequest {
  dataSet: DataSet;
  pixelData: Element;
  layout: FrameLayout;
  frameIndex: number;
  /** File name for messages. */
  name: string;
  /** Time budget of the whole decode; codecs check it between fragments and in long loops. */
  budget?: DecodeBudget;
}

export interface DecodedFrame {
  /** Samples, little endian, `bitsAllocated` bits each, interleaved or planar per `planarConfiguration`. */
  bytes: Uint8Array;
  /** Set when the codec's output differs from the file's declaration (e.g. a JPEG decoder returning RGB for YBR). */
  bitsAllocated?: number;
  planarConfiguration?: 0 | 1;
  photometric?: string;
  /** Things the user should know about how the frame was read. */
  notices?: string[];
  /**
   * The codec produced pixel values rather than stored words: there are no overlay bits above High Bit
   * to mask off, and a value outside Bits Stored (a lossy codec's overshoot) is clamped, not wrapped.
   */
  values?: boolean;
}

export interface PixelCodec {
  /** Short description for ImageSource.encoding, e.g. "uncompressed". */
  readonly description: string;
  decodeFrame(req: FrameRequest): DecodedFrame | Promise<DecodedFrame>;
}

export class PixelCodecRegistry {
  private readonly byUid = new Map<string, PixelCodec>();

  register(uids: readonly string[], codec: PixelCodec): this {
    for (const uid of uids) this.byUid.set(uid, codec);
    return this;
  }

  get(uid: string): PixelCodec | undefined {
    return this.byUid.get(uid);
  }

  uids(): string[] {
    return [...this.byUid.keys()];
  }
}

/** Samples in one uncompressed frame; YBR_FULL_422 stores two luminance and two chroma samples per pixel pair. */
export function samplesPerFrame(photometric: string, rows: number, columns: number, samplesPerPixel: number): number {
  return photometric.toUpperCase() === 'YBR_FULL_422' && samplesPerPixel === 3
    ? rows * Math.ceil(columns / 2) * 4
    : rows * columns * samplesPerPixel;
}

export function frameByteLength(layout: FrameLayout): number {
  return (
    samplesPerFrame(layout.photometric, layout.rows, layout.columns, layout.samplesPerPixel) *
    (layout.bitsAllocated / 8)
  );
}

/** Native (uncompressed) little-endian pixel data: frames are back to back in one element. */
export const nativeLittleEndianCodec: PixelCodec = {
  description: 'uncompressed',
  decodeFrame({ dataSet, pixelData, layout, frameIndex, name }) {
    if (pixelData.hadUndefinedLength || pixelData.encapsulatedPixelData) {
      throw new XrayError(
        'CORRUPT',
        `${name} declares uncompressed pixel data but stores it encapsulated (compressed).`,
      );
    }
    const frameBytes = frameByteLength(layout);
    const needed = frameBytes * layout.frames;
    const available = Math.min(pixelData.length, dataSet.byteArray.length - pixelData.dataOffset);
    if (needed > available) {
      const frames = layout.frames > 1 ? ` × ${layout.frames} frames` : '';
      throw new XrayError(
        'TRUNCATED',
        `${name} has too little pixel data: ${layout.columns} × ${layout.rows} pixels${frames} at ${layout.bitsAllocated} bits need ${needed.toLocaleString('en-US')} bytes, the file holds ${available.toLocaleString('en-US')}.`,
        `pixel data offset ${pixelData.dataOffset} declared length ${pixelData.length} file ${dataSet.byteArray.length}`,
      );
    }
    const start = pixelData.dataOffset + frameIndex * frameBytes;
    return { bytes: dataSet.byteArray.subarray(start, start + frameBytes) };
  },
};
