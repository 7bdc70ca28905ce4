/**
 * The HTML page every webview of this extension starts from, as a pure function (unit-tested through each
 * panel's own builder). Strict CSP: nothing but the extension's own script and stylesheet (by nonce), no
 * inline style attributes, no remote content; each panel adds only the sources it needs.
 *
 * The page fetches nothing: its script and stylesheet are in the page itself (and the results panel's
 * thumbnails arrive as data: URIs), not loaded from webview resource URIs. In VS Code for the web (code-server)
 * every new webview installs its own service worker for all webviews, and a resource fetch then fails in two
 * ways, both seen in the integration suite:
 * - a page whose frame loads while another webview's worker takes over fetches its script outside any worker
 *   (net::ERR_NAME_NOT_RESOLVED for https://file+.vscode-resource.vscode-cdn.net/...) and never starts: 2 of 6
 *   viewers opened together on an idle machine (test/integration/suite/pageStart.test.ts);
 * - a fetch still open when its panel closes is never answered; the old worker keeps it for 30 s, and the new
 *   worker, so every new page, waits for it (Chromium activates a worker only when the old one is idle): the
 *   "Show Scored Results" test waited 30 s in 2 of 2 runs, and CI's failures at stops 16 and 17.
 */
export interface WebviewPageOptions {
  /** Names the caller in error messages (e.g. 'viewerHtml'). */
  who: string;
  /** webview.cspSource */
  cspSource: string;
  /** Fresh per render; base64 or hex characters. */
  nonce: string;
  /** The page's script bundle, its text (see pageAssets.ts). */
  script: string;
  /** The page's stylesheet, its text. */
  style: string;
  title: string;
  /** Extra sources for img-src besides cspSource, e.g. ['blob:', 'data:']. */
  imgSources: string[];
  /** Directives after style-src, with cspSource substituted by the caller. */
  extraDirectives?: string[];
  /** Raw, already escaped markup placed before the stylesheet. */
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
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
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
${bundle}${o.headExtra ? `${o.headExtra}\n` : ''}<style nonce="${attr(o.nonce)}">${inlineStyle(o.style)}</style>
<title>${attr(o.title)}</title>
</head>
<body>
<div id="root"${rootClass}><noscript>${attr(o.noscript)}</noscript></div>
<script nonce="${attr(o.nonce)}">${inlineScript(o.who, o.script)}</script>
</body>
</html>
`;
}

/**
 * A script's text made safe inside <script>: `</script` would end the element early (`<\/` means the same in a
 * JS string, template or regex). `<!--` could put the HTML parser in a state where the real end tag does not
 * end the script, and has no safe rewrite: refused (unit tests check the built bundles have none).
 */
export function inlineScript(who: string, js: string): string {
  if (js.includes('<!--')) throw new Error(`${who}: the script contains "<!--" and cannot be put inline.`);
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

/** A stylesheet's text made safe inside <style> (`\/` is an escaped slash in CSS). */
export function inlineStyle(css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1');
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
