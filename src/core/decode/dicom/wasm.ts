/**
 * The @cornerstonejs WebAssembly codecs (libjpeg-turbo, CharLS, OpenJPEG), run in a worker thread.
 * A WebAssembly call cannot be interrupted from its own thread, and the fuzzer found a 194-byte JPEG-LS
 * frame on which CharLS spins for seconds; in a worker, the decode's time budget can stop it: the
 * worker is terminated and the next frame starts a fresh one.
 *
 * Inside the worker: print/printErr are silenced (OpenJPEG logs every header it reads); a module that
 * threw is dropped, because an aborted Emscripten module refuses every later call; and the module's
 * exit path, which sets process.exitCode, is undone. The worker's code is a string here and loads the
 * codec packages by the paths resolved in this thread, so no bundler has to know about it.
 */
import { Worker } from 'node:worker_threads';
import { XrayError } from '../../errors';
import { DecodeBudget } from '../budget';
import { libraryText } from '../failures';

export interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

const CODECS = {
  jpeg8: { label: 'libjpeg-turbo', className: 'JPEGDecoder', pkg: '@cornerstonejs/codec-libjpeg-turbo-8bit' },
  jpegls: { label: 'CharLS', className: 'JpegLSDecoder', pkg: '@cornerstonejs/codec-charls' },
  jpeg2000: { label: 'OpenJPEG', className: 'J2KDecoder', pkg: '@cornerstonejs/codec-openjpeg' },
} as const;

export type WasmCodecName = keyof typeof CODECS;

/** A module whose memory grew past this is dropped after use, so one huge image does not pin it. */
const MAX_RETAINED_HEAP = 512 * 1024 * 1024;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const modules = new Map();
function load(name) {
  let m = modules.get(name);
  if (!m) {
    const c = workerData.codecs[name];
    const noop = () => {};
    m = require(c.js)({ wasmBinary: readFileSync(c.wasm), print: noop, printErr: noop });
    m.catch(() => modules.delete(name));
    modules.set(name, m);
  }
  return m;
}
parentPort.on('message', async ({ id, name, data }) => {
  const c = workerData.codecs[name];
  let decoder;
  let healthy = true;
  const exitCode = process.exitCode;
  try {
    const mod = await load(name);
    decoder = new mod[c.className]();
    decoder.getEncodedBuffer(data.length).set(data);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const view = decoder.getDecodedBuffer();
    const bytes = new Uint8Array(view.length);
    bytes.set(view);
    const interleaveMode = typeof decoder.getInterleaveMode === 'function' ? decoder.getInterleaveMode() : undefined;
    if (mod.HEAP8.length > ${MAX_RETAINED_HEAP}) modules.delete(name);
    parentPort.postMessage({ id, bytes, info: { ...info }, interleaveMode }, [bytes.buffer]);
  } catch (e) {
    healthy = false;
    // A C++ exception arrives as a bare pointer; its text is not recoverable without more exports.
    const text = typeof e === 'number' ? 'C++ exception (pointer ' + e + ')' : e && e.message ? e.message : String(e);
    parentPort.postMessage({ id, error: text });
  } finally {
    process.exitCode = exitCode;
    try { if (decoder) decoder.delete(); } catch { healthy = false; }
    if (!healthy) modules.delete(name);
  }
});
`;

interface Pending {
  resolve: (r: WasmDecodeResult) => void;
  reject: (e: Error) => void;
}

let worker: Worker | undefined;
let nextId = 1;
/** Requests in flight, per worker: a terminated worker fails only its own. */
const pendingByWorker = new WeakMap<Worker, Map<number, Pending>>();

function codecPaths(): Record<string, { js: string; wasm: string; className: string }> {
  const out: Record<string, { js: string; wasm: string; className: string }> = {};
  for (const [name, c] of Object.entries(CODECS)) {
    out[name] = {
      js: require.resolve(`${c.pkg}/decodewasmjs`),
      wasm: require.resolve(`${c.pkg}/decodewasm`),
      className: c.className,
    };
  }
  return out;
}

function getWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { codecs: codecPaths() } });
  const pending = new Map<number, Pending>();
  pendingByWorker.set(w, pending);
  w.on(
    'message',
    (m: { id: number; bytes?: Uint8Array; info?: FrameInfo; interleaveMode?: number; error?: string }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (pending.size === 0) w.unref();
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve({ bytes: m.bytes!, info: m.info!, interleaveMode: m.interleaveMode });
    },
  );
  const failAll = (err: Error) => {
    if (worker === w) worker = undefined;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  w.on('error', failAll);
  w.on('exit', (code) => failAll(new Error(`codec worker exited (${code})`)));
  w.unref();
  worker = w;
  return w;
}

export interface WasmDecodeResult {
  bytes: Uint8Array;
  info: FrameInfo;
  interleaveMode?: number;
}

/**
 * Decodes one codestream in the codec worker, within what is left of `budget`; then lets `inspect`
 * veto the result by what the codec says it decoded. Callers check the codestream header beforehand,
 * so the codec never allocates an image of a size nobody checked. A codec failure is CORRUPT; running
 * out of time is DECODE_TIMEOUT (and costs the worker, which is restarted on the next call).
 */
export async function wasmDecode(
  name: WasmCodecName,
  data: Uint8Array,
  fileName: string,
  inspect?: (info: FrameInfo) => void,
  budget: DecodeBudget = DecodeBudget.unlimited(fileName),
): Promise<WasmDecodeResult> {
  const label = CODECS[name].label;
  const id = nextId++;
  let w: Worker;
  try {
    w = getWorker();
  } catch (e) {
    throw new XrayError('INTERNAL', `The ${label} decoder could not be started.`, libraryText(e));
  }
  // A plain copy with a buffer of its own, transferred to the worker: `data` may be a view into the
  // caller's Buffer, whose slice() is a view too, and transferring that would detach the caller's file.
  const copy = new Uint8Array(data);
  const pending = pendingByWorker.get(w)!;
  const result = new Promise<WasmDecodeResult>((resolve, reject) => pending.set(id, { resolve, reject }));
  w.ref();
  w.postMessage({ id, name, data: copy }, [copy.buffer]);
  const remaining = Math.max(0, budget.remainingMs());
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        pending.delete(id);
        if (worker === w) worker = undefined;
        void w.terminate();
        reject(budget.timeoutError(`${label} decoding`));
      },
      Math.min(remaining, 2 ** 31 - 1),
    );
  });
  let r: WasmDecodeResult;
  try {
    r = await Promise.race([result, timeout]);
  } catch (e) {
    if (e instanceof XrayError) throw e;
    throw new XrayError(
      'CORRUPT',
      `${fileName} is not readable: its compressed image data is damaged (${label} could not decode it).`,
      `${label}: ${libraryText(e)}`,
    );
  } finally {
    clearTimeout(timer);
  }
  inspect?.(r.info);
  return r;
}
