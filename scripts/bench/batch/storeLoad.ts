/**
 * Loading a 100,000-row store: through its index (as the panel and a run open it), ready for look-ups
 * (the first `get` builds the path map, as planning a run does), with every row made into an object (as
 * a panel that takes `table.rows` does), and from the log alone (no index: what every load cost before
 * the index, and what a missing or stale index costs once). Wall ms (median of 5) and CPU ms (median).
 */
import { mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchRow } from '../../../src/core/batch/types';
import { loadResults, ResultStore } from '../../../src/engine/batch/store';
import { cpuMs, load, log, round } from './common';

const MODEL = { id: 'chest-patchcore', version: '1.0.0', prep: '92a096485e54cf8d' };

function rowOf(j: number, at: string): BatchRow {
  return {
    path: `study${Math.floor(j / 100)}/image-${j}.dcm`,
    modelId: MODEL.id,
    modelVersion: MODEL.version,
    prep: MODEL.prep,
    hash: (j * 2654435761).toString(16).padStart(64, '0'),
    size: 1_000_000 + j,
    mtimeMs: 1.79e12 + j,
    score: {
      raw: Math.sin(j),
      normalized: 0.5 + Math.sin(j) / 4,
      threshold: 0.3,
      aboveThreshold: Math.sin(j) > 0.3,
      span: 2,
    },
    provider: 'cpu',
    ms: 12,
    at,
    thumb: `thumbs/${(j % 256).toString(16)}/${j}.webp`,
    heatmap: `heatmaps/0123456789abcdef/${(j % 256).toString(16)}/${j}.webp`,
  };
}

async function time(what: (t: Awaited<ReturnType<typeof loadResults>>['table']) => unknown, path: string, n: number) {
  const wall: number[] = [];
  const cpu: number[] = [];
  let rebuilt = false;
  for (let k = 0; k < 5; k++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    const r = await loadResults(path);
    what(r.table);
    wall.push(performance.now() - t0);
    cpu.push(cpuMs() - c0);
    rebuilt = r.info.rebuilt;
    if (r.table.size !== n) throw new Error(`loaded ${r.table.size} rows, not ${n}`);
  }
  const median = (a: number[]) => round(a.sort((x, y) => x - y)[2], 0);
  return { wallMs: median(wall), cpuMs: median(cpu), rebuilt };
}

export async function storeLoad(n = 100_000) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-index-'));
  try {
    const store = join(dir, 'r.jsonl');
    const s = await ResultStore.open(store);
    const at = new Date().toISOString();
    for (let i = 0; i < n; i += 5000)
      await s.append(Array.from({ length: Math.min(5000, n - i) }, (_, k) => rowOf(i + k, at)));
    await s.close();
    const sizes = {
      logMB: round(statSync(store).size / 1048576),
      indexMB: round(statSync(`${store}.idx`).size / 1048576),
    };
    const load0 = load();
    const open = await time(() => undefined, store, n);
    const lookups = await time((t) => t.get('study5/image-500.dcm', MODEL), store, n);
    const rows = await time((t) => t.rows.length, store, n);
    renameSync(`${store}.idx`, `${store}.idx.aside`);
    const logOnly = await time((t) => t.get('study5/image-500.dcm', MODEL), store, n);
    const out = { rows: n, ...sizes, open, lookups, allRows: rows, logOnly, load: [load0, load()] };
    log(
      `\n--- store of ${n} rows (log ${sizes.logMB} MB, index ${sizes.indexMB} MB), median of 5, wall / CPU ms (load ${out.load.join(' -> ')}):\n` +
        `    open through the index ${open.wallMs} / ${open.cpuMs}; + ready for look-ups ${lookups.wallMs} / ${lookups.cpuMs}; ` +
        `+ every row an object ${rows.wallMs} / ${rows.cpuMs}; from the log alone (no index) ${logOnly.wallMs} / ${logOnly.cpuMs}`,
    );
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
