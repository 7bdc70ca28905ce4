/**
 * The compact index beside a store's JSON Lines: the table (latest row per file and model) as typed
 * columns, plus how many bytes of the log it covers. Loading = read the index, then parse only the
 * log's bytes after `coveredBytes` (rows appended since). The log stays the truth: an index that does
 * not match it (shorter log, different head) is ignored and rebuilt.
 *
 * Layout (little-endian): 8 bytes magic "XAIDX001"; u32 header length; header JSON (counts, covered
 * bytes, head hash, models, string columns); zero padding to 8; then the numeric columns, each N long:
 * f64 raw, normalized, threshold, span, size, mtimeMs, ms; u16 model index; u8 flags (1 score, 2 above
 * threshold, 4 error). NaN stands for "absent" in the f64 columns.
 */
import type { BatchRow, ModelRef, RowStage } from './types';

const MAGIC = 'XAIDX001';
const F64_COLUMNS = ['raw', 'normalized', 'threshold', 'span', 'size', 'mtimeMs', 'ms'] as const;

export interface IndexCoverage {
  /** Bytes of the log the index reflects (always just after a newline). */
  coveredBytes: number;
  /** fnv64 of the log's first min(4096, coveredBytes) bytes: a replaced log is detected. */
  headHash: string;
}

interface Header extends IndexCoverage {
  v: 1;
  n: number;
  models: ModelRef[];
  /** String columns: path, hash, provider, at, thumb, heatmap, error code, message, stage ('' = absent). */
  s: Record<(typeof STRING_COLUMNS)[number], string[]>;
}

const STRING_COLUMNS = ['path', 'hash', 'provider', 'at', 'thumb', 'heatmap', 'code', 'message', 'stage'] as const;

export function encodeIndex(rows: readonly BatchRow[], coverage: IndexCoverage): Uint8Array {
  const n = rows.length;
  const models: ModelRef[] = [];
  const modelIdx = new Map<string, number>();
  const mcol = new Uint16Array(n);
  const flags = new Uint8Array(n);
  const f64 = F64_COLUMNS.map(() => new Float64Array(n));
  const s = Object.fromEntries(STRING_COLUMNS.map((c) => [c, new Array<string>(n)])) as Header['s'];
  rows.forEach((r, i) => {
    const mk = `${r.modelId}@${r.modelVersion}#${r.prep}`;
    let m = modelIdx.get(mk);
    if (m === undefined) {
      m = models.length;
      if (m > 0xffff) throw new Error('More than 65,535 models in one store.');
      models.push({ id: r.modelId, version: r.modelVersion, prep: r.prep });
      modelIdx.set(mk, m);
    }
    mcol[i] = m;
    flags[i] = (r.score ? 1 : 0) | (r.score?.aboveThreshold ? 2 : 0) | (r.error ? 4 : 0);
    const vals = [r.score?.raw, r.score?.normalized, r.score?.threshold, r.score?.span, r.size, r.mtimeMs, r.ms];
    vals.forEach((v, c) => (f64[c][i] = v ?? NaN));
    s.path[i] = r.path;
    s.hash[i] = r.hash;
    s.provider[i] = r.provider ?? '';
    s.at[i] = r.at;
    s.thumb[i] = r.thumb ?? '';
    s.heatmap[i] = r.heatmap ?? '';
    s.code[i] = r.error?.code ?? '';
    s.message[i] = r.error?.message ?? '';
    s.stage[i] = r.error?.stage ?? '';
  });
  const header: Header = { v: 1, n, ...coverage, models, s };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const start = align8(12 + headerBytes.length);
  const total = start + n * (8 * F64_COLUMNS.length) + align8(n * 2) + n;
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  let o = start;
  for (const col of f64) {
    out.set(new Uint8Array(col.buffer), o);
    o += n * 8;
  }
  out.set(new Uint8Array(mcol.buffer), o);
  o += align8(n * 2);
  out.set(flags, o);
  return out;
}

export interface DecodedIndex extends IndexCoverage {
  rows: BatchRow[];
}

/** Throws on anything that is not an index this code wrote (the caller then rebuilds from the log). */
export function decodeIndex(bytes: Uint8Array): DecodedIndex {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC)
    throw new Error('not a results index');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = dv.getUint32(8, true);
  if (12 + hlen > bytes.length) throw new Error('results index header is cut short');
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen))) as Header;
  const n = h.n;
  const start = align8(12 + hlen);
  if (h.v !== 1 || bytes.length !== start + n * 8 * F64_COLUMNS.length + align8(n * 2) + n)
    throw new Error('results index has the wrong size');
  // Copy into an aligned buffer: the file's bytes may sit at any offset.
  const body = bytes.slice(start);
  const f64 = F64_COLUMNS.map((_, c) => new Float64Array(body.buffer, c * n * 8, n));
  const mcol = new Uint16Array(body.buffer, F64_COLUMNS.length * n * 8, n);
  const flags = new Uint8Array(body.buffer, F64_COLUMNS.length * n * 8 + align8(n * 2), n);
  const [raw, normalized, threshold, span, size, mtimeMs, ms] = f64;
  const s = h.s;
  const rows = new Array<BatchRow>(n);
  for (let i = 0; i < n; i++) {
    const m = h.models[mcol[i]];
    const f = flags[i];
    const row: BatchRow = {
      path: s.path[i],
      modelId: m.id,
      modelVersion: m.version,
      prep: m.prep,
      hash: s.hash[i],
      size: size[i],
      mtimeMs: mtimeMs[i],
      ms: ms[i],
      at: s.at[i],
    };
    if (f & 1) {
      row.score = { raw: raw[i], normalized: normalized[i], threshold: threshold[i], aboveThreshold: (f & 2) !== 0 };
      if (span[i] === span[i]) row.score.span = span[i];
    }
    if (f & 4)
      row.error = s.stage[i]
        ? { code: s.code[i], message: s.message[i], stage: s.stage[i] as RowStage }
        : { code: s.code[i], message: s.message[i] };
    if (s.provider[i]) row.provider = s.provider[i];
    if (s.thumb[i]) row.thumb = s.thumb[i];
    if (s.heatmap[i]) row.heatmap = s.heatmap[i];
    rows[i] = row;
  }
  return { rows, coveredBytes: h.coveredBytes, headHash: h.headHash };
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
