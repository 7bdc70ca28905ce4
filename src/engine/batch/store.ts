/**
 * A results store on disk: `<name>.jsonl` (the rows, append-only, the truth) and `<name>.jsonl.idx`
 * (the compact index, see src/core/batch/rowIndex.ts), plus `<name>.jsonl.lock` while a run writes.
 *
 * Crash safety: rows are appended in groups with one write + fdatasync each, and reported to listeners
 * only after that, so nothing shown was ever lost. A kill -9 can tear only the group being written;
 * opening the store for writing cuts a torn last line off (or closes a complete one), so the next run
 * re-scores exactly those files: no row lost, none duplicated. The index is written to a temporary
 * file, synced and renamed: it is either the old one or the new one, and a stale one is detected by
 * the bytes it covers.
 */
import { promises as fsp, constants as fsc } from 'node:fs';
import { dirname } from 'node:path';
import { fnv64 } from '../../core/batch/keys';
import { asStored, formatRow, parseRows, tailRepair } from '../../core/batch/jsonl';
import { decodeIndex, encodeIndex, type IndexCoverage } from '../../core/batch/rowIndex';
import { ResultTable } from '../../core/batch/table';
import type { BatchRow, ModelRef } from '../../core/batch/types';
import { describeHolder, LockBusyError, takeLock, type HeldLock } from '../fileLock';

/** A write to the store failed (disk full, read-only, permissions): the batch stops, what was written stays. */
export class StoreWriteError extends Error {
  constructor(
    message: string,
    readonly errno: string | undefined,
    /** Rows of the failed group that were still written, one at a time, when the disk filled up. */
    readonly kept: readonly BatchRow[] = [],
    /** The cause in a few words where it is a known one ("The disk is full (ENOSPC)"): a notification shows one line. */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'StoreWriteError';
  }
}

/** Another live process holds the store's lock. */
export class StoreBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreBusyError';
  }
}

export interface LoadInfo {
  /** Rows taken from the index, and rows parsed from the log after it. */
  indexRows: number;
  tailRows: number;
  /** The index was missing, stale or damaged, and the log was read from its start. */
  rebuilt: boolean;
  /** Damaged lines skipped (1-based). */
  badLines: number[];
  /** What was done to a torn last line ('none' when the log ended cleanly or the store was opened read-only). */
  repaired: 'none' | 'close' | 'truncate';
  ms: number;
}

export interface LoadedResults {
  table: ResultTable;
  info: LoadInfo;
  /** Log length the table reflects. */
  bytes: number;
}

const HEAD = 4096;

export function indexPathOf(jsonl: string): string {
  return `${jsonl}.idx`;
}

/** Reads a store without changing it (the panel, merge, other tools' files). A missing file is an empty store. */
export async function loadResults(jsonl: string): Promise<LoadedResults> {
  const t0 = performance.now();
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(jsonl, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return {
        table: new ResultTable(),
        bytes: 0,
        info: { indexRows: 0, tailRows: 0, rebuilt: false, badLines: [], repaired: 'none', ms: 0 },
      };
    throw err;
  }
  try {
    const size = (await fh.stat()).size;
    const head = await readAt(fh, 0, Math.min(HEAD, size));
    let table: ResultTable | undefined;
    let from = 0;
    let indexRows = 0;
    const idx = await fsp.readFile(indexPathOf(jsonl)).catch(() => undefined);
    if (idx) {
      try {
        const d = decodeIndex(new Uint8Array(idx.buffer, idx.byteOffset, idx.byteLength));
        if (d.coveredBytes <= size && d.headHash === headHash(head, d.coveredBytes)) {
          table = new ResultTable([], d.rows);
          from = d.coveredBytes;
          indexRows = d.rows.size;
        }
      } catch {
        table = undefined;
      }
    }
    const rebuilt = !table && size > 0;
    table ??= new ResultTable();
    // Only whole lines: a torn tail (a writer killed mid-line, or one writing right now) is left out.
    const tail = from < size ? await readAt(fh, from, size - from) : Buffer.alloc(0);
    const lastNl = tail.lastIndexOf(0x0a);
    const whole = lastNl < 0 ? '' : tail.toString('utf8', 0, lastNl + 1);
    const firstLine = 1;
    const parsed = parseRows(whole, firstLine);
    for (const r of parsed.rows) table.add(r);
    return {
      table,
      bytes: from + (lastNl + 1),
      info: {
        indexRows,
        tailRows: parsed.rows.length,
        rebuilt,
        badLines: parsed.badLines,
        repaired: 'none',
        ms: performance.now() - t0,
      },
    };
  } finally {
    await fh.close();
  }
}

/**
 * Files with rows of these models in a store, read through its index without changing it: a run that cannot
 * open the store for writing (read-only, another run's lock) still says how many results it keeps.
 */
export async function storedFiles(jsonl: string, models: readonly ModelRef[]): Promise<number> {
  return (await loadResults(jsonl)).table.filesOf(models);
}

export interface StoreOptions {
  /** Rebuild and write the index when more than this many rows were parsed from the log on open (default 1000). */
  reindexAbove?: number;
}

/** A store opened for a run: locked, repaired, appendable. */
export class ResultStore {
  private constructor(
    readonly path: string,
    readonly table: ResultTable,
    readonly loadInfo: LoadInfo,
    private fh: fsp.FileHandle,
    private bytes: number,
    private readonly lock: HeldLock,
  ) {}

  /** The index on disk does not cover every row (rows appended, or it was missing or stale on open). */
  private indexStale = false;

  static async open(jsonl: string, _opts: StoreOptions = {}): Promise<ResultStore> {
    await fsp.mkdir(dirname(jsonl), { recursive: true }).catch((err) => {
      throw writeError(err, jsonl, 'create the folder of');
    });
    const lock = await lockStore(`${jsonl}.lock`);
    try {
      const repaired = await repairTail(jsonl);
      const loaded = await loadResults(jsonl);
      loaded.info.repaired = repaired;
      let fh: fsp.FileHandle;
      try {
        fh = await fsp.open(jsonl, fsc.O_WRONLY | fsc.O_APPEND | fsc.O_CREAT, 0o644);
      } catch (err) {
        throw writeError(err, jsonl, 'open for writing');
      }
      const store = new ResultStore(jsonl, loaded.table, loaded.info, fh, loaded.bytes, lock);
      store.indexStale = loaded.info.rebuilt || loaded.info.tailRows > 0;
      if (loaded.info.rebuilt || loaded.info.tailRows > (_opts.reindexAbove ?? 1000))
        await store.writeIndex().catch(() => undefined);
      return store;
    } catch (err) {
      await lock.release().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Appends rows durably (write + fdatasync) and adds them to the table. When the disk fills up during a group,
   * the rows that still fit are written one at a time (listed in the error's `kept`): how much survives must not
   * depend on how many rows a loaded machine gathered into one write. On any other failure nothing of the group
   * stays.
   */
  async append(rows: readonly BatchRow[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.appendGroup(rows);
    } catch (err) {
      if (rows.length === 1 || !(err instanceof StoreWriteError) || !DISK_FULL.has(err.errno ?? '')) throw err;
      const kept: BatchRow[] = [];
      for (const r of rows) {
        try {
          await this.appendGroup([r]);
        } catch {
          break;
        }
        kept.push(r);
      }
      throw new StoreWriteError(err.message, err.errno, kept, err.reason);
    }
  }

  private async appendGroup(rows: readonly BatchRow[]): Promise<void> {
    const buf = Buffer.from(rows.map(formatRow).join(''), 'utf8');
    try {
      let off = 0;
      while (off < buf.length) off += (await this.fh.write(buf, off, buf.length - off)).bytesWritten;
      await this.fh.datasync();
    } catch (err) {
      // A partial group (disk full mid-write) is cut back, so the log still ends with a whole line.
      await this.fh.truncate(this.bytes).catch(() => undefined);
      throw writeError(err, this.path, 'append to');
    }
    this.bytes += buf.length;
    this.indexStale = true;
    for (const r of rows) this.table.add(asStored(r));
  }

  /** Writes the index atomically (temporary file, fsync, rename). */
  async writeIndex(): Promise<void> {
    const head = await readFileHead(this.path, Math.min(HEAD, this.bytes));
    const coverage: IndexCoverage = { coveredBytes: this.bytes, headHash: headHash(head, this.bytes) };
    const bytes = encodeIndex(this.table, coverage);
    const idx = indexPathOf(this.path);
    const tmp = `${idx}.${process.pid}.tmp`;
    try {
      const fh = await fsp.open(tmp, 'w');
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, idx);
      this.indexStale = false;
    } catch (err) {
      await fsp.unlink(tmp).catch(() => undefined);
      throw writeError(err, idx, 'write');
    }
  }

  get logBytes(): number {
    return this.bytes;
  }

  /** Writes the index when it is behind (best effort: the log alone is complete) and releases the lock. */
  async close(opts: { index?: boolean } = {}): Promise<void> {
    try {
      if (opts.index !== false && this.indexStale) await this.writeIndex().catch(() => undefined);
    } finally {
      await this.fh.close().catch(() => undefined);
      await this.lock.release().catch(() => undefined);
    }
  }
}

function headHash(head: Buffer, covered: number): string {
  return fnv64(head.toString('latin1', 0, Math.min(head.length, covered, HEAD)));
}

async function readAt(fh: fsp.FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  let off = 0;
  while (off < len) {
    const { bytesRead } = await fh.read(buf, off, len - off, pos + off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return off === len ? buf : buf.subarray(0, off);
}

async function readFileHead(path: string, n: number): Promise<Buffer> {
  const fh = await fsp.open(path, 'r');
  try {
    return await readAt(fh, 0, n);
  } finally {
    await fh.close();
  }
}

/** Closes or cuts a torn last line (see tailRepair). Reads only the end of the file. */
async function repairTail(jsonl: string): Promise<'none' | 'close' | 'truncate'> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(jsonl, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw writeError(err, jsonl, 'open for writing');
  }
  try {
    const size = (await fh.stat()).size;
    // Rows are small; a tail longer than this without a newline is damage, searched further back.
    let chunk = 64 * 1024;
    for (;;) {
      const start = Math.max(0, size - chunk);
      const buf = await readAt(fh, start, size - start);
      const nl = buf.lastIndexOf(0x0a);
      if (nl < 0 && start > 0) {
        chunk *= 4;
        continue;
      }
      const tailStart = nl < 0 ? 0 : start + nl + 1;
      const action = tailRepair(buf.toString('utf8', nl + 1));
      if (action === 'close') await fh.write('\n', size);
      if (action === 'truncate') await fh.truncate(tailStart);
      if (action !== 'none') await fh.datasync();
      return action;
    }
  } catch (err) {
    throw writeError(err, jsonl, 'repair');
  } finally {
    await fh.close();
  }
}

/** A lock not refreshed for this long belongs to a run that is gone (the holder refreshes it every 10 s). */
const LOCK_STALE_MS = 60_000;
const LOCK_REFRESH_MS = 10_000;

/**
 * The store's lock (engine/fileLock.ts): a run never waits for another. A dead process's lock on this host is
 * taken over at once; one from another host (a retried pod, another array task) once not refreshed for a minute.
 */
async function lockStore(lockPath: string): Promise<HeldLock> {
  try {
    return await takeLock(lockPath, { staleMs: LOCK_STALE_MS, refreshMs: LOCK_REFRESH_MS });
  } catch (err) {
    if (!(err instanceof LockBusyError)) throw writeError(err, lockPath, 'create the lock');
    const store = lockPath.replace(/\.lock$/, '');
    throw new StoreBusyError(
      err.local || !err.holder
        ? `Another run (${describeHolder(err.holder)}) is writing ${store}; wait for it or stop it.`
        : `${lockPath} says a run on ${err.holder.host} is writing this store (lock refreshed ${Math.round(err.ageMs / 1000)} s ago); wait for it, or delete the lock if no run is there.`,
    );
  }
}

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);

const REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EIO: 'an input/output error',
};

/** The reason first: a notification shows one line, and a long store path would push the reason out of it. */
function writeError(err: unknown, path: string, what: string): StoreWriteError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const known = code ? REASONS[code] : undefined;
  const kept = 'Rows written before are kept; fix this and run again to continue.';
  if (known) {
    const reason = `${known[0].toUpperCase()}${known.slice(1)} (${code})`;
    return new StoreWriteError(`${reason}: cannot ${what} ${path}. ${kept}`, code, [], reason);
  }
  const why = err instanceof Error ? err.message : String(err);
  return new StoreWriteError(`Cannot ${what} ${path}: ${why}${code ? ` (${code})` : ''}. ${kept}`, code);
}
