/**
 * The fit wizard's preprocessing preview as an HTML page: a few of the user's images, each as it is on
 * disk and as the highlighted pipeline hands it to the detector (one picture per hand after a split).
 * Pure, so unit-tested: the page has no script at all (nothing to talk to: the choice is made in the quick
 * pick), its pictures are PNG data URIs, and its CSP allows only those and the extension's stylesheet.
 */
import { attr, inlineStyle } from '../webviewHtml';

export interface PreviewPicture {
  /** data:image/png;base64,... */
  src: string;
  width: number;
  height: number;
  label: string;
}

export interface PreviewRow {
  name: string;
  original?: PreviewPicture;
  outputs: PreviewPicture[];
  /** What a step noticed (e.g. nothing to crop), already in words. */
  notice?: string;
  /** Why this image shows nothing (unreadable, failed step). */
  error?: string;
}

export interface PreviewPageModel {
  /** Fresh per render; base64 or hex characters. */
  nonce: string;
  /** The page's stylesheet, its text (inline: see webviewHtml.ts). */
  style: string;
  title: string;
  /** One line under the title (the steps in words). */
  detail: string;
  /** How to use the page (choose in the list). */
  hint: string;
  /** Shown instead of the rows while they are computed. */
  loading?: string;
  rows: PreviewRow[];
}

const DATA_PNG = /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/;

export function previewPage(m: PreviewPageModel): string {
  if (!/^[A-Za-z0-9+/=_-]{8,}$/.test(m.nonce)) throw new Error('previewPage: the nonce must be at least 8 characters.');
  const csp = `default-src 'none'; img-src data:; style-src 'nonce-${m.nonce}'`;
  const picture = (p: PreviewPicture, cls: string) => {
    if (!DATA_PNG.test(p.src)) throw new Error('previewPage: pictures must be PNG data URIs.');
    return `<figure class="${cls}"><img src="${p.src}" width="${Math.round(p.width)}" height="${Math.round(p.height)}" alt="${attr(p.label)}"><figcaption>${attr(p.label)}</figcaption></figure>`;
  };
  const rows = m.rows
    .map(
      (r) => `<section class="row">
<h2>${attr(r.name)}</h2>
<div class="pictures">${r.original ? picture(r.original, 'original') : ''}${r.outputs.length ? '<span class="arrow" aria-hidden="true">&rarr;</span>' : ''}${r.outputs.map((o) => picture(o, 'output')).join('')}</div>
${r.error ? `<p class="error">${attr(r.error)}</p>` : ''}${r.notice ? `<p class="notice">${attr(r.notice)}</p>` : ''}
</section>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${attr(m.nonce)}">${inlineStyle(m.style)}</style>
<title>${attr(m.title)}</title>
</head>
<body>
<header><h1>${attr(m.title)}</h1><p class="detail">${attr(m.detail)}</p><p class="hint">${attr(m.hint)}</p></header>
<main${m.loading ? ' aria-busy="true"' : ''}>${m.loading ? `<p class="loading">${attr(m.loading)}</p>` : rows}</main>
</body>
</html>
`;
}
