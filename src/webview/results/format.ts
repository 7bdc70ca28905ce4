/** Number and time formatting for the panel (one place, so the table, charts and status agree). */
import { l10n } from '../shared/l10n';

/** Raw scores span orders of magnitude between models: 4 significant digits. */
export function formatRaw(v: number): string {
  if (Number.isNaN(v)) return '';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return v.toPrecision(4).replace(/\.?0+$/, (m) => (m.startsWith('.') ? '' : m));
}

export function formatNorm(v: number): string {
  return Number.isNaN(v) ? '' : v.toFixed(3);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatEta(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '';
  if (s < 60) return l10n.t('{0} s', Math.ceil(s));
  if (s < 3600) return l10n.t('{0} min {1} s', Math.floor(s / 60), Math.round(s % 60));
  return l10n.t('{0} h {1} min', Math.floor(s / 3600), Math.round((s % 3600) / 60));
}
