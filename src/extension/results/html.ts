import { webviewPage, type WebviewPageOptions } from '../webviewHtml';

/**
 * The results panel's HTML, a pure function (unit-tested): strict CSP with a per-render nonce, the
 * extension's own script and stylesheet (inline), images only from the webview's resource roots.
 */
export interface ResultsHtmlOptions {
  cspSource: string;
  nonce: string;
  /** The panel's script bundle and stylesheet, their texts (see webviewHtml.ts). */
  script: string;
  style: string;
  /** vscode.l10n.bundle and vscode.env.language (see webviewPage). */
  l10n?: WebviewPageOptions['l10n'];
  title: string;
}

export function resultsHtml(o: ResultsHtmlOptions): string {
  return webviewPage({
    who: 'resultsHtml',
    cspSource: o.cspSource,
    nonce: o.nonce,
    script: o.script,
    style: o.style,
    l10n: o.l10n,
    title: o.title,
    imgSources: ['data:'],
    // Lit components (vscode-elements) adopt constructed stylesheets; uPlot sizes its canvas with style properties.
    extraDirectives: [`font-src ${o.cspSource}`],
    noscript: 'The results panel needs JavaScript.',
  });
}
