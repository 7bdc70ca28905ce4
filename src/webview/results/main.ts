/**
 * Entry point of the results panel webview (bundled to dist/webview/results.js and results.css). Starts
 * the app, which says `ready` once it listens, so no host message can be missed.
 */
import 'uplot/dist/uPlot.min.css';
import './results.css';
import './curation.css';
import './compare.css';
import './map.css';
import { ResultsApp } from './app';
import type { VsCodeApi } from '../shared/hostBridge';
import { resultsBridge } from './host';
import { reportPageErrors } from '../shared/pageErrors';

declare function acquireVsCodeApi(): VsCodeApi;

const root = document.getElementById('root') ?? document.body;
const host = resultsBridge(acquireVsCodeApi());
reportPageErrors(window, (message) => host.notify('log', { level: 'error', message: `Page error: ${message}` }));
const app = new ResultsApp(root, host);
// Diagnostics for the bench and for anyone poking at the webview's developer tools.
(window as unknown as { xrayResults: unknown }).xrayResults = { state: app.state, frameTimes: app.table.frameTimes };
app.start();
app.state.timeline.built = Date.now();
