// The panel bench's reference: an empty webview panel opened the way the results panel is (created by the
// extension host, its options then its html set, an inline script under a nonce), whose page stamps what VS Code's
// own start costs: its document's start, VS Code's empty document loaded, its script run, a message round trip to
// the host, and its first frame painted. Same clock as the host (one machine), ms from the call that opened it.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export interface EmptyOpen {
  /** The page's document began loading (VS Code's empty document), and that empty document was loaded. */
  pageOriginMs: number;
  pageShellLoadedMs: number;
  /** Its script ran (the first statement). */
  pageStartedMs: number;
  /** A message from the page reached the host, and the host's answer reached the page (the `ready` round trip). */
  hostReadyMs: number;
  answerArrivedMs: number;
  /** Its first frame was painted (the task after the frame that drew its text). */
  paintedMs: number;
  /** Bytes of its html. */
  htmlBytes: number;
}

/**
 * Opens the reference page, waits for its stamps, and leaves it open (the caller closes it). Its options are set
 * again after creating it, as ResultsPanel does (given at creation instead: the same times, session 12). `carry`:
 * text the page holds without running it (the panel's script and stylesheet: what VS Code's start of a page of
 * that size costs, apart from running it).
 */
export async function openEmptyWebview(carry = '', timeoutMs = 60_000): Promise<EmptyOpen> {
  const t0 = Date.now();
  const panel = vscode.window.createWebviewPanel('xrayAnomaly.benchEmpty', 'Empty', vscode.ViewColumn.Active, {
    enableScripts: true,
    retainContextWhenHidden: true,
  });
  panel.webview.options = { enableScripts: true, localResourceRoots: [] };
  const nonce = randomBytes(16).toString('base64');
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'">
<title>Empty</title></head>
<body><div id="root">Empty page</div>
<script type="text/plain">${carry.replace(/<\/(script)/gi, '<\\/$1')}</script>
<script nonce="${nonce}">
const started = Date.now();
const api = acquireVsCodeApi();
const nav = performance.getEntriesByType('navigation')[0];
const origin = performance.timeOrigin;
const page = { origin: Math.round(origin), started, shell: nav && nav.domContentLoadedEventEnd ? Math.round(origin + nav.domContentLoadedEventEnd) : 0 };
window.addEventListener('message', () => api.postMessage({ kind: 'answered', at: Date.now() }));
api.postMessage({ kind: 'ready', page });
requestAnimationFrame(() => setTimeout(() => api.postMessage({ kind: 'painted', at: Date.now() }), 0));
</script></body></html>`;
  panel.webview.html = html;
  const got: Record<string, { at?: number; page?: { origin: number; started: number; shell: number } }> = {};
  let hostReady = NaN;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the empty webview did not start in ${timeoutMs} ms`)), timeoutMs);
    const sub = panel.webview.onDidReceiveMessage((m: { kind: string; at?: number; page?: never }) => {
      got[m.kind] = m;
      if (m.kind === 'ready') {
        hostReady = Date.now();
        void panel.webview.postMessage({ kind: 'answer' });
      }
      if (got.ready && got.answered && got.painted) {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      }
    });
  });
  const page = got.ready!.page!;
  return {
    pageOriginMs: page.origin - t0,
    pageShellLoadedMs: page.shell ? page.shell - t0 : NaN,
    pageStartedMs: page.started - t0,
    hostReadyMs: hostReady - t0,
    answerArrivedMs: got.answered!.at! - t0,
    paintedMs: got.painted!.at! - t0,
    htmlBytes: Buffer.byteLength(html),
  };
}
