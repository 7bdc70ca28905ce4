/**
 * Pixel codecs for DICOM's compressed and non-native transfer syntaxes. Each finds its frame's bytes
 * (encapsulated.ts), checks the codestream header against the DICOM attributes before anything is
 * allocated (codestream.ts), decodes with the library that handles that stream best, and returns
 * little-endian samples in the layout the shared grey step expects.
 *
 *  - RLE Lossless: rle.ts (PS3.5 Annex G, written here).
 *  - JPEG baseline/extended: libjpeg-turbo (WebAssembly) for 8-bit; jpeg-dct.ts for 12-bit, for 8-bit
 *    streams without an end marker, where it can tell a complete image from a cut one, and for 8-bit
 *    streams libjpeg-turbo refuses (its wrapper fails on any libjpeg warning, e.g. the all-zero scan
 *    parameters the PVRG encoder writes).
 *  - JPEG lossless (process 14, any predictor incl. SV1): jpeg-lossless.ts (jpeg-lossless-decoder-js
 *    decodes wrong samples next to restart markers).
 *  - JPEG-LS lossless and near-lossless: CharLS (WebAssembly).
 *  - JPEG 2000 lossless and lossy: OpenJPEG (WebAssembly).
 *  - Explicit VR big endian and encapsulated uncompressed: byte order and fragments only.
 */
import { XrayError } from '../../errors';
import { DecodeBudget } from '../budget';
import {
  frameByteLength,
  nativeLittleEndianCodec,
  type DecodedFrame,
  type FrameRequest,
  type PixelCodec,
} from './codecs';
import { checkAgainstLayout, readJ2kHeader, readJpegHeader, type CodestreamHeader } from './codestream';
import { encapsulatedFrame } from './encapsulated';
import { decodeJpegDct } from './jpeg-dct';
import { unsupportedProcess } from './jpeg-entropy';
import { decodeJpegLossless } from './jpeg-lossless';
import { decodeRle } from './rle';
import { wasmDecode } from './wasm';

const budgetOf = (req: FrameRequest) => req.budget ?? DecodeBudget.unlimited(req.name);

/** Samples as little-endian bytes (a fresh buffer; the input's own byte order is the host's). */
function samplesToBytes(samples: Uint8Array | Uint16Array): Uint8Array {
  if (samples instanceof Uint8Array) return samples;
  const out = new Uint8Array(samples.length * 2);
  for (let i = 0, o = 0; i < samples.length; i++, o += 2) {
    out[o] = samples[i] & 0xff;
    out[o + 1] = samples[i] >> 8;
  }
  return out;
}

/** Photometric interpretation of decoded colour samples: JPEG and JPEG 2000 decoders undo YCbCr/ICT/RCT. */
function colourAfterDecode(declared: string, components: number, decoderConvertsToRgb: boolean): string | undefined {
  if (components !== 3) return undefined;
  const p = declared.toUpperCase();
  if (decoderConvertsToRgb || p === 'YBR_ICT' || p === 'YBR_RCT') return 'RGB';
  // Uncoverted YCbCr comes out full resolution whatever the file's subsampling label says.
  return p.startsWith('YBR') ? 'YBR_FULL' : p;
}

export const rleCodec: PixelCodec = {
  description: 'RLE',
  decodeFrame(req) {
    return decodeRle(encapsulatedFrame(req, 'rle'), req.layout, budgetOf(req), req.name);
  },
};

/**
 * JPEG baseline (process 1) and extended (processes 2 and 4), with the lossless processes accepted too;
 * with `progressiveSyntax`, for the retired progressive syntaxes, where a progressive frame is expected.
 */
function jpegFrameCodec(progressiveSyntax: boolean): PixelCodec {
  return {
    description: progressiveSyntax ? 'JPEG progressive' : 'JPEG',
    decodeFrame: (req) => decodeJpegFrame(req, progressiveSyntax),
  };
}

export const jpegCodec = jpegFrameCodec(false);
export const jpegProgressiveCodec = jpegFrameCodec(true);

async function decodeJpegFrame(req: FrameRequest, progressiveSyntax: boolean): Promise<DecodedFrame> {
  const data = encapsulatedFrame(req, 'jpeg');
  const h = readJpegHeader(data, req.name);
  if (h.process === 'lossless') return losslessJpeg(req, data, h);
  if (h.process === 'jpeg-ls') return jpegLs(req, data, h);
  if (
    h.process === 'arithmetic' ||
    h.process === 'hierarchical' ||
    (h.process === 'progressive' && h.precision !== 8)
  ) {
    throw unsupportedProcess(h.marker!, req.name, h.precision);
  }
  checkAgainstLayout(h, req.layout, 'JPEG', req.name);
  const notices: string[] = [];
  const colour = (fromTurbo: boolean) => colourAfterDecode(req.layout.photometric, h.components, fromTurbo);
  if (h.process === 'progressive') {
    const r = await wasmDecode('jpeg8', data, req.name, undefined, budgetOf(req));
    if (!progressiveSyntax)
      notices.push(
        'The JPEG frame is progressive, which DICOM does not allow for this transfer syntax; it was decoded anyway.',
      );
    return {
      bytes: r.bytes,
      bitsAllocated: 8,
      planarConfiguration: 0,
      photometric: colour(true),
      notices,
      values: true,
    };
  }
  if (h.precision === 8 && h.hasEnd) {
    try {
      const r = await wasmDecode('jpeg8', data, req.name, undefined, budgetOf(req));
      return {
        bytes: r.bytes,
        bitsAllocated: 8,
        planarConfiguration: 0,
        photometric: colour(true),
        notices,
        values: true,
      };
    } catch (e) {
      // libjpeg-turbo's wrapper fails on what libjpeg only warns about; the strict decoder here
      // decides. Its own error is the one to report when it fails too.
      if (!(e instanceof XrayError) || e.code !== 'CORRUPT') throw e;
    }
  }
  if (!h.hasEnd) notices.push('The JPEG frame has no end-of-image marker; its data was complete all the same.');
  const img = decodeJpegDct(data, budgetOf(req), req.name);
  return {
    bytes: samplesToBytes(img.samples),
    bitsAllocated: img.precision > 8 ? 16 : 8,
    planarConfiguration: 0,
    photometric: colour(false),
    notices,
    values: true,
  };
}

export const jpegLosslessCodec: PixelCodec = {
  description: 'JPEG lossless',
  decodeFrame(req) {
    const data = encapsulatedFrame(req, 'jpeg');
    const h = readJpegHeader(data, req.name);
    if (h.process !== 'lossless') return jpegCodec.decodeFrame(req);
    return losslessJpeg(req, data, h);
  },
};

function losslessJpeg(req: FrameRequest, data: Uint8Array, h: CodestreamHeader): DecodedFrame {
  checkAgainstLayout(h, req.layout, 'JPEG lossless', req.name);
  const img = decodeJpegLossless(data, budgetOf(req), req.name);
  const notices = h.hasEnd ? [] : ['The JPEG frame has no end-of-image marker; its data was complete all the same.'];
  return {
    bytes: samplesToBytes(img.samples),
    bitsAllocated: img.precision > 8 ? 16 : 8,
    planarConfiguration: 0,
    photometric: colourAfterDecode(req.layout.photometric, img.components, false),
    notices,
    values: true,
  };
}

export const jpegLsCodec: PixelCodec = {
  description: 'JPEG-LS',
  decodeFrame(req) {
    const data = encapsulatedFrame(req, 'jpeg-ls');
    const h = readJpegHeader(data, req.name);
    if (h.process !== 'jpeg-ls')
      throw new XrayError(
        'CORRUPT',
        `${req.name} is not readable: its JPEG-LS transfer syntax holds a ${h.process} JPEG frame.`,
      );
    return jpegLs(req, data, h);
  },
};

async function jpegLs(req: FrameRequest, data: Uint8Array, h: CodestreamHeader): Promise<DecodedFrame> {
  // Interleave mode 0 (none) stores colour planes one after another.
  return wasmFrame(req, data, h, 'jpegls', 'JPEG-LS', (r) => (h.components > 1 && r.interleaveMode === 0 ? 1 : 0));
}

/**
 * A frame decoded by one of the WebAssembly codecs, its header checked against the DICOM layout before
 * decoding and the codec's own report of the frame checked again as soon as it has read it.
 */
async function wasmFrame(
  req: FrameRequest,
  data: Uint8Array,
  h: CodestreamHeader,
  codec: 'jpegls' | 'jpeg2000',
  label: string,
  planarOf: (r: Awaited<ReturnType<typeof wasmDecode>>) => 0 | 1,
): Promise<DecodedFrame> {
  checkAgainstLayout(h, req.layout, label, req.name);
  const r = await wasmDecode(
    codec,
    data,
    req.name,
    (info) =>
      checkAgainstLayout(
        { ...info, precision: info.bitsPerSample, components: info.componentCount },
        req.layout,
        label,
        req.name,
      ),
    budgetOf(req),
  );
  const bytesPerSample = r.info.bitsPerSample > 8 ? 2 : 1;
  return {
    bytes: r.bytes,
    bitsAllocated: bytesPerSample * 8,
    planarConfiguration: planarOf(r),
    photometric: colourAfterDecode(req.layout.photometric, h.components, false),
    values: true,
  };
}

export const jpeg2000Codec: PixelCodec = {
  description: 'JPEG 2000',
  async decodeFrame(req) {
    const data = encapsulatedFrame(req, 'jpeg2000');
    return wasmFrame(req, data, readJ2kHeader(data, req.name), 'jpeg2000', 'JPEG 2000', () => 0);
  },
};

/** Explicit VR Big Endian: native frames whose 16-bit words (and OW-typed 8-bit data) are byte-swapped. */
export const bigEndianCodec: PixelCodec = {
  description: 'uncompressed, big endian',
  decodeFrame(req) {
    const frame = nativeLittleEndianCodec.decodeFrame(req) as DecodedFrame;
    // OW values are swapped as 16-bit words even when they hold 8-bit samples; OB values never are.
    const swap = req.pixelData.vr === 'OB' ? false : req.layout.bitsAllocated === 16 || req.pixelData.vr === 'OW';
    if (!swap) return frame;
    const src = frame.bytes;
    const out = new Uint8Array(src.length);
    for (let i = 0; i + 1 < src.length; i += 2) {
      out[i] = src[i + 1];
      out[i + 1] = src[i];
    }
    return { ...frame, bytes: out };
  },
};

/** Encapsulated Uncompressed Explicit VR Little Endian (1.2.840.10008.1.2.1.98): raw frames in fragments. */
export const encapsulatedUncompressedCodec: PixelCodec = {
  description: 'uncompressed, encapsulated',
  decodeFrame(req) {
    const bytes = encapsulatedFrame(req, 'rle');
    const need = frameByteLength(req.layout);
    if (bytes.length < need) {
      throw new XrayError(
        'TRUNCATED',
        `${req.name} has too little pixel data for frame ${req.frameIndex + 1} (${bytes.length} of ${need} bytes).`,
      );
    }
    return { bytes };
  },
};
