// Drives the viewer webview in Debian Chromium through the dev harness: screenshots of every state in
// dark, light and high-contrast themes, a set of interaction checks (each failure is listed and makes
// the exit code 1), and the timings that matter for a 2048x2500 16-bit image: image message -> first
// frame, and re-render per window/level drag step. Output: test-output/webview/*.png and timings.json.
//   node test/webview/screenshot.mjs [--no-build] [--only name,name]
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { startHarness } from './harness.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = join(ROOT, 'test-output/webview');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : undefined;

async function waitFor(cond, what, timeoutMs = 30000) {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main() {
  if (!args.includes('--no-build')) {
    // Same options as scripts/build.mjs's webview target; built alone so a half-edited other bundle
    // cannot stop the viewer harness.
    await esbuild.build({
      entryPoints: [join(ROOT, 'src/webview/viewer/main.ts')],
      outfile: join(ROOT, 'dist/webview/viewer.js'),
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      sourcemap: 'linked',
      logLevel: 'warning',
    });
  }
  await waitFor(async () => existsSync(CHROMIUM), `${CHROMIUM} (apt install chromium)`, 600000);
  await mkdir(OUT, { recursive: true });
  const harness = await startHarness();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const failures = [];
  const check = (ok, what) => {
    if (!ok) failures.push(what);
    console.log(`${ok ? '  ok ' : 'FAIL '} ${what}`);
  };
  const timings = {};

  async function open(
    name,
    { scenario = 'full', theme = 'dark', width = 1400, height = 900, dpr = 1, locale = '' } = {},
  ) {
    const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: dpr });
    const page = await context.newPage();
    const problems = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(`${harness.url}?scenario=${scenario}&theme=${theme}${locale ? `&locale=${locale}` : ''}`);
    const report = () => page.evaluate(() => window.harness.request('getViewState'));
    return { page, context, problems, report, name };
  }

  async function settle(v, want) {
    if (want === 'imageError') {
      await waitFor(async () => (await v.report()).error?.scope === 'image', 'image error');
    } else {
      await waitFor(async () => (await v.report()).renders > 0, 'first render');
      if (want === 'analysis') await waitFor(async () => Boolean((await v.report()).analysis), 'analysis');
      if (want === 'analysisError')
        await waitFor(async () => (await v.report()).error?.scope === 'analysis', 'analysis error');
    }
    await v.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }

  const shots = [
    { name: 'dark-full', theme: 'dark', want: 'analysis' },
    { name: 'light-full', theme: 'light', want: 'analysis' },
    { name: 'hc-full', theme: 'hc', want: 'analysis' },
    { name: 'dark-running', scenario: 'running', want: 'render' },
    { name: 'dark-analysis-error', scenario: 'analysisError', want: 'analysisError' },
    { name: 'light-analysis-error', scenario: 'analysisError', theme: 'light', want: 'analysisError' },
    { name: 'dark-image-error', scenario: 'imageError', want: 'imageError' },
    { name: 'light-image-error', scenario: 'imageError', theme: 'light', want: 'imageError' },
    { name: 'light-no-map', scenario: 'noMap', theme: 'light', want: 'analysis' },
    { name: 'dark-dicom-mono1', scenario: 'mono1', want: 'analysis' },
    { name: 'dark-float', scenario: 'float', want: 'analysis' },
    { name: 'light-8bit', scenario: 'u8', theme: 'light', want: 'analysis' },
    { name: 'dark-narrow', width: 640, height: 900, want: 'analysis' },
    { name: 'dark-hidpi', dpr: 2, width: 1000, height: 700, want: 'analysis' },
    { name: 'dark-dicom-tags', scenario: 'mono1', want: 'analysis', tab: 'tags' },
    { name: 'light-dicom-tags', scenario: 'mono1', theme: 'light', want: 'analysis', tab: 'tags' },
    { name: 'hc-dicom-tags', scenario: 'mono1', theme: 'hc', want: 'analysis', tab: 'tags' },
    { name: 'dark-multiframe', scenario: 'multiframe', want: 'analysis' },
  ];

  try {
    for (const s of shots) {
      if (only && !only.includes(s.name)) continue;
      const v = await open(s.name, s);
      await settle(v, s.want);
      if (s.tab) {
        await v.page.evaluate((tab) => window.harness.request('act', { action: 'showTab', tab }), s.tab);
        await v.page.waitForTimeout(100);
      }
      await v.page.screenshot({ path: join(OUT, `${s.name}.png`) });
      check(
        v.problems.length === 0,
        `${s.name}: no console errors or CSP violations${v.problems.length ? `: ${v.problems.join(' | ')}` : ''}`,
      );
      if (s.want === 'imageError') check(await v.page.isVisible('.error-card'), `${s.name}: error card shown`);
      if (s.want === 'analysisError') {
        const r = await v.report();
        check(
          r.analysis === undefined && r.renders > 0 && r.error?.code === 'ENGINE_CRASHED',
          `${s.name}: image stays, error reported, no stale score`,
        );
      }
      await v.context.close();
    }

    if (!only || only.includes('l10n')) {
      // Pseudo-locale: every text the viewer shows under #root, and every title, aria-label, aria-valuetext
      // and placeholder, must come from the bundle (wrapped in ⟦ ⟧), in each state the viewer can be in.
      // Data (file names, tag values, model names, the decoder's and engine's messages) sits under
      // translate="no" and is skipped; numbers and symbols have no words to check.
      const strayText = (page) =>
        page.evaluate(() => {
          const out = [];
          const words = /[A-Za-z]{2,}/;
          const root = document.getElementById('root');
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
          for (let n = walker.currentNode; n; n = walker.nextNode()) {
            const el = n.nodeType === Node.TEXT_NODE ? n.parentElement : n;
            if (el?.closest('[translate="no"]')) continue;
            const texts =
              n.nodeType === Node.TEXT_NODE
                ? [n.textContent]
                : ['title', 'aria-label', 'aria-valuetext', 'placeholder', 'alt'].map((a) => n.getAttribute(a));
            for (const t of texts) if (t && words.test(t) && !t.includes('⟦')) out.push(t.trim().slice(0, 80));
          }
          return [...new Set(out)];
        });
      const act = (v, params) => v.page.evaluate((p) => window.harness.request('act', p), params);
      const frame = (v) =>
        v.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const checked = [];
      const verify = async (v, state) => {
        await frame(v);
        const stray = await strayText(v.page);
        checked.push(state);
        check(
          stray.length === 0,
          `l10n ${state}: every text comes from the bundle${stray.length ? `; not: ${stray.join(' | ')}` : ''}`,
        );
      };
      const cases = [
        {
          scenario: 'mono1',
          want: 'analysis',
          async steps(v) {
            const lang = await v.page.evaluate(() => document.documentElement.lang);
            check(lang === 'qps-ploc', `l10n: the page carries the display language (got ${lang})`);
            // The pointer over the image: the status bar's readout (position, value, heat).
            const box = await (await v.page.$('canvas.view')).boundingBox();
            await v.page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.4);
            await verify(v, 'mono1 analysis + readout');
            await v.page.screenshot({ path: join(OUT, 'pseudo-locale.png') });
            await act(v, { action: 'showTab', tab: 'tags' });
            await verify(v, 'mono1 tags tab');
            await v.page.screenshot({ path: join(OUT, 'pseudo-locale-tags.png') });
            await act(v, { action: 'revealPatientData', reveal: true });
            await waitFor(async () => (await v.report()).tags?.revealed === true, 'reveal');
            await verify(v, 'mono1 tags revealed');
            await act(v, { action: 'searchTags', query: 'zzzz-no-such' });
            await verify(v, 'mono1 tags search without match');
            await act(v, { action: 'searchTags', query: 'Patient' });
            await verify(v, 'mono1 tags search with matches');
          },
        },
        {
          scenario: 'full',
          want: 'analysis',
          async steps(v) {
            await act(v, { action: 'setStripOpen', open: true });
            await waitFor(async () => (await v.report()).preview?.steps > 0, 'preview');
            await verify(v, 'full strip open');
            await act(v, { action: 'openPreviewStep', index: 4 });
            await verify(v, 'full step view');
            await v.page.screenshot({ path: join(OUT, 'pseudo-locale-step.png') });
            await act(v, { action: 'openPreviewStep', index: null });
            // A ruler drawn and active, the pointer on the image: its length in the readout.
            await act(v, { action: 'setTool', tool: 'measure' });
            await act(v, { action: 'measure', from: [700, 900], to: [1100, 1300] });
            const box = await (await v.page.$('canvas.view')).boundingBox();
            await v.page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
            await verify(v, 'full ruler drawn');
            await v.page.focus('canvas.view');
            await v.page.keyboard.press('?');
            check(await v.page.isVisible('.help'), 'l10n: ? opens the shortcuts list');
            await verify(v, 'full help popover');
            await v.page.screenshot({ path: join(OUT, 'pseudo-locale-help.png') });
          },
        },
        { scenario: 'running', want: 'render' },
        { scenario: 'analysisError', want: 'analysisError' },
        { scenario: 'imageError', want: 'imageError', shot: 'pseudo-locale-error.png' },
        { scenario: 'noMap', want: 'analysis' },
        { scenario: 'float', want: 'analysis' },
        { scenario: 'u8', want: 'analysis' },
        {
          scenario: 'multiframe',
          want: 'analysis',
          async steps(v) {
            await verify(v, 'multiframe');
            await v.page.screenshot({ path: join(OUT, 'pseudo-locale-multiframe.png') });
            // While another frame loads (the spinner and "Loading frame" title).
            await act(v, { action: 'selectFrame', frame: 2 });
            await verify(v, 'multiframe loading a frame');
          },
        },
      ];
      for (const c of cases) {
        const v = await open(`l10n-${c.scenario}`, { locale: 'pseudo', scenario: c.scenario });
        await settle(v, c.want);
        if (c.steps) await c.steps(v);
        else await verify(v, c.scenario);
        if (c.shot) await v.page.screenshot({ path: join(OUT, c.shot) });
        check(
          v.problems.length === 0,
          `l10n ${c.scenario}: no console errors${v.problems.length ? `: ${v.problems.join(' | ')}` : ''}`,
        );
        await v.context.close();
      }
      console.log(`  l10n: ${checked.length} states checked`);
    }

    if (!only || only.includes('interact')) {
      const v = await open('interact', {});
      await settle(v, 'analysis');
      const { page } = v;
      let r = await v.report();
      check(
        r.image?.width === 2048 && r.image?.height === 2500 && r.image?.bitsStored === 16,
        'report: image 2048x2500 16-bit',
      );
      check(
        r.image.min >= 0 && r.image.max === 60000,
        `report: image min/max computed from pixels (${r.image.min}..${r.image.max})`,
      );
      check(
        r.analysis?.map?.width === 128 && r.analysis.map.sum > 0 && r.analysis.map.max <= 1,
        `report: map 128x128 received (sum ${r.analysis?.map?.sum?.toFixed(1)}, max ${r.analysis?.map?.max?.toFixed(3)})`,
      );
      check(r.view.window.center === 22000 && r.view.window.width === 34000, 'default window = first file preset');
      check(r.models.count === 2 && r.models.selectedId === 'patchcore-mnv2', 'models received');

      // Zoom with the wheel at a point and check the point stays under the cursor.
      const canvas = await page.$('canvas.view');
      const box = await canvas.boundingBox();
      const px = box.x + box.width * 0.45;
      const py = box.y + box.height * 0.35;
      await page.mouse.move(px, py);
      const before = await page.textContent('.statusbar .cursor');
      for (let i = 0; i < 6; i++) {
        await page.mouse.wheel(0, -120);
        await page.waitForTimeout(30);
      }
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      r = await v.report();
      check(r.view.zoom > 0.5, `wheel zoom in (zoom ${r.view.zoom.toFixed(3)})`);
      await page.mouse.move(px + 1, py);
      await page.mouse.move(px, py);
      const after = await page.textContent('.statusbar .cursor');
      const xy = (t) => (t.match(/x (\d+)\s+y (\d+)/) ?? []).slice(1).map(Number);
      const [bx, by] = xy(before);
      const [ax, ay] = xy(after);
      check(
        Math.abs(ax - bx) <= 2 && Math.abs(ay - by) <= 2,
        `wheel zoom keeps the image point under the cursor (${bx},${by} -> ${ax},${ay})`,
      );
      check(/heat \d\.\d\d/.test(after), `readout shows the heat value over the map (${after.trim()})`);

      // Window/level by right-drag: measure re-render per step.
      await page.evaluate(() => (window.xrayViewer.perf.windowRenderMs.length = 0));
      await page.mouse.down({ button: 'right' });
      const steps = 30;
      const stepTimes = [];
      for (let i = 0; i < steps; i++) {
        const t0 = Date.now();
        await page.mouse.move(px + (i + 1) * 4, py + (i % 2 ? 3 : -2));
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
        stepTimes.push(Date.now() - t0);
      }
      await page.mouse.up({ button: 'right' });
      const wl = await page.evaluate(() => [...window.xrayViewer.perf.windowRenderMs]);
      r = await v.report();
      check(r.view.window.width > 34000, `right-drag widens the window (${Math.round(r.view.window.width)})`);
      check(wl.length >= steps * 0.8, `each drag step re-rendered (${wl.length} of ${steps})`);
      const stat = (xs) => {
        const s = [...xs].sort((a, b) => a - b);
        return {
          n: s.length,
          median: +s[Math.floor(s.length / 2)].toFixed(1),
          p95: +s[Math.floor(s.length * 0.95)].toFixed(1),
          max: +s[s.length - 1].toFixed(1),
        };
      };
      timings.windowLevelDragViaPlaywrightMs = {
        roundTrip: stat(stepTimes),
        jsPerFrame: stat(wl),
        note: 'real mouse through the test driver: move -> next animation frame (includes driver latency)',
      };
      await page.screenshot({ path: join(OUT, 'dark-after-wl-drag.png') });

      // The same drag measured inside the page, without the test driver's latency: synthetic pointer
      // events, then a one-pixel read-back that forces the recorded canvas drawing to be rasterised.
      const inPage = await page.evaluate(async (steps) => {
        const c = document.querySelector('canvas.view');
        const r = c.getBoundingClientRect();
        const x0 = r.left + r.width / 2;
        const y0 = r.top + r.height / 2;
        const ev = (type, x, y, buttons) =>
          new PointerEvent(type, {
            pointerId: 7,
            clientX: x,
            clientY: y,
            button: 2,
            buttons,
            bubbles: true,
            cancelable: true,
          });
        const renders = () => window.xrayViewer.report().renders;
        const nextTask = () => new Promise((res) => setTimeout(res, 0));
        c.dispatchEvent(ev('pointerdown', x0, y0, 2));
        const total = [];
        const js = [];
        const flush = [];
        for (let i = 1; i <= steps; i++) {
          const n = renders();
          const t0 = performance.now();
          c.dispatchEvent(ev('pointermove', x0 - i * 3, y0 + (i % 2 ? 2 : -2), 2));
          while (renders() === n) await nextTask();
          const t1 = performance.now();
          c.getContext('2d').getImageData(0, 0, 1, 1);
          const t2 = performance.now();
          total.push(t2 - t0);
          flush.push(t2 - t1);
          js.push(window.xrayViewer.perf.windowRenderMs.at(-1));
        }
        c.dispatchEvent(ev('pointerup', x0, y0, 0));
        return { total, js, flush };
      }, 30);
      timings.windowLevelStep = {
        inputToPixelsMs: stat(inPage.total),
        windowingAndComposeJsMs: stat(inPage.js),
        rasterFlushMs: stat(inPage.flush),
        note: 'synthetic pointermove -> viewer re-windows 2048x2500 16-bit (65,536-entry LUT, 5.1 M lookups, putImageData) and composes -> pixels read back; inputToPixels includes waiting for the next animation frame',
      };

      // Keyboard: invert, overlay toggle, 1:1, fit, preset cycle.
      await page.focus('canvas.view');
      await page.keyboard.press('i');
      await page.keyboard.press('h');
      await page.waitForTimeout(50);
      r = await v.report();
      check(r.view.invert === true && r.view.overlayVisible === false, 'keys I and H invert and hide the overlay');
      await page.keyboard.press('h');
      await page.keyboard.press('i');
      await page.keyboard.press('w');
      await page.waitForTimeout(50);
      r = await v.report();
      check(
        r.view.window.center === 22000 && r.view.window.width === 34000,
        'W after a custom window goes to the first preset',
      );
      await page.keyboard.press('w');
      await page.waitForTimeout(50);
      r = await v.report();
      check(r.view.window.center === 11000, 'W cycles to the next preset');
      await page.keyboard.press('1');
      await page.waitForTimeout(50);
      r = await v.report();
      check(r.view.zoom === 1, 'key 1 gives 1:1');

      // Zoomed in with the outline: pixelated image, crisp outline.
      const renders0 = r.renders;
      await page.keyboard.press('r');
      await page.waitForTimeout(50);
      const zoomAt = async (ix, iy, zoom) => {
        // Fit first, then wheel at the screen point of image (ix, iy) until the zoom is reached.
        const rr = await v.report();
        const z0 = rr.view.zoom;
        const sx = box.x + box.width / 2 + (ix - 1024) * z0;
        const sy = box.y + box.height / 2 + (iy - 1250) * z0;
        await page.mouse.move(sx, sy);
        let z = z0;
        while (z < zoom) {
          await page.mouse.wheel(0, -100);
          await page.waitForTimeout(20);
          z = (await v.report()).view.zoom;
        }
      };
      await zoomAt(880, 955, 1.6);
      await page.waitForTimeout(100);
      await page.screenshot({ path: join(OUT, 'dark-zoom-outline.png') });
      await page.keyboard.press('r');
      await page.waitForTimeout(50);
      await zoomAt(875, 960, 7);
      await page.waitForTimeout(100);
      await page.screenshot({ path: join(OUT, 'dark-pixelated.png') });
      r = await v.report();
      check(r.renders > renders0, 'zooming redraws');

      // Compose-only frames (zoom/pan) cost.
      await page.evaluate(() => (window.xrayViewer.perf.composeMs.length = 0));
      for (let i = 0; i < 20; i++) {
        await page.keyboard.press(i % 2 ? 'ArrowLeft' : 'ArrowUp');
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
      }
      timings.panFrameMs = stat(await page.evaluate(() => [...window.xrayViewer.perf.composeMs]));

      // Settings go to the host; model switch re-analyses.
      await page.keyboard.press('f');
      await page.selectOption('#colormap-select', 'jet');
      await page.waitForTimeout(50);
      let sent = await page.evaluate(() => window.harness.sent.filter((m) => m.kind === 'notify'));
      check(
        sent.some((m) => m.type === 'settingsChanged' && m.params.colormap === 'jet'),
        'colormap change posts settingsChanged',
      );
      await page.fill('#opacity-range', '0.7');
      await page.dispatchEvent('#opacity-range', 'change');
      sent = await page.evaluate(() => window.harness.sent.filter((m) => m.kind === 'notify'));
      check(
        sent.some((m) => m.type === 'settingsChanged' && m.params.heatmapOpacity === 0.7),
        'opacity change posts settingsChanged',
      );
      await page.selectOption('#model-select', 'ae-hand');
      await waitFor(async () => (await v.report()).analysis?.modelId === 'ae-hand', 'analysis of the second model');
      sent = await page.evaluate(() => window.harness.sent.filter((m) => m.kind === 'notify'));
      check(
        sent.some((m) => m.type === 'selectModel' && m.params.modelId === 'ae-hand'),
        'model selector posts selectModel',
      );
      await page.click('text=More models…');
      sent = await page.evaluate(() => window.harness.sent.filter((m) => m.kind === 'notify'));
      check(
        sent.some((m) => m.type === 'pickModel'),
        '"More models…" posts pickModel',
      );
      await page.waitForTimeout(100);
      await page.screenshot({ path: join(OUT, 'dark-second-model-jet.png') });

      // Help popover.
      await page.keyboard.press('?');
      await page.waitForTimeout(50);
      check(await page.isVisible('.help'), '? opens the shortcuts list');
      await page.screenshot({ path: join(OUT, 'dark-help.png') });
      await page.keyboard.press('Escape');
      check(!(await page.isVisible('.help')), 'Escape closes it');

      // View state survives a reload (the host disposes hidden webviews).
      await page.keyboard.press('i');
      await page.keyboard.press('+');
      await page.keyboard.press('+');
      await page.waitForTimeout(400);
      const saved = await v.report();
      await page.reload();
      await settle(v, 'analysis');
      const restored = await v.report();
      check(
        Math.abs(restored.view.zoom - saved.view.zoom) < 1e-9 &&
          restored.view.invert === saved.view.invert &&
          restored.view.colormap === 'jet' &&
          restored.view.opacity === 0.7,
        `view state restored after reload (zoom ${saved.view.zoom} -> ${restored.view.zoom})`,
      );
      check(
        v.problems.length === 0,
        `interaction: no console errors${v.problems.length ? `: ${v.problems.join(' | ')}` : ''}`,
      );

      // Tab-key reachability: every control can take focus.
      const unfocusable = await page.evaluate(() =>
        [...document.querySelectorAll('button, select, input')]
          .filter((el) => !el.hidden && !el.disabled && el.offsetParent !== null && el.tabIndex < 0)
          .map((el) => el.outerHTML.slice(0, 60)),
      );
      check(
        unfocusable.length === 0,
        `all visible controls focusable${unfocusable.length ? `: ${unfocusable.join(', ')}` : ''}`,
      );
      await v.context.close();
    }

    if (!only || only.includes('features')) {
      // DICOM tags: masked patient data, search, reveal through the real button, copy.
      const v = await open('features', { scenario: 'mono1' });
      await settle(v, 'analysis');
      const { page } = v;
      const sent = () => page.evaluate(() => window.harness.sent.filter((m) => m.kind === 'notify'));
      let r = await v.report();
      check(
        r.tags?.count === 30 && r.tags.phiCount === 6 && r.tags.masked === 6 && r.tags.revealed === false,
        `tags received with ${r.tags?.masked} masked values`,
      );
      check(r.tags?.sample?.value.startsWith('••••') === true, `patient name masked (${r.tags?.sample?.value})`);
      await page.keyboard.press('t');
      await page.waitForTimeout(50);
      check(await page.isVisible('.tags-pane'), 'T opens the tags tab');
      await page.fill('#tag-search', 'Doe');
      r = await v.report();
      check(r.tags?.matches === 0, 'a search for the hidden name finds nothing before reveal');
      await page.click('text=Reveal patient data');
      await waitFor(async () => (await v.report()).tags?.revealed === true, 'reveal');
      r = await v.report();
      check(
        r.tags?.sample?.value === 'Doe^Jane' && r.tags.masked === 0 && r.tags.matches === 1,
        `after reveal the name shows and is found (${r.tags?.sample?.value}, ${r.tags?.matches} match)`,
      );
      await page.screenshot({ path: join(OUT, 'dark-tags-revealed.png') });
      await page.fill('#tag-search', '0008,1155');
      await page.waitForTimeout(50);
      check(
        (await page.$$('.tag-row.match')).length === 2,
        'tag-number search finds both nested ReferencedSOPInstanceUIDs',
      );
      await page.fill('#tag-search', 'modality');
      await page.hover('.tag-row.match');
      await page.click('.tag-row.match .copy');
      check(
        (await sent()).some((m) => m.type === 'copyText' && m.params.text === 'DX'),
        'Copy posts the value to the host',
      );
      await page.click('text=Hide again');
      await waitFor(async () => (await v.report()).tags?.revealed === false, 'hide again');
      check((await v.report()).tags?.masked === 6, 'Hide again masks the values again');

      // Preprocessing strip: one card per step, one shown large, Escape closes, P collapses.
      await waitFor(async () => (await v.report()).preview?.steps === 6, 'preview');
      check((await page.$$('.step-card')).length === 6, 'six step cards');
      await page.click('.step-card:nth-child(5) .step-thumb');
      await page.waitForTimeout(50);
      check(await page.isVisible('.step-view'), 'clicking a step shows it large');
      await page.screenshot({ path: join(OUT, 'dark-step-view.png') });
      await page.keyboard.press('Escape');
      await page.waitForTimeout(50);
      check(!(await page.isVisible('.step-view')), 'Escape closes the step view');
      await page.focus('canvas.view');
      await page.keyboard.press('p');
      await page.waitForTimeout(50);
      check(
        !(await page.isVisible('.strip-body')) &&
          (await sent()).some((m) => m.type === 'previewWanted' && m.params.open === false),
        'P collapses the strip and tells the host',
      );
      await page.keyboard.press('p');

      // Ruler: M, drag, label in mm; Delete removes it.
      await page.keyboard.press('m');
      const box = await (await page.$('canvas.view')).boundingBox();
      await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.5, { steps: 5 });
      await page.mouse.up();
      r = await v.report();
      check(
        r.measurements?.length === 1 && /mm$/.test(r.measurements[0].label) && r.view.tool === 'measure',
        `drag in measure mode draws a ruler (${r.measurements?.[0]?.label})`,
      );
      await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.5);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 5 });
      await page.mouse.up();
      const r2 = await v.report();
      check(
        r2.measurements?.length === 1 && r2.measurements[0].lengthPx > r.measurements[0].lengthPx,
        'dragging an end adjusts the ruler instead of drawing another',
      );
      await page.screenshot({ path: join(OUT, 'dark-ruler.png') });
      await page.keyboard.press('Delete');
      check((await v.report()).measurements?.length === 0, 'Delete removes it');

      // Overlay floor (on the Analysis tab).
      await page.click('#tab-analysis');
      await page.fill('#floor-range', '0');
      await page.dispatchEvent('#floor-range', 'change');
      check(
        (await sent()).some((m) => m.type === 'settingsChanged' && m.params.heatmapFloor === 0),
        'floor change posts settingsChanged',
      );
      check(
        v.problems.length === 0,
        `features: no console errors${v.problems.length ? `: ${v.problems.join(' | ')}` : ''}`,
      );
      await v.context.close();

      // Frames: , and . ask the host for the neighbouring frame.
      const f = await open('frames', { scenario: 'multiframe' });
      await settle(f, 'analysis');
      await f.page.focus('canvas.view');
      await f.page.keyboard.press('.');
      await waitFor(async () => (await f.report()).image?.frame?.index === 1, 'frame 2');
      await f.page.keyboard.press('.');
      await waitFor(async () => (await f.report()).image?.frame?.index === 2, 'frame 3');
      await f.page.keyboard.press('.');
      await f.page.keyboard.press(',');
      await waitFor(async () => (await f.report()).image?.frame?.index === 1, 'back to frame 2');
      const fs = await f.page.evaluate(() =>
        window.harness.sent.filter((m) => m.type === 'selectFrame').map((m) => m.params.frame),
      );
      check(
        JSON.stringify(fs) === '[1,2,1]',
        `. and , step frames without running past the last (${JSON.stringify(fs)})`,
      );
      check(
        f.problems.length === 0,
        `frames: no console errors${f.problems.length ? `: ${f.problems.join(' | ')}` : ''}`,
      );
      await f.context.close();
    }

    if (!only || only.includes('progressive')) {
      // A lost head start, then a reduced copy replaced in place by the full-resolution pixels.
      const v = await open('progressive', { scenario: 'progressive' });
      await settle(v, 'analysis');
      const { page } = v;
      const sent = () => page.evaluate(() => window.harness.sent.filter((m) => m.kind === 'notify'));
      const asked = (await sent()).filter((m) => m.type === 'resendEarly');
      check(
        asked.length === 1 && asked[0].params.image === true && asked[0].params.analysis === true,
        `init listing a lost head start makes the viewer ask again (${JSON.stringify(asked.map((m) => m.params))})`,
      );
      let r = await v.report();
      check(
        r.image?.width === 2048 &&
          r.image.height === 2500 &&
          r.image.reduced?.width === 683 &&
          r.image.reduced.height === 834,
        `reduced copy shown in full-resolution coordinates (${JSON.stringify(r.image)})`,
      );
      check(
        r.image?.max === 60000,
        `its values are block means: the single 65000 pixel is averaged away (max ${r.image?.max})`,
      );
      const fitZoom = r.view.zoom;
      const box = await (await page.$('canvas.view')).boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      const readout = await page.textContent('.statusbar .cursor');
      check(
        /value ≈ \d+ .*mean of 3×3/.test(readout ?? ''),
        `readout says the value is a block mean (${readout?.trim()})`,
      );
      await page.screenshot({ path: join(OUT, 'dark-progressive-reduced.png') });
      // Zoom, a custom window and a ruler on the copy: all must survive the upgrade.
      await page.focus('canvas.view');
      await page.keyboard.press('+');
      await page.keyboard.press('+');
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down({ button: 'right' });
      await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2 + 10, { steps: 4 });
      await page.mouse.up({ button: 'right' });
      await page.evaluate(() =>
        window.harness.request('act', { action: 'measure', from: [900, 900], to: [1100, 900] }),
      );
      const before = await v.report();
      await page.evaluate(() => window.harness.sendFull());
      await waitFor(async () => {
        const x = await v.report();
        return !x.image?.reduced && x.renders > 0;
      }, 'full-resolution pixels drawn');
      r = await v.report();
      check(
        r.image?.width === 2048 && r.image.height === 2500 && r.image.max === 65000,
        `full-resolution pixels replace the copy (max ${r.image?.max})`,
      );
      check(
        r.view.zoom === before.view.zoom && before.view.zoom > fitZoom,
        `zoom kept (${fitZoom} zoomed to ${before.view.zoom} -> ${r.view.zoom})`,
      );
      check(
        r.view.window.center === before.view.window.center &&
          r.view.window.width === before.view.window.width &&
          before.view.window.width !== 34000,
        `custom window kept (${JSON.stringify(r.view.window)})`,
      );
      check(r.measurements?.length === 1 && r.measurements[0].lengthPx === 200, 'ruler kept');
      check(r.analysis?.scoreRaw === before.analysis?.scoreRaw && r.analysis?.map?.width === 128, 'analysis kept');
      await page.mouse.move(box.x + box.width / 2 + 3, box.y + box.height / 2);
      const readout2 = await page.textContent('.statusbar .cursor');
      check(!/≈|mean of/.test(readout2 ?? ''), `readout shows the pixel's own value again (${readout2?.trim()})`);
      await page.screenshot({ path: join(OUT, 'dark-progressive-full.png') });
      // A different picture (new seq) is not an upgrade: no stale score, view fitted again.
      // Its analysis is held back: the stub would send it 250 ms later, which on a loaded machine can
      // land before the report is read, so the check would see the new picture's score, not a stale one.
      await page.evaluate(() => window.harness.sendNewImage({ analyse: false }));
      await waitFor(async () => (await v.report()).image?.max === 60000, 'the new picture');
      const cleared = (x) => x.analysis === undefined && x.measurements?.length === 0 && x.view.zoom === fitZoom;
      r = await v.report();
      check(
        cleared(r),
        `another picture clears score and rulers and fits the view (analysis ${r.analysis ? 'kept' : 'cleared'}, ${r.measurements?.length} rulers, zoom ${r.view.zoom} vs fit ${fitZoom})`,
      );
      check(
        v.problems.length === 0,
        `progressive: no console errors${v.problems.length ? `: ${v.problems.join(' | ')}` : ''}`,
      );
      await v.context.close();
    }

    // First frame timing, repeated on fresh pages (the first includes JIT warm-up).
    if (!only || only.includes('timing')) {
      const inApp = [];
      const toPixels = [];
      for (let i = 0; i < 5; i++) {
        const v = await open('timing', { scenario: 'running' });
        await settle(v, 'render');
        await waitFor(
          () => v.page.evaluate(() => window.harness.timings.imageToPixelsMs !== undefined),
          'first-pixels timing',
        );
        inApp.push(await v.page.evaluate(() => window.xrayViewer.perf.firstPaintMs));
        toPixels.push(await v.page.evaluate(() => window.harness.timings.imageToPixelsMs));
        await v.context.close();
      }
      timings.imageToFirstFrame = {
        messagePostedToPixelsMs: toPixels.map((x) => +x.toFixed(1)),
        messageHandledToFrameDrawnMs: inApp.map((x) => +x.toFixed(1)),
        note: 'fresh page each run. messagePostedToPixels: stub posts the image message (10 MB structured clone) -> first frame rasterised (pixel read-back). messageHandledToFrameDrawn: inside the viewer, from its message handler (pixel statistics, presets, layers) to the end of the first draw (LUT windowing, putImageData, composite)',
      };
    }
  } finally {
    await browser.close();
    await harness.close();
  }
  timings.environment =
    'headless Debian Chromium, --disable-gpu (software canvas), 1400x900 viewport, DPR 1, 2-core machine';
  await writeFile(join(OUT, 'timings.json'), JSON.stringify(timings, null, 2));
  console.log(JSON.stringify(timings, null, 2));
  console.log(`screenshots in ${OUT}`);
  if (failures.length) {
    console.error(`${failures.length} check(s) failed`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
