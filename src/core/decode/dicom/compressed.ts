/**
 * Pixel codecs for DICOM's compressed and non-native transfer syntaxes. Each finds its frame's bytes
 * (encapsulated.ts), checks the codestream header against the DICOM attributes before anything is
 * allocated (codestream.ts), decodes with the library that handles that stream best, and returns
 * little-endian samples in the layout the shared grey step expects.
 *
 *  - RLE Lossless: rle.ts (PS3.5 Annex G, written here).
 *  - JPEG baseline/extended: libjpeg-turbo (WebAssembly) for 8-bit; jpeg-dct.ts for 12-bit, and for
 *    8-bit streams without an end marker, where it can tell a complete image from a cut one.
 *  - JPEG lossless (process 14, any predictor incl. SV1): jpeg-lossless-decoder-js.
 *  - JPEG-LS lossless and near-lossless: CharLS (WebAssembly).
 *  - JPEG 2000 lossless and lossy: OpenJPEG (WebAssembly).
 *  - Explicit VR big endian and encapsulated uncompressed: byte order and fragments only.
 */
import { XrayError } from '../../errors';
import { DecodeBudget } from '../budget';
import { libraryText } from '../failures';
import { frameByteLength, nativeLittleEndianCodec, type DecodedFrame, type FrameRequest, type PixelCodec } from './codecs';
import { checkAgainstLayout, readJ2kHeader, readJpegHeader, type CodestreamHeader } from './codestream';
import { encapsulatedFrame } from './encapsulated';
import { decodeJpegDct } from './jpeg-dct';
import { decodeRle } from './rle';
import { wasmDecode } from './wasm';

// The package ships no type declarations; this is the one member used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Decoder: LosslessDecoder } = require('jpeg-lossless-decoder-js') as {
  Decoder: new () => { decode(buffer: ArrayBuffer, offset: number, length: number, bytesPerSample: number): Uint8Array | Uint16Array };
};

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

function unsupportedProcess(h: CodestreamHeader, name: string): XrayError {
  const what: Record<string, string> = {
    arithmetic: 'arithmetic-coded JPEG',
    hierarchical: 'hierarchical JPEG',
    progressive: `${h.precision}-bit progressive JPEG`,
  };
  return new XrayError('UNSUPPORTED_FORMAT', `${name} stores its image as ${what[h.process ?? ''] ?? `JPEG (${h.process})`}, which this viewer cannot decode.`);
}

export const rleCodec: PixelCodec = {
  description: 'RLE',
  decodeFrame(req) {
    return decodeRle(encapsulatedFrame(req, 'rle'), req.layout, budgetOf(req), req.name);
  },
};

/** JPEG baseline (process 1) and extended (processes 2 and 4), with the lossless processes accepted too. */
export const jpegCodec: PixelCodec = {
  description: 'JPEG',
  async decodeFrame(req) {
    const data = encapsulatedFrame(req, 'jpeg');
    const h = readJpegHeader(data, req.name);
    if (h.process === 'lossless') return losslessJpeg(req, data, h);
    if (h.process === 'jpeg-ls') return jpegLs(req, data, h);
    if (h.process === 'arithmetic' || h.process === 'hierarchical' || (h.process === 'progressive' && h.precision !== 8)) throw unsupportedProcess(h, req.name);
    checkAgainstLayout(h, req.layout, 'JPEG', req.name);
    const notices: string[] = [];
    if (h.precision === 8 && (h.hasEnd || h.process === 'progressive')) {
      const r = await wasmDecode('jpeg8', data, req.name, undefined, budgetOf(req));
      if (h.process === 'progressive') notices.push('The JPEG frame is progressive, which DICOM does not allow for this transfer syntax; it was decoded anyway.');
      return { bytes: r.bytes, bitsAllocated: 8, planarConfiguration: 0, photometric: colourAfterDecode(req.layout.photometric, h.components, true), notices, values: true };
    }
    if (!h.hasEnd) notices.push('The JPEG frame has no end-of-image marker; its data was complete all the same.');
    const img = decodeJpegDct(data, budgetOf(req), req.name);
    return {
      bytes: samplesToBytes(img.samples),
      bitsAllocated: img.precision > 8 ? 16 : 8,
      planarConfiguration: 0,
      photometric: colourAfterDecode(req.layout.photometric, img.components, false),
      notices,
      values: true,
    };
  },
};

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
  // The decoder reads past a short buffer without noticing; an end marker is the evidence that it is whole.
  if (!h.hasEnd) throw new XrayError('TRUNCATED', `${req.name} is truncated: its JPEG lossless frame has no end-of-image marker.`);
  if (h.components !== 1 && !(h.components === 3 && h.precision <= 8)) {
    throw new XrayError('UNSUPPORTED_FORMAT', `${req.name} has a ${h.precision}-bit JPEG lossless frame with ${h.components} components, which cannot be decoded.`);
  }
  const bytesPerSample = h.precision > 8 ? 2 : 1;
  let out: Uint8Array | Uint16Array;
  try {
    // A plain copy with a buffer of its own: `data` may be a view into a Buffer (whose slice() is a view too).
    const copy = new Uint8Array(data);
    out = new LosslessDecoder().decode(copy.buffer, 0, copy.length, bytesPerSample) as Uint8Array | Uint16Array;
  } catch (e) {
    throw new XrayError('CORRUPT', `${req.name} is not readable: its JPEG lossless data is damaged.`, libraryText(e));
  }
  const expected = h.width * h.height * h.components;
  if (!out || out.length < expected) throw new XrayError('CORRUPT', `${req.name} is not readable: its JPEG lossless data decodes to too few samples.`);
  return { bytes: samplesToBytes(out), bitsAllocated: bytesPerSample * 8, planarConfiguration: 0, photometric: colourAfterDecode(req.layout.photometric, h.components, false), values: true };
}

export const jpegLsCodec: PixelCodec = {
  description: 'JPEG-LS',
  decodeFrame(req) {
    const data = encapsulatedFrame(req, 'jpeg-ls');
    const h = readJpegHeader(data, req.name);
    if (h.process !== 'jpeg-ls') throw new XrayError('CORRUPT', `${req.name} is not readable: its JPEG-LS transfer syntax holds a ${h.process} JPEG frame.`);
    return jpegLs(req, data, h);
  },
};

async function jpegLs(req: FrameRequest, data: Uint8Array, h: CodestreamHeader): Promise<DecodedFrame> {
  checkAgainstLayout(h, req.layout, 'JPEG-LS', req.name);
  const r = await wasmDecode(
    'jpegls',
    data,
    req.name,
    (info) => checkAgainstLayout({ ...info, precision: info.bitsPerSample, components: info.componentCount }, req.layout, 'JPEG-LS', req.name),
    budgetOf(req),
  );
  const bytesPerSample = r.info.bitsPerSample > 8 ? 2 : 1;
  const planar = h.components > 1 && r.interleaveMode === 0 ? 1 : 0;
  return { bytes: r.bytes, bitsAllocated: bytesPerSample * 8, planarConfiguration: planar, photometric: colourAfterDecode(req.layout.photometric, h.components, false), values: true };
}

export const jpeg2000Codec: PixelCodec = {
  description: 'JPEG 2000',
  async decodeFrame(req) {
    const data = encapsulatedFrame(req, 'jpeg2000');
    const h = readJ2kHeader(data, req.name);
    checkAgainstLayout(h, req.layout, 'JPEG 2000', req.name);
    const r = await wasmDecode(
      'jpeg2000',
      data,
      req.name,
      (info) => checkAgainstLayout({ ...info, precision: info.bitsPerSample, components: info.componentCount }, req.layout, 'JPEG 2000', req.name),
      budgetOf(req),
    );
    const bytesPerSample = r.info.bitsPerSample > 8 ? 2 : 1;
    return { bytes: r.bytes, bitsAllocated: bytesPerSample * 8, planarConfiguration: 0, photometric: colourAfterDecode(req.layout.photometric, h.components, false), values: true };
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
      throw new XrayError('TRUNCATED', `${req.name} has too little pixel data for frame ${req.frameIndex + 1} (${bytes.length} of ${need} bytes).`);
    }
    return { bytes };
  },
};
