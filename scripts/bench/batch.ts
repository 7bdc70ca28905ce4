/**
 * Batch scoring against its bound (issue 9, item 2; a benchmark, not a test). In one run:
 *
 * - chest: the chest X-rays of the shared data folder (XRAY_DATA_DIR, ../shared/data or /work/shared/data;
 *   test-dev, or --chest <dir>), --rounds R rounds (default 3) over all of them;
 * - png16: --png16 N (default 2,000) generated 1024x1024 16-bit PNGs (cached in .cache/bench-batch, git-
 *   ignored: reruns skip generation), split into --segments S rounds (default 4) that cover all N;
 *   each round side by side: pure inference on ready tensors, decode + preprocessing CPU per image, end
 *   to end; its ratio to min(pure inference rate, cores x 1000 / (prep + inference CPU ms per image)),
 *   and where the time went (scripts/bench/batch/throughput.ts);
 * - index: loading a 100,000-row store (scripts/bench/batch/storeLoad.ts);
 * - memory (--memory [N], default 100,000): host + engine RSS while scoring N tiny images with --model
 *   (or --memory-model tiny: a small generated one), thumbnails, and every heatmap with --media
 *   (scripts/bench/batch/memory.ts).
 *
 * The machine may be shared: the 1-minute load average is printed with every figure.
 *
 * Variants side by side: XRAY_BENCH_DIST (the engine bundles to run), XRAY_BENCH_ENGINE_ENV (JSON, added to
 * the engine's environment, e.g. '{"XRAY_ANOMALY_BATCH_LANES":"0"}') and XRAY_BENCH_ENGINE_ARGS (node flags
 * for the engine, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'). The bound's own measurements do not read them.
 *
 * Usage: npm run bench:batch -- [--only chest,png16,index] [--memory [N]] [--memory-model tiny] [--media] [--rounds 3]
 *        [--png16 2000] [--segments 4] [--chest <dir>] [--model <manifest>] [--out test-output/bench]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { ENGINE_NODE_FLAGS } from '../../src/engine/client';
import { CORES, DIST, listImages, log, ROOT } from './batch/common';
import { png16Set } from './batch/fixtures';
import { memory } from './batch/memory';
import { storeLoad } from './batch/storeLoad';
import { throughput, type ThroughputOptions } from './batch/throughput';

// The bound's prep sample and pure inference run in this process: with the engine's V8 flags, as the engine
// runs them. Without --single-threaded-gc, the 16-bit PNGs' prep measured 78-101 CPU ms per image here
// (GC helper threads) against 72-74 with it, and against ~66-72 in the engine's workers: a bound that low
// flattered the ratio by 15-30%.
const missingFlags = ENGINE_NODE_FLAGS.filter((f) => !process.execArgv.includes(f));
if (missingFlags.length > 0) {
  const r = spawnSync(process.execPath, [...missingFlags, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}

const args = process.argv.slice(2);
const has = (name: string) => args.includes(`--${name}`);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] && !args[i + 1].startsWith('--') ? args[i + 1] : dflt;
};
const DATA =
  [process.env.XRAY_DATA_DIR, join(ROOT, '../shared/data'), '/work/shared/data'].find((d) => d && existsSync(d)) ?? '';
const CHEST = resolve(arg('chest', join(DATA, 'chest-xray-pneumonia/test-dev')));
const MEMORY = has('memory') ? Number(arg('memory', '100000')) : 0;
const ONLY = new Set(arg('only', MEMORY ? 'memory' : 'chest,png16,index').split(','));
const OUT = arg('out', 'test-output/bench');
const opts: ThroughputOptions = {
  model: resolve(arg('model', join(ROOT, 'models/chest-patchcore/chest-patchcore.model.json'))),
  media: has('media'),
  inferSeconds: Number(arg('infer-seconds', '3')),
  prepSample: Number(arg('prep-sample', '24')),
  reference: Number(arg('reference', '40')),
};

const loads = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

function split<T>(xs: T[], parts: number): T[][] {
  const size = Math.ceil(xs.length / parts);
  return Array.from({ length: parts }, (_, i) => xs.slice(i * size, (i + 1) * size)).filter((s) => s.length > 0);
}

async function main() {
  const report: Record<string, unknown> = {
    cores: CORES,
    cpu: cpus()[0]?.model,
    model: opts.model,
    media: opts.media,
    nodeFlags: process.execArgv.filter((f) => f.startsWith('--') && f !== '--import'),
  };
  log(
    `bench:batch on ${CORES} cores (${report.cpu}); load average ${loads()}; model ${opts.model}; node flags as the engine's: ${ENGINE_NODE_FLAGS.join(' ')}`,
  );
  if (!existsSync(join(DIST, 'engine.js')) || !existsSync(join(DIST, 'batchWorker.js')))
    throw new Error('dist/ is missing: npm run build first (npm run bench:batch does).');
  if (ONLY.has('chest')) {
    const files = existsSync(CHEST) ? await listImages(CHEST) : [];
    if (files.length === 0) log(`\n--- chest: skipped (no images at ${CHEST})`);
    else {
      const rounds = Number(arg('rounds', '3'));
      report.chest = await throughput(`chest (${CHEST})`, CHEST, Array(rounds).fill(files), opts);
    }
  }
  if (ONLY.has('png16')) {
    const n = Number(arg('png16', '2000'));
    const dir = await png16Set(n);
    const files = (await listImages(dir)).slice(0, n);
    report.png16 = await throughput(`1024x1024 16-bit PNG (${dir})`, dir, split(files, Number(arg('segments', '4'))), {
      ...opts,
      prepSample: Math.min(opts.prepSample, 12),
    });
  }
  if (ONLY.has('index')) report.index = await storeLoad();
  if (ONLY.has('memory'))
    report.memory = await memory(MEMORY || 100_000, {
      model: arg('memory-model', '') === 'tiny' ? 'tiny' : opts.model,
      heatmaps: opts.media,
    });
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'batch.json'), JSON.stringify(report, null, 2));
  log(`\nload average at the end ${loads()}; figures in ${join(OUT, 'batch.json')}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
