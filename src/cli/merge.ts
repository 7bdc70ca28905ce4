/**
 * `xray-anomaly merge --out all.jsonl shard-0.jsonl shard-1.jsonl ...`: the latest row per file and
 * model across the inputs (src/core/batch/merge.ts), sorted by path then model, written as a new store
 * (log + index) atomically. The inputs are only read.
 */
import { promises as fsp } from 'node:fs';
import { resolve } from 'node:path';
import { mergeRows } from '../core/batch/merge';
import { formatRow } from '../core/batch/jsonl';
import { loadResults, ResultStore } from '../engine/batch/store';
import { EXIT } from './exitCodes';

export async function runMerge(inputs: string[], out: string, write: (line: string) => void): Promise<number> {
  const target = resolve(out);
  // The merged store is replaced by rename: a device or pipe given as --out (say /dev/null, run as root)
  // would be replaced by a plain file, not written to.
  const existing = await fsp.stat(target).catch(() => undefined);
  if (existing && !existing.isFile()) {
    write(`--out ${target} is not a plain file: merge writes a result store there (rows and their index)`);
    return EXIT.USAGE;
  }
  const tables = [];
  for (const f of inputs) {
    const { table, info } = await loadResults(resolve(f));
    if (info.badLines.length) write(`note: ${f}: ignored ${info.badLines.length} damaged line(s)`);
    write(`${f}: ${table.size} rows`);
    tables.push(table.rows);
  }
  const rows = mergeRows(tables);
  const tmp = `${target}.merge-${process.pid}.tmp`;
  await fsp.writeFile(tmp, rows.map(formatRow).join(''));
  await fsp.rename(tmp, target);
  await fsp.unlink(`${target}.idx`).catch(() => undefined);
  // Opening builds the index for the merged log.
  const store = await ResultStore.open(target, { reindexAbove: 0 });
  await store.close();
  write(`${rows.length} rows in ${target}`);
  return 0;
}
