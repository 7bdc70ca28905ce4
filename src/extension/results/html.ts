import { webviewPage, type WebviewPageOptions } from '../webviewHtml';

/**
 * The results panel's HTML, a pure function (unit-tested): strict CSP with a per-render nonce, the
 * extension's own script and stylesheet, images only from the webview's resource roots.
 */
export interface ResultsHtmlOptions {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  /** vscode.l10n.bundle and vscode.env.language (see webviewPage). */
  l10n?: WebviewPageOptions['l10n'];
  title: string;
}

export function resultsHtml(o: ResultsHtmlOptions): string {
  return webviewPage({
    who: 'resultsHtml',
    cspSource: o.cspSource,
    nonce: o.nonce,
    scriptUri: o.scriptUri,
    styleUri: o.styleUri,
    l10n: o.l10n,
    title: o.title,
    imgSources: ['data:'],
    // Lit components (vscode-elements) adopt constructed stylesheets; uPlot sizes its canvas with style properties.
    extraDirectives: [`font-src ${o.cspSource}`],
    noscript: 'The results panel needs JavaScript.',
  });
}
