/**
 * The results panel's HTML, a pure function (unit-tested): strict CSP with a per-render nonce, the
 * extension's own script and stylesheet, images only from the webview's resource roots.
 */
export interface ResultsHtmlOptions {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  title: string;
}

export function resultsHtml(o: ResultsHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]{8,}$/.test(o.nonce))
    throw new Error('resultsHtml: the nonce must be at least 8 base64/hex characters.');
  // eslint-disable-next-line no-control-regex -- control characters must not reach the policy
  if (!o.cspSource.trim() || /[;,"<>\u0000-\u001f]/.test(o.cspSource))
    throw new Error(`resultsHtml: unexpected characters in cspSource ${JSON.stringify(o.cspSource)}.`);
  const csp = [
    "default-src 'none'",
    `img-src ${o.cspSource} data:`,
    // Lit components (vscode-elements) adopt constructed stylesheets; uPlot sizes its canvas with style properties.
    `style-src ${o.cspSource}`,
    `font-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>${attr(o.title)}</title>
</head>
<body>
<div id="root"><noscript>The results panel needs JavaScript.</noscript></div>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}

function attr(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}
