import { attr, webviewPage, type WebviewPageOptions } from '../webviewHtml';

/**
 * The viewer webview's HTML, as a pure function so it can be unit-tested without VS Code. Strict CSP:
 * nothing but the extension's own script and stylesheet (inline, by nonce), images only from the extension,
 * blob: and data:, no inline styles, no remote content. Settings travel in a data attribute (like VS
 * Code's media preview), so the page paints with the user's overlay defaults before `init` arrives.
 */
export interface ViewerHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  /** Fresh per render; base64 or hex characters. */
  nonce: string;
  /** The viewer's script bundle and stylesheet, their texts (see webviewHtml.ts). */
  script: string;
  style: string;
  /** vscode.l10n.bundle and vscode.env.language (see webviewPage). */
  l10n?: WebviewPageOptions['l10n'];
  /** JSON of the initial ViewerSettings. */
  settingsJson: string;
}

export function viewerHtml(o: ViewerHtmlOptions): string {
  return webviewPage({
    who: 'viewerHtml',
    cspSource: o.cspSource,
    nonce: o.nonce,
    script: o.script,
    style: o.style,
    l10n: o.l10n,
    title: 'X-ray viewer',
    imgSources: ['blob:', 'data:'],
    headExtra: `<meta id="xray-viewer-settings" data-settings="${attr(o.settingsJson)}">`,
    rootClass: 'root',
    noscript: 'The X-ray viewer needs JavaScript.',
  });
}
