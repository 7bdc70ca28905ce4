/**
 * Decode plus the full preprocessing pipeline for a 2500x2048 16-bit radiograph (issue 3, item 7; a
 * benchmark, not a test). Target: under 150 ms on one core.
 *
 * The image is a generated hand phantom with a collimation frame, an "L" marker and burned-in text,
 * landscape so that rotatePortrait has work to do, written as a 16-bit PNG and as uncompressed DICOM.
 * Each run decodes the file and runs crop, rotate, intensity, photometric, maskText, foreground, CLAHE
 * and resizePad 256; per-step times are the medians over the runs.
 *
 * Side by side, in the same process, as references that scale with the machine: sharp's own decode +
 * resize to 256 of the same image's PNG with one libvips thread (sharp.concurrency(1)), and one plain pass
 * over the full-resolution pixels through a lookup table. The ratio to sharp is the figure to compare
 * across machines; run under `taskset -c 0` to pin everything (GC helpers included) to one core. The
 * npm script runs Node with --single-threaded-gc, the flag the engine runs with (ENGINE_NODE_FLAGS);
 * the report says which collector was used.
 *
 * The pipeline runs CLAHE followed by resizePad as one pass (the resize reads CLAHE's rows as they are
 * made; same output): the 'clahe' entry is then the tile tables and 'resizePad' the joined pass.
 *
 * The idle-core estimate converts the pipeline's cost in full-resolution passes (load-independent)
 * into milliseconds at --quiet-pass-ms (13 ms: one pass measured on a quiet core of this machine).
 *
 * Usage: npm run bench:preprocess -- [--runs 15] [--out test-output/bench] [--quiet-pass-ms 13]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import sharp from 'sharp';
import { decodeImage } from '../../src/core/decode';
import { runPipeline } from '../../src/core/preprocess/pipeline';
import { rasterFromImage, type Raster } from '../../src/core/preprocess/raster';
import type { PipelineSpec } from '../../src/core/preprocess/spec';
import { handPhantom, handPhantomPng } from '../../test/fixtures/images';
import { handPhantomDicom } from '../../test/fixtures/dicom';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const RUNS = Math.max(3, Number(arg('runs', '15')));
const OUT = arg('out', 'test-output/bench');
const TARGET_MS = 150;
const QUIET_PASS_MS = Number(arg('quiet-pass-ms', '13'));

export const BENCH_SPEC: PipelineSpec = {
  steps: [
    { op: 'cropExposed' },
    { op: 'rotatePortrait' },
    { op: 'intensity', mode: 'percentile' },
    { op: 'photometric', invertBrightBackground: true },
    { op: 'maskText', mode: 'inpaint' },
    { op: 'foreground' },
    { op: 'clahe', clipLimit: 3, tilesX: 8, tilesY: 8 },
    { op: 'resizePad', size: 256 },
  ],
};

/** The same steps with CLAHE on the model-sized image (8x8 tiles of 32 pixels instead of 256): a spec choice, not the same output. */
export const BENCH_SPEC_CLAHE_LAST: PipelineSpec = {
  steps: [
    ...BENCH_SPEC.steps.filter((s) => s.op !== 'clahe' && s.op !== 'resizePad'),
    { op: 'resizePad', size: 256 },
    { op: 'clahe', clipLimit: 3, tilesX: 8, tilesY: 8 },
  ],
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * The reference pass: every sample through the lookup table into a float image. Into a buffer made
 * once, so that the reference itself adds no garbage (a fresh 20 MB array a run made the collector run
 * during the pipeline's steps and charged them for it).
 */
function lutPass(r: Raster, out: Float32Array): void {
  if (r.kind !== 'lut') throw new Error('the reference pass expects integer samples');
  const { samples, lut, lutOffset } = r;
  for (let i = 0; i < out.length; i++) out[i] = lut[samples[i] + lutOffset];
}

async function main(): Promise<void> {
  sharp.concurrency(1);
  // Portrait phantom turned a quarter: 2500 wide, 2048 tall.
  const phantom = { width: 2048, height: 2500, border: 60, marker: true, text: 'R 12', rotate: 90 as const, seed: 11 };
  const p = handPhantom(phantom);
  if (p.width !== 2500 || p.height !== 2048) throw new Error(`unexpected phantom size ${p.width}x${p.height}`);
  const files: Record<string, Uint8Array> = {
    'PNG 16-bit': await handPhantomPng(phantom),
    'DICOM uncompressed': await handPhantomDicom(phantom),
  };
  const gc = process.execArgv.includes('--single-threaded-gc')
    ? 'single-threaded (as the engine)'
    : 'default (concurrent helper threads)';
  const report: Record<string, unknown> = {
    image: '2500x2048 16-bit hand phantom (frame, marker, text)',
    runs: RUNS,
    cpu: cpus()[0]?.model,
    node: process.version,
    gc,
    spec: BENCH_SPEC,
  };
  const lines: string[] = [];
  const passOut = new Float32Array(p.width * p.height);
  const cases = [
    ...Object.keys(files).map((name) => ({ name, format: name, spec: BENCH_SPEC })),
    { name: 'DICOM uncompressed, CLAHE after resizePad', format: 'DICOM uncompressed', spec: BENCH_SPEC_CLAHE_LAST },
  ];
  for (const { name, format, spec } of cases) {
    const bytes = files[format];
    const fileName = format.startsWith('PNG') ? 'bench.png' : 'bench.dcm';
    const steps = new Map<string, number[]>();
    const passes = new Map<string, number[]>();
    const totals: number[] = [];
    const sharpRef: number[] = [];
    const passRef: number[] = [];
    const notices = new Set<string>();
    for (let run = 0; run < RUNS + 1; run++) {
      // Interleaved so that load changes hit all three alike; the first run warms up and is dropped.
      const t0 = performance.now();
      const image = await decodeImage(bytes, fileName);
      const t1 = performance.now();
      const result = runPipeline(image, spec, { width: 256, height: 256 });
      const t2 = performance.now();
      const s0 = performance.now();
      await sharp(files['PNG 16-bit'].slice(), { limitInputPixels: false })
        .resize(256, 256, { fit: 'contain', background: '#000' })
        .raw()
        .toBuffer();
      const s1 = performance.now();
      lutPass(rasterFromImage(image), passOut);
      const s2 = performance.now();
      if (run === 0) continue;
      const add = (k: string, v: number) => steps.set(k, [...(steps.get(k) ?? []), v]);
      // Passes: each time divided by the same run's reference pass, so a load change between runs
      // cancels; the median of these per-run ratios is the load-independent figure.
      const addPasses = (k: string, v: number) => passes.set(k, [...(passes.get(k) ?? []), v / (s2 - s1)]);
      add('decode', t1 - t0);
      addPasses('decode', t1 - t0);
      for (const s of result.steps) {
        add(s.op, s.ms);
        addPasses(s.op, s.ms);
      }
      addPasses('total', t2 - t0);
      totals.push(t2 - t0);
      sharpRef.push(s1 - s0);
      passRef.push(s2 - s1);
      result.notices.forEach((n) => notices.add(n));
    }
    const table = [...steps].map(([op, xs]) => ({ op, ms: median(xs) }));
    const total = median(totals);
    const sharpMs = median(sharpRef);
    const passMs = median(passRef);
    const totalPasses = median(passes.get('total')!);
    report[name] = {
      spec: spec.steps.map((x) => x.op),
      steps: table.map((r) => ({ ...r, passes: median(passes.get(r.op)!) })),
      totalMs: total,
      totalPasses,
      idleCoreEstimateMs: totalPasses * QUIET_PASS_MS,
      sharpDecodeResizeMs: sharpMs,
      onePassMs: passMs,
      ratioToSharp: total / sharpMs,
      notices: [...notices],
    };
    lines.push(`### ${name} (${(bytes.length / 1e6).toFixed(1)} MB), median of ${RUNS} runs\n`);
    lines.push('| step | ms | passes (median of per-run ratios) |', '|---|---|---|');
    for (const r of table) lines.push(`| ${r.op} | ${r.ms.toFixed(1)} | ${median(passes.get(r.op)!).toFixed(2)} |`);
    lines.push(`| **decode + pipeline** | **${total.toFixed(1)}** (target ${TARGET_MS}) | ${totalPasses.toFixed(1)} |`);
    lines.push(`| idle-core estimate at ${QUIET_PASS_MS} ms a pass | ${(totalPasses * QUIET_PASS_MS).toFixed(0)} | |`);
    lines.push(
      `| reference: sharp decode + resize 256 of the PNG, 1 thread | ${sharpMs.toFixed(1)} (ratio ${(total / sharpMs).toFixed(2)}) | |`,
    );
    lines.push(
      `| reference: one full-resolution pass through the lookup table | ${passMs.toFixed(1)} (pipeline = ${((total - (steps.get('decode') ? median(steps.get('decode')!) : 0)) / passMs).toFixed(1)} passes) | 1 |`,
    );
    lines.push(`\nNotices: ${[...notices].join(' ') || 'none'}\n`);
  }
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'preprocess.json'), JSON.stringify(report, null, 2));
  console.log(
    `Machine: ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} logical cores), Node ${process.version}, garbage collector ${gc}\n`,
  );
  console.log(lines.join('\n'));
}

if (require.main === module && !process.env.NO_BENCH_MAIN)
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
