/**
 * The compact index beside a store's JSON Lines: the table (latest row per file and model) as typed
 * columns, plus how many bytes of the log it covers. Loading = read the index, then parse only the
 * log's bytes after `coveredBytes` (rows appended since). The log stays the truth: an index that does
 * not match it (shorter log, different head, older format) is ignored and rebuilt.
 *
 * Loading is lazy: decoding makes typed-array views on the file's bytes; a string column becomes one JS
 * string (one UTF-8 decode) the first time one of its values is read, so the panel, which reads paths
 * and scores, never decodes the hashes and times. A row becomes an object only when asked for
 * (`IndexedRows.row`); the column accessors (`raw`, `path`, `error`...) read a value without one. So
 * opening a 100,000-row store costs a file read and a few decodes, not 100,000 JSON parses
 * (docs/results-store.md has the figures).
 *
 * Layout (little-endian): 8 bytes magic "XAIDX003"; u32 header length; header JSON (n, covered bytes,
 * head hash, models, UTF-8 byte length of each string column); zero padding to 8; then, each n long:
 * f64 raw, normalized, threshold, span, size, mtimeMs, ms and the quality measures (width, height, mean,
 * p1, p99, entropy, sharpness); then per string column (path, hash, provider, at, thumb, heatmap, code,
 * message, stage, phash) n + 1 u32 offsets into that column's text in UTF-16 code units ('' = absent);
 * u16 model index (padded to 8); u8 flags (1 score, 2 above threshold, 4 error, 8 quality; padded to 8);
 * then the string columns' texts, UTF-8, one after the other. NaN = absent in f64 columns.
 */
import { isQualityMeasures, type QualityMeasures } from '../quality/types';
import type { BatchRow, ModelRef, RowError, RowStage } from './types';

const MAGIC = 'XAIDX003';
const QUALITY_COLUMNS = ['width', 'height', 'mean', 'p1', 'p99', 'entropy', 'sharpness'] as const;
const F64_COLUMNS = ['raw', 'normalized', 'threshold', 'span', 'size', 'mtimeMs', 'ms', ...QUALITY_COLUMNS] as const;
const STRING_COLUMNS = [
  'path',
  'hash',
  'provider',
  'at',
  'thumb',
  'heatmap',
  'code',
  'message',
  'stage',
  'phash',
] as const;

export interface IndexCoverage {
  /** Bytes of the log the index reflects (always just after a newline). */
  coveredBytes: number;
  /** fnv64 of the log's first min(4096, coveredBytes) bytes: a replaced log is detected. */
  headHash: string;
}

interface Header extends IndexCoverage {
  v: 3;
  n: number;
  models: ModelRef[];
  /** UTF-8 bytes of each string column's text, in STRING_COLUMNS order. */
  textBytes: number[];
}

/** Rows by position: an array, or anything that can hand out its i-th row (a ResultTable). */
export interface RowSource {
  readonly size: number;
  row(i: number): BatchRow;
}

export function encodeIndex(source: readonly BatchRow[] | RowSource, coverage: IndexCoverage): Uint8Array {
  const rowAt = Array.isArray(source) ? (i: number) => source[i] : (i: number) => (source as RowSource).row(i);
  const n = Array.isArray(source) ? source.length : (source as RowSource).size;
  const models: ModelRef[] = [];
  const modelIdx = new Map<string, number>();
  const mcol = new Uint16Array(n);
  const flags = new Uint8Array(n);
  const f64 = F64_COLUMNS.map(() => new Float64Array(n));
  const offsets = STRING_COLUMNS.map(() => new Uint32Array(n + 1));
  const parts = STRING_COLUMNS.map(() => [] as string[]);
  const lengths = STRING_COLUMNS.map(() => 0);
  const put = (c: number, i: number, v: string | undefined) => {
    if (v) {
      parts[c].push(v);
      lengths[c] += v.length;
    }
    offsets[c][i + 1] = lengths[c];
  };
  for (let i = 0; i < n; i++) {
    const r = rowAt(i);
    const mk = `${r.modelId}@${r.modelVersion}#${r.prep}`;
    let m = modelIdx.get(mk);
    if (m === undefined) {
      m = models.length;
      if (m > 0xffff) throw new Error('More than 65,535 models in one store.');
      models.push({ id: r.modelId, version: r.modelVersion, prep: r.prep });
      modelIdx.set(mk, m);
    }
    mcol[i] = m;
    // Only measures the log's reader keeps (jsonl.ts toRow): the index must read back what the log does.
    const q = r.quality && isQualityMeasures(r.quality) ? r.quality : undefined;
    flags[i] = (r.score ? 1 : 0) | (r.score?.aboveThreshold ? 2 : 0) | (r.error ? 4 : 0) | (q ? 8 : 0);
    const vals = [r.score?.raw, r.score?.normalized, r.score?.threshold, r.score?.span, r.size, r.mtimeMs, r.ms];
    for (const k of QUALITY_COLUMNS) vals.push(q?.[k]);
    for (let c = 0; c < vals.length; c++) f64[c][i] = vals[c] ?? NaN;
    put(0, i, r.path);
    put(1, i, r.hash);
    put(2, i, r.provider);
    put(3, i, r.at);
    put(4, i, r.thumb);
    put(5, i, r.heatmap);
    put(6, i, r.error?.code);
    put(7, i, r.error?.message);
    put(8, i, r.error?.stage);
    put(9, i, q?.phash);
  }
  const enc = new TextEncoder();
  const texts = parts.map((p) => enc.encode(p.join('')));
  const header: Header = { v: 3, n, ...coverage, models, textBytes: texts.map((t) => t.length) };
  const headerBytes = enc.encode(JSON.stringify(header));
  const layout = layoutOf(n, 12 + headerBytes.length, header.textBytes);
  const out = new Uint8Array(layout.total);
  out.set(enc.encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  f64.forEach((col, c) => out.set(new Uint8Array(col.buffer), layout.f64 + c * n * 8));
  offsets.forEach((col, c) => out.set(new Uint8Array(col.buffer), layout.offsets + c * (n + 1) * 4));
  out.set(new Uint8Array(mcol.buffer), layout.model);
  out.set(flags, layout.flags);
  let o = layout.texts;
  for (const t of texts) {
    out.set(t, o);
    o += t.length;
  }
  return out;
}

/** Where each part starts, for n rows and a header ending at `headerEnd`. */
function layoutOf(n: number, headerEnd: number, textBytes: readonly number[]) {
  const f64 = align8(headerEnd);
  const offsets = f64 + F64_COLUMNS.length * n * 8;
  const model = align8(offsets + STRING_COLUMNS.length * (n + 1) * 4);
  const flags = model + align8(n * 2);
  const texts = flags + align8(n);
  return { f64, offsets, model, flags, texts, total: texts + textBytes.reduce((a, b) => a + b, 0) };
}

export interface DecodedIndex extends IndexCoverage {
  rows: IndexedRows;
}

/** Throws on anything that is not an index this code wrote (the caller then rebuilds from the log). */
export function decodeIndex(bytes: Uint8Array): DecodedIndex {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC)
    throw new Error('not a results index (or one of an older format)');
  // Typed-array views need aligned offsets; the bytes of a file read whole normally start at 0.
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = dv.getUint32(8, true);
  if (12 + hlen > bytes.length) throw new Error('results index header is cut short');
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen))) as Header;
  const n = h.n;
  if (h.v !== 3 || !Number.isInteger(n) || n < 0 || h.textBytes?.length !== STRING_COLUMNS.length)
    throw new Error('results index header is not understood');
  const layout = layoutOf(n, 12 + hlen, h.textBytes);
  if (bytes.length !== layout.total) throw new Error('results index has the wrong size');
  const at = (o: number) => bytes.byteOffset + o;
  const f64 = F64_COLUMNS.map((_, c) => new Float64Array(bytes.buffer, at(layout.f64 + c * n * 8), n));
  const offsets = STRING_COLUMNS.map(
    (_, c) => new Uint32Array(bytes.buffer, at(layout.offsets + c * (n + 1) * 4), n + 1),
  );
  const model = new Uint16Array(bytes.buffer, at(layout.model), n);
  const flags = new Uint8Array(bytes.buffer, at(layout.flags), n);
  const texts: Uint8Array[] = [];
  let o = layout.texts;
  h.textBytes.forEach((len, c) => {
    texts.push(bytes.subarray(o, o + len));
    o += len;
    // UTF-16 units <= UTF-8 bytes <= 3 x UTF-16 units; the exact length is checked when the column is decoded.
    const units = offsets[c][n];
    if (units > len || units * 3 < len) throw new Error(`results index column ${STRING_COLUMNS[c]} is damaged`);
  });
  for (let i = 0; i < n; i++) if (model[i] >= h.models.length) throw new Error('results index names an unknown model');
  return {
    rows: new IndexedRows(n, h.models, f64, offsets, texts, model, flags),
    coveredBytes: h.coveredBytes,
    headHash: h.headHash,
  };
}

/** The rows of a decoded index, column by column; `row(i)` makes one row object. */
export class IndexedRows implements RowSource {
  private readonly raw_: Float64Array;
  private readonly normalized_: Float64Array;
  private readonly threshold: Float64Array;
  private readonly span: Float64Array;
  private readonly fileSize: Float64Array;
  private readonly mtimeMs: Float64Array;
  private readonly ms: Float64Array;
  private readonly qualityCols: Float64Array[];
  /** Each string column's text, decoded on first use. */
  private readonly texts: (string | undefined)[] = [];

  constructor(
    readonly size: number,
    readonly models: readonly ModelRef[],
    f64: Float64Array[],
    private readonly offsets: Uint32Array[],
    private readonly textBytes: Uint8Array[],
    private readonly model: Uint16Array,
    private readonly flags: Uint8Array,
  ) {
    [this.raw_, this.normalized_, this.threshold, this.span, this.fileSize, this.mtimeMs, this.ms] = f64;
    this.qualityCols = f64.slice(7);
  }

  /** Index into `models` of row i. */
  modelOf(i: number): number {
    return this.model[i];
  }

  path(i: number): string {
    return this.text(0, i);
  }

  hash(i: number): string {
    return this.text(1, i);
  }

  /** The file's size when row i was read. */
  fileSizeOf(i: number): number {
    return this.fileSize[i];
  }

  hasScore(i: number): boolean {
    return (this.flags[i] & 1) !== 0;
  }

  /** The raw score (NaN without one). */
  raw(i: number): number {
    return this.flags[i] & 1 ? this.raw_[i] : NaN;
  }

  normalized(i: number): number {
    return this.flags[i] & 1 ? this.normalized_[i] : NaN;
  }

  error(i: number): RowError | undefined {
    if (!(this.flags[i] & 4)) return undefined;
    const stage = this.text(8, i);
    return stage
      ? { code: this.text(6, i), message: this.text(7, i), stage: stage as RowStage }
      : { code: this.text(6, i), message: this.text(7, i) };
  }

  thumb(i: number): string | undefined {
    return this.optional(4, i);
  }

  heatmap(i: number): string | undefined {
    return this.optional(5, i);
  }

  quality(i: number): QualityMeasures | undefined {
    if (!(this.flags[i] & 8)) return undefined;
    const q = this.qualityCols;
    return {
      width: q[0][i],
      height: q[1][i],
      mean: q[2][i],
      p1: q[3][i],
      p99: q[4][i],
      entropy: q[5][i],
      sharpness: q[6][i],
      phash: this.text(9, i),
    };
  }

  row(i: number): BatchRow {
    const m = this.models[this.model[i]];
    const f = this.flags[i];
    const row: BatchRow = {
      path: this.text(0, i),
      modelId: m.id,
      modelVersion: m.version,
      prep: m.prep,
      hash: this.text(1, i),
      size: this.fileSize[i],
      mtimeMs: this.mtimeMs[i],
      ms: this.ms[i],
      at: this.text(3, i),
    };
    if (f & 1) {
      const span = this.span[i];
      row.score =
        span === span
          ? {
              raw: this.raw_[i],
              normalized: this.normalized_[i],
              threshold: this.threshold[i],
              aboveThreshold: (f & 2) !== 0,
              span,
            }
          : {
              raw: this.raw_[i],
              normalized: this.normalized_[i],
              threshold: this.threshold[i],
              aboveThreshold: (f & 2) !== 0,
            };
    }
    const error = this.error(i);
    if (error) row.error = error;
    const provider = this.optional(2, i);
    if (provider) row.provider = provider;
    const thumb = this.thumb(i);
    if (thumb) row.thumb = thumb;
    const heatmap = this.heatmap(i);
    if (heatmap) row.heatmap = heatmap;
    const quality = this.quality(i);
    if (quality) row.quality = quality;
    return row;
  }

  /** Value i of a string column that may be absent ('' is absent): the column is not decoded for an absent one. */
  private optional(c: number, i: number): string | undefined {
    const o = this.offsets[c];
    return o[i + 1] > o[i] ? this.text(c, i) : undefined;
  }

  private text(c: number, i: number): string {
    const o = this.offsets[c];
    let t = this.texts[c];
    if (t === undefined) {
      t = this.texts[c] = new TextDecoder().decode(this.textBytes[c]);
      if (t.length !== o[this.size]) throw new Error(`results index column ${STRING_COLUMNS[c]} is damaged`);
    }
    return t.slice(o[i], o[i + 1]);
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
