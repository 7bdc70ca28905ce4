/**
 * The score command's drift lines: for each model, compares the folder's scores with the model's
 * calibration normals (core/scoring/drift.ts) and, when the user names images they confirmed as normal
 * (`--normals <file>`, one path per line relative to the scored folder), measures the false-alarm rate on them.
 */
import { readFileSync } from 'node:fs';
import type { ModelManifest } from '../core/model/manifest';
import { assessDrift, driftReferenceOf, falseAlarmFromNormals } from '../core/scoring/drift';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export interface ScoredRow {
  path: string;
  modelId: string;
  modelVersion: string;
  score?: { raw: number };
}

export function driftLines(manifestPath: string, rows: readonly ScoredRow[], normalsFile?: string): string[] {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ModelManifest;
  const label = `${manifest.id}`;
  const scored = rows.filter((r) => r.score && r.modelId === manifest.id && r.modelVersion === manifest.version);
  const ref = driftReferenceOf(manifest);
  const lines: string[] = [];
  if (!ref)
    lines.push(
      `drift (${label}): the model stores no calibration reference (fitted before drift checks); refit to get one.`,
    );
  else
    lines.push(
      `drift (${label}): ${
        assessDrift(
          ref,
          scored.map((r) => r.score!.raw),
        ).message
      }`,
    );
  if (normalsFile) {
    const wanted = new Set(
      readFileSync(normalsFile, 'utf8')
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean),
    );
    const normals = scored.filter((r) => wanted.has(r.path)).map((r) => r.score!.raw);
    const missing = wanted.size - normals.length;
    if (normals.length === 0)
      lines.push(`confirmed normals (${label}): none of the ${wanted.size} listed images was scored.`);
    else {
      const f = falseAlarmFromNormals(manifest.calibration.threshold, normals);
      lines.push(
        `confirmed normals (${label}): ${f.flagged} of ${f.normals} at or above the threshold; expected false-alarm rate on this folder ${pct(f.rate)} (90% interval ${pct(f.low)}-${pct(f.high)})` +
          (f.folderThreshold !== undefined
            ? `; a threshold of ${f.folderThreshold.toFixed(4)} would keep about 5% on them`
            : '; confirm at least 19 for a folder threshold') +
          (missing > 0 ? ` (${missing} listed images not among the scored ones)` : ''),
      );
    }
  }
  return lines;
}
