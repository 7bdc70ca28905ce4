/**
 * The host's share of opening a results panel on a 100,000-row store (the part `bench:panel` reports as
 * "host store read"): read the store through its index, take the wanted model's rows, number them
 * (RowIndex), fold their quality inputs, build the first `data` message, and the folder's drift after the page
 * drew (from the columns, and as before from row objects). CPU ms per step, median of
 * 5, in one process (no VS Code); `npm run bench:panel` measures the whole open in the real VS Code.
 * Usage: node --import tsx scripts/bench/panelHost.ts [rows]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchRow } from '../../src/core/batch/types';
import { mergeQualityRow } from '../../src/core/quality/fromRows';
import type { QualityInput } from '../../src/core/quality/flags';
import { loadResults, ResultStore } from '../../src/engine/batch/store';
import { encodePaths } from '../../src/extension/results/pathColumn';
import { RowIndex } from '../../src/extension/results/rowIndex';
import { chestStoreRow } from '../../test/fixtures/storeRows';
import { folderDrift, folderDriftOfScores } from '../../src/core/scoring/drift';
import { driftScores, rowsOfColumns } from '../../src/extension/results/panelColumns';
import { cpuMs, load, log, round } from './batch/common';

const MODEL = { id: 'chest-patchcore', version: '1.0.0', prep: '92a096485e54cf8d' };

function rowOf(i: number, at: string): BatchRow {
  return chestStoreRow(i, MODEL, i % 3 === 0, at, () => ({
    raw: Math.sin(i),
    normalized: 0.5,
    threshold: 0.3,
    aboveThreshold: Math.sin(i) > 0.3,
    span: 2,
  }));
}

const DRIFT_REF = { quantiles: Array.from({ length: 101 }, (_, k) => -1 + k / 50), threshold: 0.3, count: 500 };
const spread = (d: { all: Float64Array; normals: number[] }) => [d.all, d.normals] as const;

async function main() {
  const n = Number(process.argv[2]) || 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'bench-panel-host-'));
  try {
    const store = join(dir, 'r.jsonl');
    const normals = new Set(Array.from({ length: 200 }, (_, k) => rowOf(k * 300, '').path));
    const s = await ResultStore.open(store);
    const at = new Date().toISOString();
    for (let i = 0; i < n; i += 10_000)
      await s.append(Array.from({ length: Math.min(10_000, n - i) }, (_, k) => rowOf(i + k, at)));
    await s.close();
    const steps: Record<string, number[]> = {};
    const time = <T>(k: string, f: () => T): T => {
      const c0 = cpuMs();
      const out = f();
      (steps[k] ??= []).push(cpuMs() - c0);
      return out;
    };
    const load0 = load();
    for (let k = 0; k < 5; k++) {
      const c0 = cpuMs();
      const { table } = await loadResults(store);
      (steps.read ??= []).push(cpuMs() - c0);
      const model = { key: `${MODEL.id}@${MODEL.version}`, id: MODEL.id, name: 'm', version: MODEL.version };
      const cal = { threshold: 0.3, span: 2 };
      // What the panel does now: the rows as columns, numbered, the first message built.
      const cols = time('columns', () => table.columnsOf([MODEL]));
      const index = new RowIndex([model], [cal]);
      time('rowIndex', () => index.add(cols));
      const f = time('flush', () => index.replayAll());
      time('encodePaths', () => encodePaths(f.rows!.paths));
      // Before: a row object per row, then numbered (the reference for the columnar read).
      const rows = time('before: rowObjects', () => table.rowsOf([MODEL]));
      time('before: rowIndex', () => new RowIndex([model], [cal]).add(rows));
      // Folded after the page drew the rows (off the open's path since columns).
      const q = new Map<string, QualityInput>();
      time('quality (deferred)', () => rows.forEach((r) => mergeQualityRow(q, r)));
      // The folder's drift after the page drew (200 labelled normals): from the columns, and as it was before.
      time('drift: columns', () => folderDriftOfScores(DRIFT_REF, ...spread(driftScores(cols, normals))));
      time('drift before: row objects', () => {
        const scores = new Map<string, number>();
        for (const r of rowsOfColumns(cols)) if (r.score) scores.set(`chest/${r.path}`, r.score.raw);
        return folderDrift(
          DRIFT_REF,
          scores,
          [...normals].map((p) => `chest/${p}`),
        );
      });
    }
    const med = (a: number[]) => round([...a].sort((x, y) => x - y)[2], 0);
    const openMs = ['read', 'columns', 'rowIndex', 'flush', 'encodePaths'].reduce((a, k) => a + med(steps[k]), 0);
    const beforeMs = ['read', 'before: rowObjects', 'before: rowIndex', 'quality (deferred)', 'flush', 'encodePaths']
      .map((k) => med(steps[k]))
      .reduce((a, b) => a + b, 0);
    log(
      `host open of ${n} rows, CPU ms (median of 5, load ${load0} -> ${load()}): ` +
        Object.entries(steps)
          .map(([k, v]) => `${k} ${med(v)}`)
          .join(', ') +
        `\n  open on the host now ${openMs} CPU ms, with row objects (as before) ${beforeMs}: ratio ${round(openMs / beforeMs, 2)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
