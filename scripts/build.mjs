// One esbuild script builds every bundle: extension host, engine process, CLI, webviews and the
// in-VS-Code test suite. `--production` minifies and drops sourcemaps; `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  target: 'es2022',
};
// Native modules and packages that load their own files at run time (WASM codecs) stay outside the
// bundles; `dependencies` in package.json puts them into the VSIX.
const nodeExternal = ['vscode', 'onnxruntime-node', 'sharp', '@cornerstonejs/*'];

const targets = [
  {
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    external: nodeExternal,
  },
  {
    entryPoints: ['src/engine/main.ts'],
    outfile: 'dist/engine.js',
    platform: 'node',
    format: 'cjs',
    external: nodeExternal,
  },
  {
    entryPoints: ['src/engine/batch/worker.ts'],
    outfile: 'dist/batchWorker.js',
    platform: 'node',
    format: 'cjs',
    external: nodeExternal,
  },
  // The embedding map's UMAP, off the extension host's thread.
  {
    entryPoints: ['src/extension/embeddingMap/worker.ts'],
    outfile: 'dist/mapWorker.js',
    platform: 'node',
    format: 'cjs',
    external: nodeExternal,
  },
  {
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    external: nodeExternal,
    banner: { js: '#!/usr/bin/env node' },
    optional: true,
  },
  // The webview bundle is always minified: it loads through the webview resource path on every open.
  {
    entryPoints: ['src/webview/viewer/main.ts'],
    outfile: 'dist/webview/viewer.js',
    platform: 'browser',
    format: 'iife',
    minify: true,
  },
  // The results panel: its CSS (uPlot's and the panel's own) comes out beside it as results.css.
  {
    entryPoints: ['src/webview/results/main.ts'],
    outfile: 'dist/webview/results.js',
    platform: 'browser',
    format: 'iife',
    minify: true,
  },
  {
    entryPoints: ['test/integration/suite/index.ts'],
    outfile: 'dist/test/integration.js',
    platform: 'node',
    format: 'cjs',
    external: [...nodeExternal, 'mocha'],
    optional: true,
    devOnly: true,
  },
  // A second window's extension host in the suite: runs the commands the suite sends it (suite/secondWindow.ts).
  {
    entryPoints: ['test/integration/suite/secondWindow.ts'],
    outfile: 'dist/test/secondWindow.js',
    platform: 'node',
    format: 'cjs',
    external: nodeExternal,
    optional: true,
    devOnly: true,
  },
].filter((t) => !(t.optional && !existsSync(t.entryPoints[0])) && !(production && t.devOnly));

const started = Date.now();
if (watch) {
  for (const { optional, devOnly, ...t } of targets) {
    const ctx = await esbuild.context({ ...common, ...t });
    await ctx.watch();
  }
  console.log('[build] watching', targets.length, 'bundles');
} else {
  await Promise.all(targets.map(({ optional, devOnly, ...t }) => esbuild.build({ ...common, ...t })));
  console.log(`[build] ${targets.length} bundles in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
}
