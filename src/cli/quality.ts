/**
 * The score command's dataset-quality lines: flag counts over the scored folder (every row of the store)
 * with the thresholds of the `xrayAnomaly.quality.*` settings (their defaults, or the --dark-level etc.
 * options that mirror them), and the duplicate groups.
 */
import { flagCounts, qualityReports } from '../core/quality/flags';
import { qualityInputs } from '../core/quality/fromRows';
import type { BatchRow } from '../core/batch/types';
import { QUALITY_FLAGS, type QualityReport, type QualityThresholds } from '../core/quality/types';
import {
  QUALITY_DEFAULTS,
  SETTINGS,
  qualityThresholds,
  settingDefault,
  type QualitySettingKey,
} from '../protocol/settings';

/** The quality settings, each with its CLI option: `quality.darkLevel` is `--dark-level`. */
export const QUALITY_OPTIONS = (Object.keys(SETTINGS) as (keyof typeof SETTINGS)[])
  .filter((k): k is QualitySettingKey => k.startsWith('quality.'))
  .map((key) => ({ key, option: key.slice('quality.'.length).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) }));

/** The options as parseArgs takes them (strings: checked by qualityFromOptions). */
export const QUALITY_PARSE_OPTIONS = Object.fromEntries(
  QUALITY_OPTIONS.map((o) => [o.option, { type: 'string' as const }]),
) as Record<string, { type: 'string' }>;

/** Usage lines: each option with its range and default, as the setting has them. */
export function qualityUsage(indent: string): string {
  return QUALITY_OPTIONS.map(({ key, option }) => {
    const s = SETTINGS[key];
    return `${indent}[--${option} <${s.minimum}-${s.maximum}, default ${s.default}>]`;
  }).join('\n');
}

/**
 * The thresholds from the options given (the settings' defaults for the others); a value that is not a
 * number in the setting's range is refused with the option's name, as VS Code's settings UI would.
 */
export function qualityFromOptions(values: Record<string, unknown>): QualityThresholds {
  return qualityThresholds((key) => {
    const option = QUALITY_OPTIONS.find((o) => o.key === key)!.option;
    const raw = values[option];
    if (raw === undefined) return settingDefault(key);
    const s = SETTINGS[key];
    const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(v) || v < s.minimum || v > s.maximum)
      throw new Error(`--${option} must be a number from ${s.minimum} to ${s.maximum}; got "${String(raw)}"`);
    return v;
  });
}

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
export function qualityLines(
  rows: readonly BatchRow[],
  maxGroups = 20,
  thresholds: QualityThresholds = QUALITY_DEFAULTS,
): string[] {
  const reports = qualityReports(qualityInputs(rows), thresholds);
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
