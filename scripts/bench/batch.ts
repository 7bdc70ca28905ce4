/**
 * Batch scoring throughput against its bound (issue 9, item 2; a benchmark, not a test).
 *
 * In one run, on this machine as it is:
 * 1. pure inference on ready tensors (the model's session alone, batches of 16 and of 1): images/s and
 *    CPU ms per image (process CPU time / images, so ORT's threads count);
 * 2. read + hash + decode + preprocessing CPU ms per image, in this process, one file at a time (the
 *    work a prep worker does per file);
 * 3. end to end through the batch service and the real engine (worker threads, batched sessions), for
 *    (a) the chest images in the shared data folder (XRAY_DATA_DIR, ../shared/data or /work/shared/data;
 *    test-dev, or --chest <dir>) and (b) --png16 N generated
 *    1024x1024 16-bit PNGs (cached in .cache/bench-batch, not committed); each as a ratio to the bound
 *    min(pure inference rate, cores x 1000 / (prep + inference CPU ms per image)), with the old
 *    one-file-at-a-time path (decode + analyze requests) side by side as the reference;
 * 4. loading a 100,000-row store (index, and rebuilt from the log alone);
 * 5. --large N: peak memory (host + engine) while scoring N tiny generated images with a small model.
 *
 * The machine is shared: the 1-minute load average before and after each part is printed, and the
 * ratios (measured back to back) are the figures to compare, not the absolute rates.
 *
 * Usage: npm run bench:batch -- [--chest <dir>] [--png16 2000] [--model <manifest>] [--large 100000]
 *        [--only chest,png16,index,large] [--out test-output/bench]
 */
import { cpus, loadavg, tmpdir } from 'node:os';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { decodeImage } from '../../src/core/decode';
import { DEFAULT_DECODE_LIMITS } from '../../src/core/image/types';
import { parseManifest } from '../../src/core/model/validate';
import { prepareInputs, type PreparedInput } from '../../src/core/preprocess/pipeline';
import type { BatchRow } from '../../src/core/batch/types';
import { scanDataset } from '../../src/core/dataset/scan';
import { EngineClient } from '../../src/engine/client';
import { defaultThreads, sessionOptions } from '../../src/engine/providers';
import { BatchService } from '../../src/engine/batch/service';
import { nodeDatasetFs } from '../../src/engine/batch/nodeFs';
import { runPrepJob, type PrepCore } from '../../src/engine/batch/prepJob';
import { loadResults, ResultStore } from '../../src/engine/batch/store';
import { writeReconstructionModel } from '../../test/fixtures/models';

const ROOT = resolve(__dirname, '../..');
const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const CORES = cpus().length;
const MODEL = resolve(arg('model', join(ROOT, 'models/chest-patchcore/chest-patchcore.model.json')));
const DATA =
  [process.env.XRAY_DATA_DIR, join(ROOT, '../shared/data'), '/work/shared/data'].find((d) => d && existsSync(d)) ?? '';
const CHEST = arg('chest', join(DATA, 'chest-xray-pneumonia/test-dev'));
const PNG16 = Number(arg('png16', '2000'));
const LARGE = Number(arg('large', '0'));
const ONLY = new Set(arg('only', LARGE ? 'large' : 'chest,png16,index').split(','));
const OUT = arg('out', 'test-output/bench');
const CACHE = join(ROOT, '.cache/bench-batch');

const report: Record<string, unknown> = { cores: CORES, cpu: cpus()[0]?.model, model: MODEL };
const load = () => +loadavg()[0].toFixed(1);
const log = (s: string) => console.log(s);

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const prepCore: PrepCore = {
  decodeImage: (b, n, l) => decodeImage(b, n, l),
  prepareInputs: prepareInputs as PrepCore['prepareInputs'],
};

async function listImages(dir: string): Promise<string[]> {
  return (await scanDataset(dir, nodeDatasetFs)).map((f) => join(dir, f.path));
}

/** 1. The model alone on ready tensors. */
async function pureInference(tensors: PreparedInput[]) {
  const manifest = parseManifest(readFileSync(MODEL, 'utf8'), MODEL);
  const threads = defaultThreads(CORES, process.env);
  const session = await ort.InferenceSession.create(
    readFileSync(resolve(MODEL, '..', manifest.onnx)),
    sessionOptions('cpu', threads),
  );
  const per = tensors[0].tensor.length;
  const run = async (batch: number, seconds: number) => {
    const data = new Float32Array(per * batch);
    for (let i = 0; i < batch; i++) data.set(tensors[i % tensors.length].tensor, i * per);
    const dims = [batch, ...tensors[0].dims.slice(1)];
    await session.run({ [manifest.input.name]: new ort.Tensor('float32', data, dims) }); // warm-up
    let images = 0;
    const c0 = cpuMs();
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      const out = await session.run({ [manifest.input.name]: new ort.Tensor('float32', data, dims) });
      for (const t of Object.values(out)) t.dispose?.();
      images += batch;
    }
    const wall = performance.now() - t0;
    return {
      batch,
      imagesPerS: +((images * 1000) / wall).toFixed(1),
      cpuMsPerImage: +((cpuMs() - c0) / images).toFixed(2),
    };
  };
  const b16 = await run(16, 6);
  const b1 = await run(1, 4);
  await session.release();
  return { threads, batch16: b16, batch1: b1 };
}

/** 2. What a prep worker does per file, here one file at a time. */
async function prepCost(files: string[], manifestPath: string) {
  const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
  const job = (path: string) => ({ path, limits: DEFAULT_DECODE_LIMITS, preps: [manifest] });
  for (const f of files.slice(0, 3)) await runPrepJob(job(f), prepCore); // warm-up
  const c0 = cpuMs();
  const t0 = performance.now();
  const tensors: PreparedInput[] = [];
  for (const f of files) {
    const r = await runPrepJob(job(f), prepCore);
    if (tensors.length < 16 && r.prepared) tensors.push(r.prepared[0][0]);
  }
  return {
    files: files.length,
    cpuMsPerImage: +((cpuMs() - c0) / files.length).toFixed(2),
    wallMsPerImage: +((performance.now() - t0) / files.length).toFixed(2),
    tensors,
  };
}

function engine(env: Record<string, string> = {}): EngineClient {
  return new EngineClient({
    enginePath: join(ROOT, 'dist/engine.js'),
    log: (level, msg) => level === 'error' && console.error(msg),
    env: { XRAY_ANOMALY_ENGINE_LOG_LEVEL: 'warn', ...env },
  });
}

/** 3. End to end through the service, and the one-at-a-time reference on the same files. */
async function endToEnd(dir: string, files: string[], referenceFiles: string[]) {
  const e = engine();
  try {
    await e.loadModel({ manifestPath: MODEL, provider: 'cpu' });
    const temp = mkdtempSync(join(tmpdir(), 'bench-batch-'));
    const scanned = await scanDataset(dir, nodeDatasetFs);
    const wanted = new Set(files.map((f) => f.slice(dir.length + 1)));
    const load0 = load();
    const t0 = performance.now();
    const s = await new BatchService(e).run({
      root: dir,
      models: [{ manifestPath: MODEL }],
      store: join(temp, 'r.jsonl'),
      files: scanned.filter((f) => wanted.has(f.path)),
      provider: 'cpu',
    });
    const wall = performance.now() - t0;
    const load1 = load();
    // The reference: what `xray-anomaly score` did before (decode, then analyze, one file at a time).
    const m = await e.loadModel({ manifestPath: MODEL, provider: 'cpu' });
    const r0 = performance.now();
    for (const f of referenceFiles) {
      const d = await e.decode({ bytes: new Uint8Array(readFileSync(f)), fileName: f, limits: DEFAULT_DECODE_LIMITS });
      await e.analyze({ imageId: d.imageId, modelKey: m.modelKey });
      await e.releaseImage({ imageId: d.imageId });
    }
    const refWall = performance.now() - r0;
    rmSync(temp, { recursive: true, force: true });
    return {
      images: s.processed,
      failed: s.failed,
      imagesPerS: +((s.processed * 1000) / wall).toFixed(1),
      reference: { images: referenceFiles.length, imagesPerS: +((referenceFiles.length * 1000) / refWall).toFixed(1) },
      load: [load0, load1, load()],
    };
  } finally {
    e.dispose();
  }
}

function bound(inferRate: number, inferCpuMs: number, prepCpuMs: number) {
  return +Math.min(inferRate, (CORES * 1000) / (prepCpuMs + inferCpuMs)).toFixed(1);
}

async function datasetPart(name: string, dir: string, files: string[], inference: { rate: number; cpuMs: number }) {
  log(`\n--- ${name}: ${files.length} images (load ${load()})`);
  const prep = await prepCost(files.slice(0, Math.min(files.length, 200)), MODEL);
  log(`read+hash+decode+preprocess: ${prep.cpuMsPerImage} CPU ms/image (${prep.wallMsPerImage} ms wall)`);
  const e2e = await endToEnd(dir, files, files.slice(0, Math.min(files.length, 200)));
  const b = bound(inference.rate, inference.cpuMs, prep.cpuMsPerImage);
  const ratio = +(e2e.imagesPerS / b).toFixed(2);
  const refRatio = +(e2e.reference.imagesPerS / b).toFixed(2);
  log(
    `end to end: ${e2e.imagesPerS} images/s; bound ${b} images/s -> ratio ${ratio} ` +
      `(one-at-a-time reference: ${e2e.reference.imagesPerS} images/s, ratio ${refRatio}); load ${e2e.load.join(' -> ')}`,
  );
  return { prepCpuMsPerImage: prep.cpuMsPerImage, bound: b, ...e2e, ratio, referenceRatio: refRatio };
}

async function png16Set(n: number): Promise<string> {
  const dir = join(CACHE, 'png16-1024');
  mkdirSync(dir, { recursive: true });
  const have = new Set(readdirSync(dir));
  for (let i = 0; i < n; i++) {
    const name = `img${String(i).padStart(5, '0')}.png`;
    if (have.has(name)) continue;
    // A radiograph-like field: smooth anatomy, a collimated border, noise; distinct per file.
    const w = 1024;
    const px = new Uint16Array(w * w);
    let seed = i * 7919 + 1;
    for (let y = 0; y < w; y++)
      for (let x = 0; x < w; x++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const inside = x > 40 && x < w - 40 && y > 30 && y < w - 30;
        const body = 20000 + 15000 * Math.sin((x + i) / 97) * Math.cos((y - i) / 131);
        px[y * w + x] = inside ? body + (seed >>> 22) : 1000 + (seed >>> 26);
      }
    await sharp(Buffer.from(px.buffer), { raw: { width: w, height: w, channels: 1 } })
      .toColourspace('grey16')
      .png({ compressionLevel: 1 })
      .toFile(join(dir, name));
    if (i % 250 === 0) log(`  generated ${i}/${n} 16-bit PNGs in ${dir}`);
  }
  return dir;
}

/** 4. A 100,000-row store: load with its index, and from the log alone. */
async function indexPart(rowsN = 100_000) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-index-'));
  const store = join(dir, 'r.jsonl');
  const s = await ResultStore.open(store);
  const at = new Date().toISOString();
  for (let i = 0; i < rowsN; i += 5000) {
    const rows: BatchRow[] = [];
    for (let j = i; j < Math.min(rowsN, i + 5000); j++)
      rows.push({
        path: `study${Math.floor(j / 100)}/image-${j}.dcm`,
        modelId: 'chest-patchcore',
        modelVersion: '1.0.0',
        prep: '92a096485e54cf8d',
        hash: (j * 2654435761).toString(16).padStart(64, '0'),
        size: 1_000_000 + j,
        mtimeMs: 1.79e12 + j,
        score: {
          raw: Math.sin(j),
          normalized: 0.5 + Math.sin(j) / 4,
          threshold: 0.3,
          aboveThreshold: Math.sin(j) > 0.3,
          span: 2,
        },
        provider: 'cpu',
        ms: 12,
        at,
        thumb: `thumbs/${j}.webp`,
      });
    await s.append(rows);
  }
  await s.close();
  const time = async () => {
    const ms: number[] = [];
    let info;
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now();
      const r = await loadResults(store);
      ms.push(performance.now() - t0);
      info = r.info;
      if (r.table.size !== rowsN) throw new Error(`loaded ${r.table.size} rows`);
    }
    return { medianMs: +ms.sort((a, b) => a - b)[2].toFixed(0), rebuilt: info!.rebuilt };
  };
  const withIndex = await time();
  rmSync(`${store}.idx`);
  const logOnly = await time();
  const sizes = { logMB: +(statSync(store).size / 1048576).toFixed(1) };
  rmSync(dir, { recursive: true, force: true });
  log(
    `\n--- store of ${rowsN} rows (${sizes.logMB} MB): load ${withIndex.medianMs} ms with the index, ${logOnly.medianMs} ms from the log alone (median of 5; load ${load()})`,
  );
  return { rows: rowsN, ...sizes, withIndexMs: withIndex.medianMs, logOnlyMs: logOnly.medianMs };
}

/** 5. Peak memory while scoring many tiny images. */
async function largePart(n: number) {
  const dir = join(CACHE, `tiny-${n}`);
  const per = 1000;
  if (!existsSync(join(dir, `done-${n}`))) {
    for (let i = 0; i < n; i++) {
      const sub = join(dir, `d${Math.floor(i / per)}`);
      if (i % per === 0) mkdirSync(sub, { recursive: true });
      const px = Buffer.alloc(24 * 20);
      for (let k = 0; k < px.length; k++) px[k] = (k * (i + 3) + i) & 0xff;
      writeFileSync(
        join(sub, `t${i}.png`),
        await sharp(px, { raw: { width: 24, height: 20, channels: 1 } })
          .png()
          .toBuffer(),
      );
      if (i % 10000 === 0) log(`  generated ${i}/${n} tiny PNGs`);
    }
    writeFileSync(join(dir, `done-${n}`), '');
  }
  const models = join(CACHE, 'tiny-model');
  const m = writeReconstructionModel(models, { name: 'tiny', kind: 'blur', batch: 'N', width: 32, height: 32 });
  const e = engine();
  const temp = mkdtempSync(join(tmpdir(), 'bench-large-'));
  const samples: { done: number; hostMB: number; engineMB: number }[] = [];
  let done = 0;
  const rss = (pid: number) => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  const timer = setInterval(() => {
    const pid = e.startInfo?.pid;
    samples.push({ done, hostMB: process.memoryUsage().rss / 1048576, engineMB: pid ? rss(pid) : 0 });
  }, 500);
  const t0 = performance.now();
  try {
    const s = await new BatchService(e).run(
      {
        root: dir,
        models: [{ manifestPath: m.manifestPath }],
        store: join(temp, 'r.jsonl'),
        media: { dir: join(temp, 'media') },
        provider: 'cpu',
      },
      { onProgress: (p) => (done = p.done) },
    );
    clearInterval(timer);
    const wall = performance.now() - t0;
    const peak = samples.reduce((a, x) => Math.max(a, x.hostMB + x.engineMB), 0);
    const at = (f: number) => samples.find((x) => x.done >= f * n) ?? samples[samples.length - 1];
    const curve = [0.1, 0.5, 0.9].map((f) => ({
      at: f,
      hostMB: +at(f).hostMB.toFixed(0),
      engineMB: +at(f).engineMB.toFixed(0),
    }));
    log(
      `\n--- ${n} tiny images: ${s.processed} processed in ${(wall / 1000).toFixed(0)} s (${((s.processed * 1000) / wall).toFixed(0)} images/s); peak host + engine RSS ${peak.toFixed(0)} MB; at 10/50/90%: ${curve.map((c) => `${c.hostMB}+${c.engineMB}`).join(', ')} MB (load ${load()})`,
    );
    return {
      images: s.processed,
      peakMB: +peak.toFixed(0),
      curve,
      imagesPerS: +((s.processed * 1000) / wall).toFixed(0),
      hostMaxRssMB: +(process.resourceUsage().maxRSS / 1024).toFixed(0),
    };
  } finally {
    clearInterval(timer);
    e.dispose();
    rmSync(temp, { recursive: true, force: true });
  }
}

async function main() {
  log(
    `bench:batch on ${CORES} cores (${report.cpu}); load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  if (!existsSync(join(ROOT, 'dist/engine.js')) || !existsSync(join(ROOT, 'dist/batchWorker.js')))
    throw new Error('dist/ is missing: npm run build first (npm run bench:batch does).');
  const chestFiles = existsSync(CHEST) ? await listImages(CHEST) : [];
  let inference: { rate: number; cpuMs: number } | undefined;
  const needInference = ONLY.has('chest') || ONLY.has('png16');
  if (needInference) {
    const sample = chestFiles.length ? chestFiles.slice(0, 16) : await listImages(await png16Set(16));
    const prep = await prepCost(sample, MODEL);
    const pure = await pureInference(prep.tensors);
    report.inference = pure;
    // The bound takes the faster way to run the model (batching slows some models down).
    const best = pure.batch16.imagesPerS >= pure.batch1.imagesPerS ? pure.batch16 : pure.batch1;
    inference = { rate: best.imagesPerS, cpuMs: best.cpuMsPerImage };
    log(
      `pure inference (${pure.threads} threads): batch 16 ${pure.batch16.imagesPerS} images/s, ${pure.batch16.cpuMsPerImage} CPU ms/image; ` +
        `batch 1 ${pure.batch1.imagesPerS} images/s, ${pure.batch1.cpuMsPerImage} CPU ms/image (load ${load()})`,
    );
  }
  if (ONLY.has('chest')) {
    if (chestFiles.length) report.chest = await datasetPart(`chest (${CHEST})`, CHEST, chestFiles, inference!);
    else {
      log(`\n--- chest: skipped (no folder at ${CHEST})`);
      report.chest = 'skipped';
    }
  }
  if (ONLY.has('png16') && PNG16 > 0) {
    const dir = await png16Set(PNG16);
    report.png16 = await datasetPart('1024x1024 16-bit PNG', dir, (await listImages(dir)).slice(0, PNG16), inference!);
  }
  if (ONLY.has('index')) report.index = await indexPart();
  if (ONLY.has('large')) report.large = await largePart(LARGE || 100_000);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'batch.json'), JSON.stringify(report, null, 2));
  log(
    `\nload average at the end ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; figures in ${join(OUT, 'batch.json')}`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
