/**
 * The score command's dataset-quality lines: flag counts over the scored folder (every row of the store)
 * with the settings' default thresholds, and the duplicate groups.
 */
import { flagCounts, qualityReports } from '../core/quality/flags';
import { qualityInputs } from '../core/quality/fromRows';
import type { BatchRow } from '../core/batch/types';
import { QUALITY_FLAGS, type QualityReport } from '../core/quality/types';
import { QUALITY_DEFAULTS } from '../protocol/settings';

const NAMES: Record<(typeof QUALITY_FLAGS)[number], string> = {
  unreadable: 'unreadable',
  exactDuplicate: 'exact duplicates',
  nearDuplicate: 'near duplicates',
  dark: 'too dark',
  bright: 'too bright',
  lowInformation: 'low information',
  blurry: 'blurry',
  oddSize: 'odd size',
  oddAspect: 'odd aspect ratio',
};

/** At most `maxGroups` duplicate groups are listed (one line each). */
export function qualityLines(rows: readonly BatchRow[], maxGroups = 20): string[] {
  const reports = qualityReports(qualityInputs(rows), QUALITY_DEFAULTS);
  const measured = reports.filter((r) => r.measures).length;
  if (reports.length === 0) return [];
  const counts = flagCounts(reports);
  const parts = QUALITY_FLAGS.filter((f) => counts[f] > 0).map((f) => `${counts[f]} ${NAMES[f]}`);
  const lines = [
    `quality: ${reports.length} files (${measured} measured): ${parts.length ? parts.join(', ') : 'nothing flagged'}`,
  ];
  const groups = [
    ...groupsOf(reports, (r) => r.exactGroup).map((g) => `  exact: ${g.join('  ')}`),
    ...groupsOf(reports, (r) => (r.flags.includes('nearDuplicate') ? r.nearGroup : undefined)).map(
      (g) => `  near: ${g.join('  ')}`,
    ),
  ];
  lines.push(...groups.slice(0, maxGroups));
  if (groups.length > maxGroups) lines.push(`  (${groups.length - maxGroups} more groups: see the results)`);
  return lines;
}

function groupsOf(reports: QualityReport[], key: (r: QualityReport) => string | undefined): string[][] {
  const m = new Map<string, string[]>();
  for (const r of reports) {
    const k = key(r);
    if (k !== undefined) m.set(k, [...(m.get(k) ?? []), r.path]);
  }
  return [...m.values()];
}
