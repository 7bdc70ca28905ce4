import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { viewerHtml } from '../../../src/extension/viewer/html';

const DIST = join(__dirname, '../../../dist/webview');

const opts = {
  cspSource: 'https://*.vscode-cdn.net',
  nonce: 'abcDEF123+/=',
  script: 'const s = "</script><script>alert(1)</script>"; start(s);',
  style: '.root { color: red } /* </style><script>alert(2)</script> */',
  settingsJson: JSON.stringify({ heatmapOpacity: 0.4, colormap: 'jet', threshold: 0.5 }),
};

test('the page has a strict CSP: own script and styles inline by nonce, no style attributes, nothing remote', () => {
  const html = viewerHtml(opts);
  const csp = html.match(/http-equiv="Content-Security-Policy" content="([^"]*)"/)?.[1].replace(/&#39;/g, "'");
  assert.equal(
    csp,
    "default-src 'none'; img-src https://*.vscode-cdn.net blob: data:; style-src https://*.vscode-cdn.net 'nonce-abcDEF123+/='; script-src 'nonce-abcDEF123+/='",
  );
  assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
  assert.doesNotMatch(html, /\sstyle=/);
  // One script element and one style element, each with the nonce; texts that name their end tags cannot end
  // them early (the page fetches nothing to start; see webviewHtml.ts). Raw text elements end at the first
  // end tag, as the HTML parser reads them.
  const outside = html
    .replace(/(<script[^>]*>)[\s\S]*?<\/script>/g, '$1</script>')
    .replace(/(<style[^>]*>)[\s\S]*?<\/style>/g, '$1</style>');
  assert.deepEqual(
    [...outside.matchAll(/<(script|style)[^>]*>/g)].map((m) => m[0]),
    ['<style nonce="abcDEF123+/=">', '<script nonce="abcDEF123+/=">'],
  );
  assert.match(outside, /<\/script>\n<\/body>\n<\/html>\n$/);
  assert.match(outside, /<\/style>\n<title>/);
  assert.doesNotMatch(outside, /<link|src=/);
});

test('the inline script means the same after escaping; a script with "<!--" is refused', () => {
  const html = viewerHtml(opts);
  const body = html.match(/<script nonce="[^"]*">([\s\S]*?)<\/script>/)?.[1] ?? '';
  let seen = '';
  new Function('start', body)((s: string) => (seen = s));
  assert.equal(seen, '</script><script>alert(1)</script>');
  assert.throws(() => viewerHtml({ ...opts, script: 'if (a <!--b) x();' }), /<!--/);
});

test('the built page bundles can be put inline', { skip: !existsSync(DIST) && 'run the build first' }, () => {
  for (const f of readdirSync(DIST).filter((n) => n.endsWith('.js')))
    assert.doesNotMatch(readFileSync(join(DIST, f), 'utf8'), /<!--/, f);
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
