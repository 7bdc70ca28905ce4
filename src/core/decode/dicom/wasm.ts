/**
 * The @cornerstonejs WebAssembly codecs (libjpeg-turbo, CharLS, OpenJPEG), loaded once each and used
 * through one narrow interface. Three things about Emscripten modules matter here:
 *  - they print to stdout (OpenJPEG logs every header it reads), so print/printErr are silenced;
 *  - a failed C++ assertion aborts the module, which then refuses every later call, so a module that
 *    threw is dropped and the next frame loads a fresh one;
 *  - their exit path sets process.exitCode, which must not leak into the host process.
 * The .wasm binary is read from the installed package and handed over as bytes, so nothing depends on
 * where a bundler put the JavaScript glue.
 */
import { readFileSync } from 'node:fs';
import { XrayError } from '../../errors';
import { libraryText } from '../failures';

/** What each codec's decoder class offers (the subset used here). */
export interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean };
  getInterleaveMode?(): number;
  delete(): void;
}

interface WasmModule {
  HEAP8: Int8Array;
  [decoderClass: string]: unknown;
}

type Factory = (opts: Record<string, unknown>) => Promise<WasmModule>;

interface CodecPackage {
  label: string;
  className: string;
  load(): { factory: Factory; wasm: Uint8Array };
}

/* eslint-disable @typescript-eslint/no-require-imports -- the glue is CommonJS without type declarations */
const PACKAGES = {
  jpeg8: {
    label: 'libjpeg-turbo',
    className: 'JPEGDecoder',
    load: () => ({
      factory: require('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs') as Factory,
      wasm: readFileSync(require.resolve('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm')),
    }),
  },
  jpegls: {
    label: 'CharLS',
    className: 'JpegLSDecoder',
    load: () => ({
      factory: require('@cornerstonejs/codec-charls/decodewasmjs') as Factory,
      wasm: readFileSync(require.resolve('@cornerstonejs/codec-charls/decodewasm')),
    }),
  },
  jpeg2000: {
    label: 'OpenJPEG',
    className: 'J2KDecoder',
    load: () => ({
      factory: require('@cornerstonejs/codec-openjpeg/decodewasmjs') as Factory,
      wasm: readFileSync(require.resolve('@cornerstonejs/codec-openjpeg/decodewasm')),
    }),
  },
} satisfies Record<string, CodecPackage>;
/* eslint-enable @typescript-eslint/no-require-imports */

export type WasmCodecName = keyof typeof PACKAGES;

/** A module whose memory grew past this is dropped after use, so one huge image does not pin it. */
const MAX_RETAINED_HEAP = 512 * 1024 * 1024;

const modules = new Map<WasmCodecName, Promise<WasmModule>>();

function moduleFor(name: WasmCodecName): Promise<WasmModule> {
  let m = modules.get(name);
  if (!m) {
    const pkg: CodecPackage = PACKAGES[name];
    m = (async () => {
      const { factory, wasm } = pkg.load();
      const noop = () => {};
      return factory({ wasmBinary: wasm, print: noop, printErr: noop });
    })();
    // A module that failed to load is not cached: the next frame tries again.
    m.catch(() => modules.delete(name));
    modules.set(name, m);
  }
  return m;
}

export interface WasmDecodeResult {
  bytes: Uint8Array;
  info: ReturnType<WasmDecoder['getFrameInfo']>;
  interleaveMode?: number;
}

/**
 * Runs one decode: copies `data` in, decodes, lets `inspect` veto the result by what the codec says it
 * decoded, and copies the samples out. Callers check the codestream header themselves beforehand, so
 * the codec never allocates an image of a size nobody checked. Anything the module throws (Emscripten
 * throws numbers for C++ exceptions) becomes CORRUPT.
 */
export async function wasmDecode(
  name: WasmCodecName,
  data: Uint8Array,
  fileName: string,
  inspect?: (info: WasmDecodeResult['info']) => void,
): Promise<WasmDecodeResult> {
  const pkg: CodecPackage = PACKAGES[name];
  let mod: WasmModule;
  try {
    mod = await moduleFor(name);
  } catch (e) {
    throw new XrayError('INTERNAL', `The ${pkg.label} decoder could not be loaded.`, libraryText(e));
  }
  const Decoder = mod[pkg.className] as new () => WasmDecoder;
  const exitCode = process.exitCode;
  let decoder: WasmDecoder | undefined;
  let healthy = true;
  try {
    decoder = new Decoder();
    decoder.getEncodedBuffer(data.length).set(data);
    decoder.decode();
    const info = decoder.getFrameInfo();
    inspect?.(info);
    // The decoded buffer is a view into the module's memory: copy it out before anything else runs.
    const view = decoder.getDecodedBuffer();
    const bytes = new Uint8Array(view.length);
    bytes.set(view);
    return { bytes, info, interleaveMode: decoder.getInterleaveMode?.() };
  } catch (e) {
    if (e instanceof XrayError) throw e;
    healthy = false;
    throw new XrayError('CORRUPT', `${fileName} is not readable: its compressed image data is damaged (${pkg.label} could not decode it).`, `${pkg.label}: ${wasmErrorText(e)}`);
  } finally {
    process.exitCode = exitCode;
    try {
      decoder?.delete();
    } catch {
      healthy = false;
    }
    if (!healthy || mod.HEAP8.length > MAX_RETAINED_HEAP) modules.delete(name);
  }
}

function wasmErrorText(e: unknown): string {
  // A C++ exception arrives as a bare pointer; its message is not recoverable without the exception-info export.
  if (typeof e === 'number') return `C++ exception (pointer ${e})`;
  return libraryText(e);
}
