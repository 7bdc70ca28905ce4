/**
 * The HTML page every webview of this extension starts from, as a pure function (unit-tested through each
 * panel's own builder). Strict CSP: nothing but the extension's own script (by nonce) and stylesheet, no
 * inline styles, no remote content; each panel adds only the sources it needs.
 */
export interface WebviewPageOptions {
  /** Names the caller in error messages (e.g. 'viewerHtml'). */
  who: string;
  /** webview.cspSource */
  cspSource: string;
  /** Fresh per render; base64 or hex characters. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  title: string;
  /** Extra sources for img-src besides cspSource, e.g. ['blob:', 'data:']. */
  imgSources: string[];
  /** Directives after style-src, with cspSource substituted by the caller. */
  extraDirectives?: string[];
  /** Raw, already escaped markup placed before the stylesheet link. */
  headExtra?: string;
  rootClass?: string;
  noscript: string;
  /**
   * The webview's translations: `vscode.l10n.bundle` (undefined for English) and `vscode.env.language`.
   * They travel in a data attribute that src/webview/shared/l10n.ts reads before the first message.
   */
  l10n?: { bundle?: Record<string, string>; language?: string };
}

export function webviewPage(o: WebviewPageOptions): string {
  if (!/^[A-Za-z0-9+/=_-]{8,}$/.test(o.nonce))
    throw new Error(`${o.who}: the nonce must be at least 8 base64/hex characters.`);
  // The CSP source goes into the policy itself: refuse anything that could end the directive or the attribute.
  // eslint-disable-next-line no-control-regex -- control characters must not reach the policy
  if (!o.cspSource.trim() || /[;,"<>\u0000-\u001f]/.test(o.cspSource))
    throw new Error(`${o.who}: unexpected characters in cspSource ${JSON.stringify(o.cspSource)}.`);
  const csp = [
    "default-src 'none'",
    `img-src ${[o.cspSource, ...o.imgSources].join(' ')}`,
    `style-src ${o.cspSource}`,
    ...(o.extraDirectives ?? []),
    `script-src 'nonce-${o.nonce}'`,
  ].join('; ');
  const rootClass = o.rootClass ? ` class="${attr(o.rootClass)}"` : '';
  const lang = o.l10n?.language && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(o.l10n.language) ? o.l10n.language : 'en';
  const bundle = o.l10n?.bundle ? `<meta id="xray-l10n" data-bundle="${attr(JSON.stringify(o.l10n.bundle))}">\n` : '';
  return `<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${bundle}${o.headExtra ? `${o.headExtra}\n` : ''}<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>${attr(o.title)}</title>
</head>
<body>
<div id="root"${rootClass}><noscript>${attr(o.noscript)}</noscript></div>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}

/** Escapes a value for an HTML attribute or text. */
export function attr(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}
