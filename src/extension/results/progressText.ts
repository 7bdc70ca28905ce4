/** The progress notification's line: count, rate and time left, e.g. "120 of 624 · 41.2 images/s · about 12 s left". */
import type { RunProgressInfo } from './backend';

export function progressMessage(p: RunProgressInfo): string {
  const parts = [`${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')}`];
  if (p.imagesPerS) parts.push(`${p.imagesPerS.toFixed(1)} images/s`);
  if (p.etaS !== undefined && Number.isFinite(p.etaS)) parts.push(`about ${formatEta(p.etaS)} left`);
  if (p.failed) parts.push(`${p.failed} unreadable`);
  if (p.skipped) parts.push(`${p.skipped.toLocaleString('en-US')} unchanged`);
  return parts.join(' · ');
}

export function formatEta(s: number): string {
  if (s < 60) return `${Math.max(1, Math.ceil(s))} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
