/**
 * Localisation inside the webviews: `l10n.t('English text {0}', arg)` as in the extension, backed by
 * @vscode/l10n. The host puts VS Code's bundle for the display language in the page
 * (src/extension/webviewHtml.ts, `<meta id="xray-l10n" data-bundle>`); it is read on the first call, so
 * module-level strings work too. Without a bundle (English, or the plain-Node unit tests) the English text
 * is formatted as is. `npm run l10n` collects these calls into l10n/bundle.l10n.json with the extension's.
 */
import * as vscodeL10n from '@vscode/l10n';

let configured = false;

function configure(): void {
  configured = true;
  if (typeof document === 'undefined') return;
  const raw = document.getElementById('xray-l10n')?.getAttribute('data-bundle');
  if (!raw) return;
  try {
    vscodeL10n.config({ contents: JSON.parse(raw) as Record<string, string> });
  } catch {
    // A broken bundle must not take the viewer down: English it is.
  }
}

export const l10n = {
  t(message: string, ...args: Array<string | number | boolean>): string {
    if (!configured) configure();
    return vscodeL10n.t(message, ...args);
  },
};
