/**
 * The CPU half of scoring one file: read, hash, decode, preprocess for each distinct preprocessing the
 * file's models need, and the thumbnail. Runs in a worker thread (worker.ts) or, without workers, in the
 * engine's main thread; the same function either way, so results cannot differ.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import { toErrorInfo } from '../../core/errors';
import type { DecodeLimits, XrayImage } from '../../core/image/types';
import type { ModelManifest } from '../../core/model/manifest';
import type { RowError, RowStage } from '../../core/batch/types';
import type { PreparedInput } from '../../core/preprocess/pipeline';
import type { QualityMeasures } from '../../core/quality/types';
import { qualityOf } from './quality';

export interface PrepJob {
  path: string;
  knownHash?: string;
  limits: DecodeLimits;
  /** One entry per distinct preprocessing (the manifest's input and preprocessing are all it reads). */
  preps: Pick<ModelManifest, 'input' | 'preprocessing'>[];
  thumb?: { dir: string; size: number };
  /** The dataset-quality measures (default true): 1.5 CPU ms of a 224 x 224 file's 4, so skipped when unused. */
  quality?: boolean;
}

export interface PrepResult {
  hash: string;
  size: number;
  mtimeMs: number;
  unchanged?: boolean;
  error?: RowError;
  /** Per prep: one input per region. */
  prepared?: PreparedInput[][];
  thumb?: string;
  /** Decoded image size (region maps are composed on it). */
  width?: number;
  height?: number;
  /** Dataset-quality measures of the decoded image (engine/batch/quality.ts). */
  quality?: QualityMeasures;
  ms: number;
}

export interface PrepCore {
  decodeImage(bytes: Uint8Array, fileName: string, limits: DecodeLimits): Promise<XrayImage>;
  prepareInputs(image: XrayImage, manifest: Pick<ModelManifest, 'input' | 'preprocessing'>): PreparedInput[];
  writeThumb?(image: XrayImage, dir: string, hash: string, size: number): Promise<string | undefined>;
  /** How files are read; default readFileAsync (the engine's main thread must not block on a slow disk). */
  readFile?: FileReader;
}

export interface FileStat {
  size: number;
  mtimeMs: number;
  isFile: boolean;
}

/**
 * Opens `path`, hands its stat to `check` (which may throw, or return false to stop before reading), then
 * reads it whole. One open file: the stat and the bytes are of the same file even if the path is replaced.
 */
export type FileReader = (
  path: string,
  check: (st: FileStat) => boolean,
) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

export async function readFileAsync(path: string, check: (st: FileStat) => boolean): Promise<Uint8Array | undefined> {
  const fh = await fsp.open(path, 'r');
  try {
    const st = await fh.stat();
    if (!check({ size: st.size, mtimeMs: st.mtimeMs, isFile: st.isFile() })) return undefined;
    const buf = await fh.readFile();
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } finally {
    await fh.close();
  }
}

/**
 * The same with blocking calls, for prep workers: a worker runs one job at a time, so blocking costs it
 * nothing, while each promise-based file call costs a thread-pool round trip (measured: open + stat +
 * read + close of a 224x224 chest JPEG 0.6-1.2 CPU ms that way, 0.02-0.08 ms blocking).
 */
export function readFileSync(path: string, check: (st: FileStat) => boolean): Uint8Array | undefined {
  const fd = fs.openSync(path, 'r');
  try {
    const st = fs.fstatSync(fd);
    if (!check({ size: st.size, mtimeMs: st.mtimeMs, isFile: st.isFile() })) return undefined;
    const buf = fs.readFileSync(fd);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } finally {
    fs.closeSync(fd);
  }
}

export async function runPrepJob(job: PrepJob, core: PrepCore): Promise<PrepResult> {
  const t0 = performance.now();
  const done = (r: Omit<PrepResult, 'ms'>): PrepResult => ({ ...r, ms: performance.now() - t0 });
  let bytes: Uint8Array | undefined;
  let size = -1;
  let mtimeMs = -1;
  try {
    bytes = await (core.readFile ?? readFileAsync)(job.path, (st) => {
      size = st.size;
      mtimeMs = st.mtimeMs;
      if (!st.isFile) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
      return st.size <= job.limits.maxFileBytes;
    });
    if (!bytes)
      return done({
        hash: '',
        size,
        mtimeMs,
        error: {
          code: 'TOO_LARGE',
          message: `The file is ${(size / 1048576).toFixed(0)} MB, over the ${(job.limits.maxFileBytes / 1048576).toFixed(0)} MB limit.`,
          stage: 'read',
        },
      });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return done({
      hash: '',
      size,
      mtimeMs,
      error: {
        code: 'READ_FAILED',
        message: `The file cannot be read${code ? ` (${code})` : ''}: ${err instanceof Error ? err.message.replace(/^[A-Z]+: /, '') : String(err)}`,
        stage: 'read',
      },
    });
  }
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (job.knownHash && hash === job.knownHash) return done({ hash, size, mtimeMs, unchanged: true });
  let image: XrayImage;
  try {
    image = await core.decodeImage(bytes, job.path, job.limits);
  } catch (err) {
    return done({ hash, size, mtimeMs, error: rowError(err, 'decode') });
  }
  let thumb: string | undefined;
  if (job.thumb && core.writeThumb)
    // A thumbnail that cannot be written (cache full, odd pixels) must not fail the row.
    thumb = await core.writeThumb(image, job.thumb.dir, hash, job.thumb.size).catch(() => undefined);
  const quality = job.quality === false ? undefined : qualityOf(image);
  const prepared: PreparedInput[][] = [];
  try {
    for (const p of job.preps) prepared.push(core.prepareInputs(image, p));
  } catch (err) {
    return done({ hash, size, mtimeMs, error: rowError(err, 'preprocess'), thumb, quality });
  }
  return done({ hash, size, mtimeMs, prepared, thumb, width: image.width, height: image.height, quality });
}

export function rowError(err: unknown, stage: RowStage): RowError {
  const info = toErrorInfo(err);
  return { code: info.code, message: info.message, stage };
}

/** The buffers a PrepResult can hand over to another thread without copying. */
export function transferables(r: PrepResult): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const regions of r.prepared ?? [])
    for (const p of regions) {
      out.add(p.tensor.buffer as ArrayBuffer);
      out.add(p.foreground.buffer as ArrayBuffer);
    }
  return [...out];
}
