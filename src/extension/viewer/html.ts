/**
 * The viewer webview's HTML, as a pure function so it can be unit-tested without VS Code. Strict CSP:
 * nothing but the extension's own script (by nonce) and stylesheet, images only from the extension,
 * blob: and data:, no inline styles, no remote content. Settings travel in a data attribute (like VS
 * Code's media preview), so the page paints with the user's overlay defaults before `init` arrives.
 */
export interface ViewerHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  /** Fresh per render; base64 or hex characters. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  /** JSON of the initial ViewerSettings. */
  settingsJson: string;
}

export function viewerHtml(o: ViewerHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]{8,}$/.test(o.nonce))
    throw new Error('viewerHtml: the nonce must be at least 8 base64/hex characters.');
  // The CSP source goes into the policy itself: refuse anything that could end the directive or the attribute.
  // eslint-disable-next-line no-control-regex -- control characters must not reach the policy
  if (!o.cspSource.trim() || /[;,"<>\u0000-\u001f]/.test(o.cspSource))
    throw new Error(`viewerHtml: unexpected characters in cspSource ${JSON.stringify(o.cspSource)}.`);
  const csp = [
    "default-src 'none'",
    `img-src ${o.cspSource} blob: data:`,
    `style-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta id="xray-viewer-settings" data-settings="${attr(o.settingsJson)}">
<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>X-ray viewer</title>
</head>
<body>
<div id="root" class="root"><noscript>The X-ray viewer needs JavaScript.</noscript></div>
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
