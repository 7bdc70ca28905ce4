import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viewerHtml } from '../../../src/extension/viewer/html';

const opts = {
  cspSource: 'https://*.vscode-cdn.net',
  nonce: 'abcDEF123+/=',
  scriptUri: 'https://x.vscode-cdn.net/dist/webview/viewer.js',
  styleUri: 'https://x.vscode-cdn.net/media/viewer.css',
  settingsJson: JSON.stringify({ heatmapOpacity: 0.4, colormap: 'jet', threshold: 0.5 }),
};

test('the page has a strict CSP: own script by nonce, own styles, no inline, nothing remote', () => {
  const html = viewerHtml(opts);
  const csp = html.match(/http-equiv="Content-Security-Policy" content="([^"]*)"/)?.[1].replace(/&#39;/g, "'");
  assert.equal(
    csp,
    "default-src 'none'; img-src https://*.vscode-cdn.net blob: data:; style-src https://*.vscode-cdn.net; script-src 'nonce-abcDEF123+/='",
  );
  assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
  assert.doesNotMatch(html, /\sstyle=/);
  assert.doesNotMatch(html, /<style/);
  // The only script is the bundle, carrying the nonce.
  const scripts = [...html.matchAll(/<script[^>]*>/g)].map((m) => m[0]);
  assert.deepEqual(scripts, [`<script nonce="abcDEF123+/=" src="${opts.scriptUri}">`]);
  assert.match(html, new RegExp(`<link rel="stylesheet" href="${opts.styleUri.replace(/[.*]/g, '\\$&')}">`));
});

test('settings round-trip through the data attribute, escaped', () => {
  const settingsJson = JSON.stringify({ note: `"quoted" <script>alert(1)</script> & 'single'` });
  const html = viewerHtml({ ...opts, settingsJson });
  const raw = html.match(/data-settings="([^"]*)"/)?.[1] ?? '';
  assert.doesNotMatch(raw, /[<>"]/);
  const decoded = raw
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  assert.equal(decoded, settingsJson);
});

test('a bad nonce or a CSP source that could inject a directive is refused', () => {
  assert.throws(() => viewerHtml({ ...opts, nonce: 'short' }), /nonce/);
  assert.throws(() => viewerHtml({ ...opts, nonce: 'abcdefgh" onload="x' }), /nonce/);
  assert.throws(() => viewerHtml({ ...opts, cspSource: "https://a; script-src 'unsafe-inline'" }), /cspSource/);
  assert.throws(() => viewerHtml({ ...opts, cspSource: '' }), /cspSource/);
});

test('the display language and its bundle reach the page escaped; English pages carry no bundle', () => {
  const bundle = { 'Zoom in': `"Zoomer" <b>&</b> 'plus'` };
  const html = viewerHtml({ ...opts, l10n: { bundle, language: 'fr-CA' } });
  assert.match(html, /<html lang="fr-CA">/);
  const raw = html.match(/<meta id="xray-l10n" data-bundle="([^"]*)">/)?.[1];
  assert.ok(raw, 'bundle meta present');
  const decoded = raw
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  assert.deepEqual(JSON.parse(decoded), bundle);
  assert.doesNotMatch(html, /<b>/);

  const english = viewerHtml({ ...opts, l10n: { bundle: undefined, language: 'en' } });
  assert.doesNotMatch(english, /xray-l10n/);
  // A language tag that could break out of the attribute falls back to English.
  assert.match(viewerHtml({ ...opts, l10n: { language: 'en"><script>' } }), /<html lang="en">/);
});
