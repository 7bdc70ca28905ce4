/**
 * A summary report to share: one self-contained HTML file (inline SVG charts, thumbnails as data URIs,
 * no script, no external resource) with the folder's counts, the histogram of normalised scores with the
 * threshold, ROC and PR curves with ROC-AUC and AP when the folder has ground truth, the label counts,
 * and the most anomalous flagged images as thumbnails. Pure: the caller passes the thumbnails' bytes.
 */
import { curves } from '../metrics/curves';
import type { ExportData } from './records';

export interface ReportOptions {
  /** Model column the report is about. */
  model: number;
  title: string;
  /** Data URIs of thumbnails by record path (only the flagged ones shown are needed). */
  thumbnails: Map<string, string>;
  /** How many flagged images to show (default 12). */
  flaggedShown?: number;
  generatedAt: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function reportHtml(d: ExportData, o: ReportOptions): string {
  const m = d.models[o.model];
  const scored = d.records.filter((r) => r.scores[o.model]?.normalized !== undefined);
  const flagged = scored
    .filter((r) => r.scores[o.model].flagged)
    .sort((a, b) => (b.scores[o.model].raw ?? 0) - (a.scores[o.model].raw ?? 0));
  const errors = d.records.filter((r) => r.scores[o.model]?.error).length;
  const labels = { normal: 0, abnormal: 0, unsure: 0 };
  for (const r of d.records) if (r.label) labels[r.label]++;
  const truthRows = scored.filter((r) => r.truth !== undefined);
  const c = truthRows.length
    ? curves(
        truthRows.map((r) => r.scores[o.model].raw!),
        truthRows.map((r) => r.truth!),
      )
    : undefined;
  const shown = flagged.slice(0, o.flaggedShown ?? 12);
  const fmt = (v: number | undefined, digits = 3) => (v === undefined ? '—' : v.toFixed(digits));
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>${esc(o.title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;background:#fff;max-width:1100px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}.muted{color:#666}
table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}
.charts{display:flex;flex-wrap:wrap;gap:24px}.grid{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0;width:150px;font-size:12px}figure img{width:150px;height:150px;object-fit:contain;background:#000}
figcaption{word-break:break-all}svg text{font-size:11px;fill:#444}
</style></head><body>
<h1>${esc(o.title)}</h1>
<div class="muted">${esc(d.rootInWorkspace || d.root)} · model ${esc(m.id)} ${esc(m.version)} · ${esc(o.generatedAt)}</div>
<h2>Summary</h2>
<table>
<tr><th>Images</th><td>${d.records.length}</td></tr>
<tr><th>Scored</th><td>${scored.length}</td></tr>
<tr><th>Unreadable or failed</th><td>${errors}</td></tr>
<tr><th>Flagged (normalised score ≥ ${fmt(m.threshold)})</th><td>${flagged.length}</td></tr>
${d.labelSet ? `<tr><th>Labels (set “${esc(d.labelSet)}”)</th><td>${labels.normal} normal · ${labels.abnormal} abnormal · ${labels.unsure} unsure</td></tr>` : ''}
${c ? `<tr><th>Ground truth</th><td>${c.positives} anomalous · ${c.negatives} normal · ROC-AUC ${fmt(c.rocAuc)} · AP ${fmt(c.averagePrecision)}</td></tr>` : ''}
</table>
<h2>Scores</h2>
<div class="charts">
${histogramSvg(
  scored.map((r) => r.scores[o.model].normalized!),
  m.threshold,
)}
${c?.roc ? curveSvg('ROC', c.roc, 'false-positive rate', 'true-positive rate', true) : ''}
${c?.pr ? curveSvg('Precision-recall', c.pr, 'recall', 'precision', false) : ''}
</div>
<h2>Most anomalous flagged images (${shown.length} of ${flagged.length})</h2>
<div class="grid">
${shown
  .map((r) => {
    const src = o.thumbnails.get(r.path);
    const img = src?.startsWith('data:image/')
      ? `<img alt="" src="${esc(src)}">`
      : '<div class="muted">no thumbnail</div>';
    return `<figure>${img}<figcaption>${esc(r.path)}<br>score ${fmt(r.scores[o.model].normalized)}${r.label ? ` · ${r.label}` : ''}</figcaption></figure>`;
  })
  .join('\n')}
</div>
</body></html>
`;
}

const W = 320;
const H = 200;
const PAD = { l: 36, r: 10, t: 20, b: 30 };

function histogramSvg(values: number[], threshold: number, bins = 40): string {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))]++;
  const max = Math.max(1, ...counts);
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const bars = counts
    .map((n, i) => {
      const h = (n / max) * ih;
      return `<rect x="${(PAD.l + (i * iw) / bins).toFixed(1)}" y="${(PAD.t + ih - h).toFixed(1)}" width="${(iw / bins - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="#3b82c4"/>`;
    })
    .join('');
  const tx = PAD.l + threshold * iw;
  return `<svg role="img" aria-label="Histogram of normalised scores" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
<text x="${PAD.l}" y="12">Normalised score (${values.length} images; max bin ${max})</text>${bars}
<line x1="${tx}" x2="${tx}" y1="${PAD.t}" y2="${PAD.t + ih}" stroke="#d9822b" stroke-width="2"/>
${axes(iw, ih, 'score', '')}</svg>`;
}

function curveSvg(title: string, c: { x: number[]; y: number[] }, xl: string, yl: string, diagonal: boolean): string {
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const pts = c.x.map((x, i) => `${(PAD.l + x * iw).toFixed(1)},${(PAD.t + (1 - c.y[i]) * ih).toFixed(1)}`).join(' ');
  const diag = diagonal
    ? `<line x1="${PAD.l}" y1="${PAD.t + ih}" x2="${PAD.l + iw}" y2="${PAD.t}" stroke="#bbb" stroke-dasharray="4 3"/>`
    : '';
  return `<svg role="img" aria-label="${title} curve" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
<text x="${PAD.l}" y="12">${title}</text>${diag}<polyline fill="none" stroke="#3b82c4" stroke-width="2" points="${pts}"/>
${axes(iw, ih, xl, yl)}</svg>`;
}

function axes(iw: number, ih: number, xl: string, yl: string): string {
  const x0 = PAD.l;
  const y0 = PAD.t + ih;
  return `<line x1="${x0}" y1="${y0}" x2="${x0 + iw}" y2="${y0}" stroke="#888"/><line x1="${x0}" y1="${PAD.t}" x2="${x0}" y2="${y0}" stroke="#888"/>
<text x="${x0}" y="${y0 + 14}">0</text><text x="${x0 + iw - 6}" y="${y0 + 14}">1</text><text x="${x0 + iw / 2 - 20}" y="${y0 + 26}">${xl}</text>
<text x="4" y="${PAD.t + 8}">${yl ? '1' : ''}</text><text x="4" y="${PAD.t + ih / 2}">${yl}</text>`;
}
