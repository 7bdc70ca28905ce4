/**
 * `npm run bench:fit [-- --data <folder of normal images>] [--coreset 0.0025,0.01,0.04] [--threads 2] [--json <file>]`
 *
 * Fitting speed and memory through the engine (as `xray-anomaly fit`), at each memory-bank size, side by
 * side with a reference: one pass of the same feature extraction over the same images
 * (scripts/models/backbone-pass.ts), run before the first fit, between the fits and after the last, so
 * each fit is compared with the references just before and after it (their mean), made under the same
 * load. Reports fit time, peak RSS of the engine process (VmHWM), bank rows and file size, each also as a
 * ratio to its references, then the per-image scoring time of the written 1% model (median of 100
 * images: read, decode, preprocessing, inference, map).
 * Default data: ../shared/data/chest-xray-pneumonia/train/NORMAL (1,341 images); when absent it prints
 * "bench:fit: skipped" and runs nothing.
 *
 * The fits pass no calibration fraction, so they calibrate as the product does by default: cross-fitting
 * (every image fitted on, and up to 200 of them scored by detectors fitted without their patient: the
 * `calibrate` stage, src/core/fit/crossfit.ts). Fit times include it; figures from before cross-fitting
 * held out 15% instead (fewer images fitted, a cheaper calibrate stage) and are not comparable.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanImages } from '../../src/core/dataset/scan';
import { DEFAULT_DECODE_LIMITS } from '../../src/core/image/types';
import { nodeScanFs } from '../../src/cli/scoring';
import type { EngineClient } from '../../src/engine/client';
import { argValue, fitThroughEngine, newEngine, ROOT } from './protocol';

/** Peak resident set of a process, from /proc (Linux). */
function peakRssMB(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function scoring(engine: EngineClient, manifestPath: string, folder: string, files: string[]) {
  const loaded = await engine.loadModel({ manifestPath, provider: 'cpu' });
  const wall: number[] = [];
  const inEngine: number[] = [];
  const parts = { decode: [] as number[], preprocess: [] as number[], inference: [] as number[], postprocess: [] as number[] };
  for (let i = 0; i < files.length; i++) {
    const t0 = performance.now();
    const bytes = new Uint8Array(readFileSync(join(folder, files[i])));
    const d = await engine.decode({ bytes, fileName: files[i], limits: DEFAULT_DECODE_LIMITS });
    const a = await engine.analyze({ imageId: d.imageId, modelKey: loaded.modelKey });
    await engine.releaseImage({ imageId: d.imageId });
    if (i === 0) continue; // warm-up
    wall.push(performance.now() - t0);
    const t = a.timings;
    inEngine.push(d.decodeMs + t.preprocessMs + t.inferenceMs + t.postprocessMs);
    parts.decode.push(d.decodeMs);
    parts.preprocess.push(t.preprocessMs);
    parts.inference.push(t.inferenceMs);
    parts.postprocess.push(t.postprocessMs);
  }
  return {
    images: wall.length,
    medianMs: +median(wall).toFixed(1),
    medianInEngineMs: +median(inEngine).toFixed(1),
    medianPartsMs: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, +median(v).toFixed(2)])),
  };
}

async function main(argv: string[]): Promise<void> {
  const data = argValue(argv, '--data') ?? join(ROOT, '../shared/data/chest-xray-pneumonia/train/NORMAL');
  if (!existsSync(data)) {
    console.log(`bench:fit: skipped (no image folder at ${data}; pass --data <folder of normal images>)`);
    return;
  }
  const threads = Number(argValue(argv, '--threads') ?? 2);
  const ratios = (argValue(argv, '--coreset') ?? '0.0025,0.01,0.04').split(',').map(Number);
  const files = await scanImages(data, nodeScanFs);
  const out = join(ROOT, '.cache/bench-fit');
  mkdirSync(out, { recursive: true });
  console.error(`bench:fit: ${files.length} images in ${data}, ${threads} threads; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  interface Reference {
    images: number;
    seconds: number;
    peakRssMB: number;
  }
  const referencePass = (label: string): Reference => {
    console.error(`reference (${label}): one feature-extraction pass over the same images`);
    const ref = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts/models/backbone-pass.ts'), data, '--threads', String(threads)],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (ref.status !== 0) throw new Error(`reference run failed: ${ref.stderr}`);
    return JSON.parse(ref.stdout.trim().split('\n').pop()!) as Reference;
  };

  // Reference, fit, reference, fit, ..., reference: each fit between two references.
  const references: Reference[] = [referencePass('before the first fit')];
  const fits = [];
  for (const ratio of ratios) {
    const engine = newEngine(threads);
    let fit;
    try {
      const t0 = performance.now();
      const r = await fitThroughEngine(engine, data, { id: `bench-${ratio}`, out, coreset: ratio });
      const seconds = (performance.now() - t0) / 1000;
      const rss = peakRssMB(engine.startInfo?.pid);
      const stages = (JSON.parse(readFileSync(r.manifestPath, 'utf8')).metadata?.fit?.stageSeconds ?? {}) as Record<
        string,
        number
      >;
      const { method, images: scored, folds } = r.calibration;
      fit = {
        coreset: ratio,
        calibration: { method, scored, folds },
        stages,
        seconds: +seconds.toFixed(1),
        peakRssMB: rss,
        bankRows: r.memoryBank.rows,
        onnxMB: +(statSync(r.onnxPath).size / 1e6).toFixed(2),
        manifestPath: r.manifestPath,
      };
    } finally {
      engine.dispose();
    }
    const before = references.at(-1)!;
    const after = referencePass(`after the ${(ratio * 100).toFixed(2)}% fit`);
    references.push(after);
    const refSeconds = (before.seconds + after.seconds) / 2;
    const refRss = (before.peakRssMB + after.peakRssMB) / 2;
    fits.push({
      ...fit,
      referenceSeconds: +refSeconds.toFixed(1),
      timeVsReference: +(fit.seconds / refSeconds).toFixed(2),
      memoryVsReference: +(fit.peakRssMB / refRss).toFixed(2),
    });
  }
  const base = fits.find((f) => f.coreset === 0.01) ?? fits[0];
  const engine = newEngine(threads);
  let score;
  try {
    score = { model: `coreset ${base.coreset}`, ...(await scoring(engine, base.manifestPath, data, files.slice(0, 101))), enginePeakRssMB: peakRssMB(engine.startInfo?.pid) };
  } finally {
    engine.dispose();
  }
  const report = { data, images: files.length, threads, references, fits, scoring: score };
  console.log(
    `references (feature pass only, before, between and after the fits): ${references.map((r) => r.seconds.toFixed(1)).join(', ')} s; peak RSS ${references.map((r) => r.peakRssMB).join(', ')} MB; ${references[0].images} images`,
  );
  for (const c of new Set(fits.map((f) => `${f.calibration.method}${f.calibration.method === 'cross-fit' ? ` (${f.calibration.scored} images scored, ${f.calibration.folds} Gaussian folds)` : ` (${f.calibration.scored} images held out)`}`))) console.log(`calibration: ${c}; included in fit s (calibrate stage)`);
  console.log('coreset   fit s   ref s   x ref   peak RSS MB   x ref   bank rows   ONNX MB');
  for (const f of fits) console.log(`${(f.coreset * 100).toFixed(2).padStart(6)}%  ${f.seconds.toFixed(1).padStart(6)}  ${f.referenceSeconds.toFixed(1).padStart(6)}  ${f.timeVsReference.toFixed(2).padStart(6)}  ${String(f.peakRssMB).padStart(12)}  ${f.memoryVsReference.toFixed(2).padStart(6)}  ${String(f.bankRows).padStart(10)}  ${f.onnxMB.toFixed(2).padStart(8)}   ${Object.entries(f.stages).map(([k, v]) => `${k} ${v} s`).join(', ')}`);
  console.log(`scoring (${score.model}, ${score.images} images): ${score.medianMs} ms per image median round trip (file read to score and map); ${score.medianInEngineMs} ms in the engine (${Object.entries(score.medianPartsMs).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  const json = argValue(argv, '--json');
  if (json) writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`bench:fit: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
