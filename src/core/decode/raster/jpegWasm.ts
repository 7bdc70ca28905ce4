/**
 * Small plain JPEGs decoded by libjpeg-turbo compiled to WebAssembly (the @cornerstonejs codec the DICOM
 * decoder already ships) in the calling thread, instead of by sharp. Same library, same default settings
 * (islow IDCT, fancy upsampling, YCbCr -> RGB), so the samples are bit for bit libvips' (unit test on
 * generated files; all 5,537 chest JPEGs of the shared data); what it saves is sharp's per-call cost
 * (pipeline set-up, a libuv job, libvips' worker threads): a 224x224 chest JPEG 0.6 CPU ms instead of
 * 1.8. Past about half a megapixel libvips' SIMD build is faster, so larger images keep going to sharp.
 *
 * Only files sharp would read the same way: baseline or extended sequential Huffman, 8-bit, 1 or 3
 * components, no EXIF (orientation) and no ICC profile (sharp converts to sRGB through it), at most
 * WASM_JPEG_MAX_PIXELS. Decode time is bounded by the pixel count (one scan per component at most), so the
 * call runs in-thread without a time budget. The codec's wrapper throws on anything libjpeg only warns
 * about: the caller then decodes with sharp as before, so damaged files get sharp's messages unchanged.
 */
export const WASM_JPEG_MAX_PIXELS = 512 * 1024;

interface JpegDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  getDecodedBuffer(): Uint8Array;
  delete(): void;
}

interface CodecModule {
  JPEGDecoder: new () => JpegDecoder;
}

let module: Promise<CodecModule | undefined> | undefined;

/** The codec, loaded once per thread; undefined when it cannot load (then sharp does every file). */
function codec(): Promise<CodecModule | undefined> {
  module ??= (async () => {
    try {
      const noop = () => undefined;
      // Loaded at run time from the installed package (bundles keep @cornerstonejs external); the module
      // reads its .wasm file beside itself.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const factory = require('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs') as (
        o: object,
      ) => Promise<CodecModule>;
      return await factory({ print: noop, printErr: noop });
    } catch {
      return undefined;
    }
  })();
  return module;
}

export interface WasmJpeg {
  width: number;
  height: number;
  channels: 1 | 3;
  /** Interleaved 8-bit samples, a buffer of their own. */
  samples: Uint8Array;
}

/**
 * The decoded samples, or undefined when this path does not take the file (the caller uses sharp).
 * `expected` is the frame header as header.ts read it; a codec answer that differs is not used.
 */
export async function decodeJpegWasm(
  bytes: Uint8Array,
  expected: { width: number; height: number; channels: number },
): Promise<WasmJpeg | undefined> {
  if (expected.width * expected.height > WASM_JPEG_MAX_PIXELS) return undefined;
  const mod = await codec();
  if (!mod) return undefined;
  let decoder: JpegDecoder | undefined;
  // Emscripten's exit path sets process.exitCode; a decode must not change how the process ends.
  const exitCode = process.exitCode;
  try {
    decoder = new mod.JPEGDecoder();
    decoder.getEncodedBuffer(bytes.length).set(bytes);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const view = decoder.getDecodedBuffer();
    const channels = expected.channels as 1 | 3;
    if (
      info.width !== expected.width ||
      info.height !== expected.height ||
      info.bitsPerSample !== 8 ||
      view.length !== expected.width * expected.height * channels
    )
      return undefined;
    return { width: info.width, height: info.height, channels, samples: new Uint8Array(view) };
  } catch {
    // An aborted Emscripten module refuses every later call: load a fresh one next time.
    module = undefined;
    return undefined;
  } finally {
    process.exitCode = exitCode;
    try {
      decoder?.delete();
    } catch {
      module = undefined;
    }
  }
}
