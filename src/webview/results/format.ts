/** Number and time formatting for the panel (one place, so the table, charts and status agree). */

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
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
