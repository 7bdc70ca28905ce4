// A scored folder's store written straight through the store writer (no image is scored): many rows of one
// model, as a scored chest folder would hold them, for the panel's bench and its large-store tests.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as vscode from 'vscode';
import { storeLocation } from '../../../src/core/batch/location';
import type { BatchRow } from '../../../src/core/batch/types';
import { mulberry32 } from '../../../src/core/fit/random';
import { parseManifest } from '../../../src/core/model/validate';
import { normalizeWith } from '../../../src/core/scoring/calibration';
import { modelRefOf } from '../../../src/engine/batch/service';
import { ResultStore } from '../../../src/engine/batch/store';
import { chestStoreRow } from '../../fixtures/storeRows';

/** `n` rows of one model under `root` (test/fixtures/storeRows.ts). */
export async function writeStore(root: string, n: number, manifestPath: string): Promise<void> {
  const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
  const loc = storeLocation(ws, relative(ws, root).split(/[\\/]/).join('/'));
  rmSync(join(loc.store, '..'), { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const ref = await modelRefOf(manifestPath);
  const cal = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath).calibration;
  const span = cal.max - cal.min;
  const rand = mulberry32(n); // seeded: every run writes the same store
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const store = await ResultStore.open(loc.store);
  try {
    let group: BatchRow[] = [];
    for (let i = 0; i < n; i++) {
      const sick = rand() < 0.3;
      const row = chestStoreRow(i, ref, sick, new Date(1_700_000_000_000 + i * 1000).toISOString(), () => {
        const raw = cal.threshold + span * (0.12 * gauss() + (sick ? 0.05 : -0.08));
        const normalized = normalizeWith(raw, cal.threshold, span);
        return { raw, normalized, threshold: cal.threshold, aboveThreshold: normalized >= 0.5, span };
      });
      group.push(row);
      if (group.length === 10_000) {
        await store.append(group);
        group = [];
      }
    }
    await store.append(group);
  } finally {
    await store.close();
  }
}
