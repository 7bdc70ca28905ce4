/**
 * Entry point of the viewer webview (bundled to dist/webview/viewer.js). Reads the initial settings the
 * host put in the page, starts the app, and only then says `ready`, so no host message can be missed.
 */
import { ViewerApp } from './app';
import type { VsCodeApi } from '../shared/hostBridge';
import { viewerBridge } from './host';
import { reportPageErrors } from '../shared/pageErrors';

declare function acquireVsCodeApi(): VsCodeApi;

function initialSettings(): unknown {
  const el = document.getElementById('xray-viewer-settings');
  try {
    return el?.getAttribute('data-settings') ? JSON.parse(el.getAttribute('data-settings') as string) : undefined;
  } catch {
    return undefined;
  }
}

const root = document.getElementById('root') ?? document.body;
const host = viewerBridge(acquireVsCodeApi());
reportPageErrors(window, (message) => host.notify('log', { level: 'error', message: `Page error: ${message}` }));
const app = new ViewerApp(root, host, initialSettings());
// Diagnostics for the dev harness and for anyone poking at the webview's developer tools.
(window as unknown as { xrayViewer: { perf: ViewerApp['perf']; report(): unknown } }).xrayViewer = {
  perf: app.perf,
  report: () => app.report(),
};
app.start();
