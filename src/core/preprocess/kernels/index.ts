/**
 * WebAssembly kernels for the few per-pixel loops where V8's bounds-checked typed-array code is the
 * bottleneck (CLAHE's row mapping: 3x faster as a kernel, measured). Sources in ./assembly
 * (AssemblyScript), compiled by `npm run kernels` into ./*.wasm.ts. Pure: the bytes are in the
 * bundle, compiled synchronously once per process; each user gets its own instance and memory, sized
 * for its data, so nothing is shared between calls and the garbage collector frees it.
 */
import { XrayError } from '../../errors';
import { CLAHE_WASM_BASE64 } from './clahe.wasm';

export interface ClaheKernels {
  memory: WebAssembly.Memory;
  blendTables(luts: number, r1: number, r2: number, ya: number, out: number, n: number): void;
  mapRow8(
    bins: number,
    tables: number,
    base: number,
    runs: number,
    runA: number,
    runB: number,
    nRuns: number,
    colW: number,
    out: number,
  ): void;
  mapRow16(
    bins: number,
    tables: number,
    base: number,
    runs: number,
    runA: number,
    runB: number,
    nRuns: number,
    colW: number,
    out: number,
  ): void;
  binSamples16(samples: number, n: number, table: number, flip: number, out: number): void;
  shrinkRow(row: number, start: number, count: number, offset: number, weight: number, nOut: number, out: number): void;
}

let claheModule: WebAssembly.Module | undefined;
/** The last released instance, kept for the next user: its memory pages are already mapped. */
let spare: ClaheKernels | undefined;

function bytesOf(base64: string): Uint8Array<ArrayBuffer> {
  const s = atob(base64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * A CLAHE kernel instance whose memory holds at least `bytes` bytes, for the caller's sole use until it
 * hands it back with releaseClaheKernels (then it serves the next caller: a fresh 15 MB memory costs
 * its page faults again on every image). Not handing it back is safe, only slower. Its memory is not
 * cleared: callers write every byte they read.
 */
export function acquireClaheKernels(bytes: number): ClaheKernels {
  const k = spare ?? newInstance();
  spare = undefined;
  ensureBytes(k, bytes);
  return k;
}

export function releaseClaheKernels(k: ClaheKernels): void {
  spare = k;
}

/** Grows the instance's memory to at least `bytes` (views made before must then be made again). */
export function ensureBytes(k: ClaheKernels, bytes: number): void {
  const have = k.memory.buffer.byteLength;
  if (bytes <= have) return;
  try {
    k.memory.grow(Math.ceil((bytes - have) / 65536));
  } catch (err) {
    // WebAssembly memory stops at 4 GiB (less where the process cannot reserve it): an image that
    // needs more is refused like any other too-large input, not reported as an internal fault.
    throw new XrayError(
      'TOO_LARGE',
      `The image is too large for CLAHE: it needs ${Math.ceil(bytes / 2 ** 20)} MB of working memory and only ${Math.floor(have / 2 ** 20)} MB could be had (${err instanceof Error ? err.message : String(err)}).`,
    );
  }
}

function newInstance(): ClaheKernels {
  claheModule ??= new WebAssembly.Module(bytesOf(CLAHE_WASM_BASE64));
  const memory = new WebAssembly.Memory({ initial: 1 });
  const e = new WebAssembly.Instance(claheModule, { env: { memory } }).exports as unknown as Omit<
    ClaheKernels,
    'memory'
  >;
  return {
    memory,
    blendTables: e.blendTables,
    mapRow8: e.mapRow8,
    mapRow16: e.mapRow16,
    binSamples16: e.binSamples16,
    shrinkRow: e.shrinkRow,
  };
}

/** A fresh instance (not pooled) whose memory holds at least `bytes` bytes. */
export function claheKernels(bytes: number): ClaheKernels {
  const k = newInstance();
  ensureBytes(k, bytes);
  return k;
}

/** Bump allocation of 16-byte-aligned regions, for laying data out in a kernel's memory. */
export class Layout {
  private next = 16;
  /** Start of a new region of `bytes` bytes. */
  take(bytes: number): number {
    const at = this.next;
    this.next += (bytes + 15) & ~15;
    return at;
  }
  get size(): number {
    return this.next;
  }
}
