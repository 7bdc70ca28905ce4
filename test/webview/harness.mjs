// Dev harness server for the viewer webview: serves the page produced by the real viewerHtml() (so the
// strict CSP is the one VS Code gets), with the host stub (stub.js) and VS Code theme variables
// (themes.css) added, plus dist/webview/viewer.js and media/viewer.css. Run `node test/webview/harness.mjs`
// to browse it (prints the URL); screenshot.mjs imports startHarness().
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TYPES = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.html': 'text/html' };
// Only these files are served: the viewer bundle and stylesheet, and the harness's own helpers.
const FILES = {
  '/dist/webview/viewer.js.map': 'dist/webview/viewer.js.map',
  '/test/webview/stub.js': 'test/webview/stub.js',
  '/test/webview/themes.css': 'test/webview/themes.css',
};

/** viewerHtml() from the TypeScript source, bundled in memory so this plain .mjs can call it. */
async function loadViewerHtml() {
  const out = await esbuild.build({
    entryPoints: [join(ROOT, 'src/extension/viewer/html.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
  });
  const mod = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
  return mod.viewerHtml;
}

/**
 * A pseudo-locale built from the English bundle: every message wrapped in ⟦ ⟧ with its {n} placeholders
 * kept, so a screenshot or a DOM walk shows at once which text did not go through l10n.t.
 */
async function pseudoBundle() {
  const english = JSON.parse(await readFile(join(ROOT, 'l10n/bundle.l10n.json'), 'utf8'));
  return Object.fromEntries(Object.keys(english).map((m) => [m, `⟦${m}⟧`]));
}

export async function startHarness({ port = 0 } = {}) {
  const viewerHtml = await loadViewerHtml();
  const pseudo = await pseudoBundle();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (url.pathname === '/' || url.pathname === '/harness.html') {
        const origin = `http://${req.headers.host}`;
        const nonce = randomBytes(16).toString('base64');
        let html = viewerHtml({
          cspSource: origin,
          nonce,
          script: await readFile(join(ROOT, 'dist/webview/viewer.js'), 'utf8'),
          style: await readFile(join(ROOT, 'media/viewer.css'), 'utf8'),
          settingsJson: JSON.stringify({ heatmapOpacity: 0.45, colormap: 'inferno', threshold: 0.5 }),
          l10n: url.searchParams.get('locale') === 'pseudo' ? { bundle: pseudo, language: 'qps-ploc' } : undefined,
        });
        html = html.replace('</head>', `<link rel="stylesheet" href="${origin}/test/webview/themes.css">\n</head>`);
        html = html.replace(
          '<script nonce=',
          `<script nonce="${nonce}" src="${origin}/test/webview/stub.js"></script>\n<script nonce=`,
        );
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(html);
        return;
      }
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      const rel = FILES[url.pathname];
      if (!rel) {
        res.writeHead(404).end('not found');
        return;
      }
      const body = await readFile(join(ROOT, rel));
      res.writeHead(200, {
        'content-type': TYPES[rel.slice(rel.lastIndexOf('.'))] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  const { port: actual } = server.address();
  return { url: `http://127.0.0.1:${actual}/`, close: () => new Promise((ok) => server.close(ok)) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const h = await startHarness({ port: Number(process.env.PORT ?? 8765) });
  console.log(
    `viewer harness at ${h.url}?scenario=full&theme=dark (scenarios: full running analysisError imageError noMap mono1 float u8 multiframe; themes: dark light hc)`,
  );
}
