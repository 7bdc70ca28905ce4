/**
 * Deflated Explicit VR Little Endian (PS3.5 A.5): everything after the file meta header is one raw
 * deflate stream. A few hundred bytes of deflate can expand to gigabytes, so inflating is capped by what
 * the file itself declares: until the Pixel Data header has come out, at most HEADER_CAP bytes; after
 * it, the declared pixel size (Rows x Columns x Samples x Bits Allocated x Frames) plus a little slack
 * for trailing elements. Output beyond the cap stops the inflater at once with TOO_LARGE, so a bomb
 * costs roughly the cap in memory and time, never its expanded size.
 */
import * as zlib from 'node:zlib';
import { XrayError } from '../../errors';
import type { DecodeLimits } from '../../image/types';
import type { DecodeBudget } from '../budget';
import { formatBytes, libraryText } from '../failures';
import { walkDataSet, type WalkLimits } from './walk';

/** Most inflated bytes before the Pixel Data element: real headers are kilobytes. */
export const HEADER_CAP = 64 * 1024 * 1024;
/** Allowed after the declared pixel data: padding, digital signatures and other trailing elements. */
export const TRAILER_SLACK = 1024 * 1024;

const ROWS = 0x00280010;
const COLUMNS = 0x00280011;
const SAMPLES = 0x00280002;
const BITS_ALLOCATED = 0x00280100;
const FRAMES = 0x00280008;
const PIXEL_DATA = 0x7fe00010;

export interface InflateContext {
  name: string;
  limits: DecodeLimits;
  walkLimits: WalkLimits;
  budget: DecodeBudget;
}

/** Some writers wrap the stream in a zlib header (non-standard); accept both. */
function isZlibWrapped(b: Uint8Array): boolean {
  return b.length >= 2 && (b[0] & 0x0f) === 8 && b[0] >> 4 <= 7 && ((b[0] << 8) | b[1]) % 31 === 0;
}

/**
 * Where the inflated bytes would have to stop: once the top-level Pixel Data header is visible, its
 * offset plus the declared pixel bytes and the slack; undefined while the header has not come out yet.
 */
export function declaredEnd(
  inflated: Uint8Array,
  ctx: Pick<InflateContext, 'name' | 'walkLimits'>,
): number | undefined {
  const us: Record<number, number> = {};
  let frames = 1;
  const view = new DataView(inflated.buffer, inflated.byteOffset, inflated.byteLength);
  const r = walkDataSet(
    inflated,
    0,
    { explicitVr: true, littleEndian: true, limits: ctx.walkLimits, name: ctx.name },
    {
      element(e) {
        if (e.depth !== 0) return;
        if ((e.tag === ROWS || e.tag === COLUMNS || e.tag === SAMPLES || e.tag === BITS_ALLOCATED) && e.length >= 2)
          us[e.tag] = view.getUint16(e.valueOffset, true);
        if (e.tag === FRAMES) {
          const n = parseInt(
            new TextDecoder('latin1').decode(inflated.subarray(e.valueOffset, e.valueOffset + Math.min(e.length, 16))),
            10,
          );
          if (Number.isInteger(n) && n > 0) frames = n;
        }
      },
      stopAt(tag, depth) {
        return depth === 0 && tag === PIXEL_DATA;
      },
    },
  );
  if (r.stoppedAt === undefined) return r.truncated ? undefined : inflated.length;
  const pixelAt = r.stoppedAt;
  const rows = us[ROWS] ?? 0;
  const columns = us[COLUMNS] ?? 0;
  const bytesPerSample = Math.ceil((us[BITS_ALLOCATED] ?? 16) / 8);
  const samples = us[SAMPLES] ?? 1;
  // Pixel Data header (12 bytes) + the declared frames + slack.
  return pixelAt + 12 + rows * columns * samples * bytesPerSample * frames + TRAILER_SLACK;
}

function tooLarge(name: string, produced: number, cap: number, why: string): XrayError {
  return new XrayError(
    'TOO_LARGE',
    `${name} inflates to more than ${formatBytes(cap)}, more than its header declares; it was not decompressed further.`,
    `inflated ${produced} bytes > cap ${cap} (${why})`,
  );
}

function inflateError(name: string, err: unknown): XrayError {
  const text = libraryText(err);
  if (/unexpected end/i.test(text))
    return new XrayError('TRUNCATED', `${name} is truncated: its deflated data ends early.`, text);
  return new XrayError('CORRUPT', `${name} is not a readable DICOM file: its deflated data is damaged.`, text);
}

/** The inflated data set, streamed so that the cap applies as the bytes come out. */
export function inflateDataSet(compressed: Uint8Array, ctx: InflateContext): Promise<Uint8Array> {
  const hardCap = ctx.limits.maxFileBytes;
  return new Promise((resolve, reject) => {
    const inflater = isZlibWrapped(compressed)
      ? zlib.createInflate({ chunkSize: 256 * 1024 })
      : zlib.createInflateRaw({ chunkSize: 256 * 1024 });
    const chunks: Buffer[] = [];
    let total = 0;
    let cap = Math.min(HEADER_CAP, hardCap);
    let capReason = 'no Pixel Data header within the header cap';
    let known = false;
    let scannedAt = 0;
    let done = false;
    const fail = (e: XrayError) => {
      if (done) return;
      done = true;
      inflater.destroy();
      reject(e);
    };
    inflater.on('data', (chunk: Buffer) => {
      if (done) return;
      chunks.push(chunk);
      total += chunk.length;
      try {
        ctx.budget.check('inflating the data set');
        // Re-walk only when the output has doubled: linear overall.
        if (!known && total >= 2 * scannedAt) {
          scannedAt = total;
          const end = declaredEnd(Buffer.concat(chunks, total), ctx);
          if (end !== undefined) {
            known = true;
            cap = Math.min(hardCap, Math.max(end, 0));
            capReason = 'declared pixel size plus slack';
          }
        }
      } catch (e) {
        fail(e instanceof XrayError ? e : inflateError(ctx.name, e));
        return;
      }
      if (total > cap) fail(tooLarge(ctx.name, total, cap, capReason));
    });
    inflater.on('error', (e) => fail(inflateError(ctx.name, e)));
    inflater.on('end', () => {
      if (done) return;
      done = true;
      // Small results come from Buffer's shared pool: keep the view's own offset.
      const all = Buffer.concat(chunks, total);
      resolve(new Uint8Array(all.buffer, all.byteOffset, all.length));
    });
    inflater.end(compressed);
  });
}

/**
 * Synchronous, header-only inflate for reading tags: prefixes of the stream are inflated, doubling,
 * until the data set is complete, `maxBytes` have come out, or the stream ends. Returns what came out
 * (possibly a prefix of the data set, cut inside Pixel Data) and whether that is the whole data set.
 */
export function inflatePrefixSync(
  compressed: Uint8Array,
  maxBytes: number,
  name: string,
): { bytes: Uint8Array; complete: boolean } {
  const wrapped = isZlibWrapped(compressed);
  const inflate = (input: Uint8Array, max: number) =>
    wrapped
      ? zlib.inflateSync(input, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: max })
      : zlib.inflateRawSync(input, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: max });
  let best: Uint8Array = new Uint8Array(0);
  for (let take = 4096; ; take *= 2) {
    const whole = take >= compressed.length;
    let out: Buffer;
    try {
      out = inflate(compressed.subarray(0, Math.min(take, compressed.length)), maxBytes);
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return { bytes: best, complete: false };
      if (best.length > 0) return { bytes: best, complete: false };
      throw inflateError(name, e);
    }
    best = new Uint8Array(out.buffer, out.byteOffset, out.length);
    if (whole) return { bytes: best, complete: true };
  }
}
