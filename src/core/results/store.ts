/**
 * The results of a scoring run, as JSON Lines: one self-contained record per image, appended as it is
 * produced. Appending whole lines is crash-safe: after a crash at most the last line is torn, and
 * parseResults drops it (and says so), so a resumed run re-scores only that image. Shards write their
 * own files; merging is concatenation plus de-duplication by key.
 */
export interface ResultRecord {
  /** Path relative to the scanned root, with '/' separators. */
  path: string;
  modelId: string;
  modelVersion: string;
  /** Present on success. */
  score?: { raw: number; normalized: number; aboveThreshold: boolean };
  /** Present on failure: the image was skipped, the run went on. */
  error?: { code: string; message: string };
  provider?: string;
  ms: number;
  /** ISO time the record was written. */
  at: string;
}

export function recordKey(r: Pick<ResultRecord, 'path' | 'modelId' | 'modelVersion'>): string {
  return `${r.modelId}@${r.modelVersion}\u0000${r.path}`;
}

export function formatRecord(r: ResultRecord): string {
  return JSON.stringify(r) + '\n';
}

export interface ParsedResults {
  records: ResultRecord[];
  /** Lines that were not valid records (a torn last line after a crash, or damage), 1-based. */
  badLines: number[];
}

export function parseResults(text: string): ParsedResults {
  const records: ResultRecord[] = [];
  const badLines: number[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const r = JSON.parse(line) as ResultRecord;
      if (typeof r.path !== 'string' || typeof r.modelId !== 'string') throw new Error('not a record');
      records.push(r);
    } catch {
      badLines.push(i + 1);
    }
  });
  return { records, badLines };
}

/** Latest record per key wins (a re-scored image replaces its earlier result). */
export function latestByKey(records: ResultRecord[]): Map<string, ResultRecord> {
  const m = new Map<string, ResultRecord>();
  for (const r of records) m.set(recordKey(r), r);
  return m;
}
