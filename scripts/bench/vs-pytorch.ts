/**
 * `npm run bench:vs-pytorch`: the same CAE scoring the same images, (a) through the product (the path of
 * `xray-anomaly eval`, src/cli/scoring.ts scoreFiles: the batch service and engine process, sharp/WebAssembly/
 * DICOM decoding and the core pipeline in the engine's prep workers, onnxruntime-node in batches, rows written
 * to a temporary results store; no heatmaps are written, so no display map is made, and no dataset-quality
 * measures, which that path does not keep) and (b) through PyTorch (scripts/bench/
 * vs-pytorch.py: PIL + numpy preprocessing, the CAE in torch, masked MSE; no map either), twice:
 * paper-style (one image at a time in one process) and tuned (a DataLoader with as many worker processes as
 * the product has prep workers, started before the clock as the engine's are, in batches of the size torch
 * runs this CAE fastest at here, measured once per size: 16 handicaps it at 256 px). The three run in turn in every
 * round, in a rotating order, so a load change on the shared machine hits all alike; the medians of the
 * rounds are the figures, with the load average of each round and the BLAS the Python side loaded (torch's
 * convolutions themselves run in oneDNN when the build has it: the config is printed). The product side
 * scores the files twice on one engine: the first pass on a just-started engine (its isolates still
 * compiling their hot code) is the product figure, the second ('warm') is the engine as a session keeps it.
 *
 * Same work on both sides: the same files, the same CAE (ONNX exported from the torch module), the same
 * preprocessing steps (checked each run: the Python tensors against the product's own `xray-anomaly
 * preprocess` arrays), the same scores (each file's product score against the paper-style one: the largest
 * relative difference is reported; they differ only by the preprocessing's rounding above), the same
 * intra-op threads (--threads, default 1; --product-threads sets the engine's alone, 'default' its own choice) and the same number of decode
 * workers (--workers, default the engine's default, one per core). The CAE's weights are seeded and
 * untrained: speed does not depend on them. Images: the first --images of the chest test-dev set when
 * ../shared/data is there (224x224 8-bit JPEGs), else generated 8-bit PNGs.
 *
 * Usage: npm run bench:vs-pytorch -- [--images 200] [--sizes 64,256] [--rounds 3] [--threads 1]
 *        [--product-threads N|default] [--workers <cores>] [--batch auto] [--data DIR]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { scanImages } from '../../src/core/dataset/scan';
import { discoverModels } from '../../src/core/model/registry';
import { nodeModelFs } from '../../src/engine/batch/nodeFs';
import { nodeScanFs, scoreFiles } from '../../src/cli/scoring';
import { EngineClient } from '../../src/engine/client';
import { encodePng, pattern16 } from '../../test/unit/engine/png';

const ROOT = resolve(__dirname, '../..');
const PY = '/usr/bin/python3';
const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const count = Number(arg('images', '200'));
const sizes = arg('sizes', '64,256').split(',').map(Number);
const rounds = Number(arg('rounds', '3'));
const threads = Number(arg('threads', '1'));
/** The engine's intra-op threads, when not --threads: 'default' is what the extension runs (min(4, cores)). */
const productThreads = arg('product-threads', String(threads));
const workers = Number(arg('workers', String(Math.max(1, cpus().length))));
/** The tuned pipeline's batch size; 'auto': torch's fastest for the CAE here, measured once per size. */
const batchArg = arg('batch', 'auto');
const dataRoots = [process.env.XRAY_DATA_DIR, join(ROOT, '../shared/data'), '/work/shared/data'].filter(
  (d): d is string => Boolean(d),
);
const data = resolve(
  arg(
    'data',
    join(
      dataRoots.find((d) => existsSync(join(d, 'chest-xray-pneumonia'))) ?? dataRoots[0],
      'chest-xray-pneumonia/test-dev',
    ),
  ),
);
const work = join(ROOT, '.cache/bench-vs-pytorch');

function py(argv: string[]): string {
  // torch.set_num_threads covers OpenMP/oneDNN, not OpenBLAS's own pthread pool (one thread per core, which
  // also spins while it waits: 16.1 instead of 13.6 CPU ms per image at 256 px): both capped at --threads.
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  const r = spawnSync(PY, [join(ROOT, 'scripts/bench/vs-pytorch.py'), ...argv], { encoding: 'utf8', cwd: ROOT, env });
  if (r.status !== 0) throw new Error(`python side failed (${argv[0]}): ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

async function images(): Promise<{ root: string; files: string[]; what: string }> {
  if (existsSync(data)) {
    const files = (await scanImages(data, nodeScanFs)).slice(0, count);
    return { root: data, files, what: `${files.length} images of ${data} (8-bit JPEG, 224x224)` };
  }
  const root = join(work, 'images');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const p16 = pattern16(512, 640, i + 1);
    const p8 = Uint8Array.from(p16, (v) => v >> 8);
    writeFileSync(join(root, `g${i}.png`), encodePng(512, 640, p8, 8));
    files.push(`g${i}.png`);
  }
  return { root, files, what: `${count} generated 8-bit PNGs, 512x640` };
}

interface Measured {
  ips: number;
  /** Each file's score, in the order of the file list (the product's last pass; paper-style). */
  scores?: number[];
  /** CPU time per image of everything the side ran (processes, threads, workers). */
  cpuMs: number;
}

/** utime + stime of a process in ms (Linux /proc; 10 ms ticks, plenty over a round). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function productRound(
  root: string,
  files: string[],
  manifestPath: string,
): Promise<{ cold: Measured; warm: Measured; scores: number[] }> {
  const engine = new EngineClient({
    enginePath: join(ROOT, 'dist/engine.js'),
    env: {
      ...(productThreads === 'default' ? {} : { XRAY_ANOMALY_ENGINE_THREADS: productThreads }),
      XRAY_ANOMALY_BATCH_WORKERS: String(workers),
    },
    log: (level, message) => {
      if (level === 'error') process.stderr.write(`[engine] ${message}\n`);
    },
  });
  try {
    const { models } = await discoverModels([{ path: join(manifestPath, '..'), origin: 'configured' }], nodeModelFs);
    const run = { engine, model: models[0], provider: 'cpu' as const };
    await engine.loadModel({ manifestPath, provider: 'cpu' });
    await scoreFiles(run, root, files.slice(0, 3), undefined, { rescoreErrors: false, label: 'warm-up' });
    const pid = engine.startInfo?.pid;
    if (pid === undefined) throw new Error('the engine has not started');
    // The host's batch service (this process) and the engine process with its prep workers and ORT threads.
    let scores: number[] = [];
    const pass = async (label: string): Promise<Measured> => {
      const cpu0 = ownCpuMs() + processCpuMs(pid);
      const t0 = performance.now();
      const recs = await scoreFiles(run, root, files, undefined, { rescoreErrors: false, label });
      const secs = (performance.now() - t0) / 1000;
      const cpu = ownCpuMs() + processCpuMs(pid) - cpu0;
      const failed = recs.filter((r) => r.error).length;
      if (failed) throw new Error(`${failed} images failed in the product path`);
      scores = recs.map((r) => r.score!.raw);
      return { ips: files.length / secs, cpuMs: cpu / files.length };
    };
    // First pass: an engine just started (each isolate still compiling its hot code: V8's JIT in the
    // engine and in every prep worker, the JPEG codec's WebAssembly tiering up). Second pass: the same
    // engine again, as it runs once a session has scored anything (the extension keeps its engine).
    const cold = await pass('product');
    const warm = await pass('product (warm)');
    return { cold, warm, scores };
  } finally {
    engine.dispose();
  }
}

type Side = 'product' | 'paper' | 'tuned';
const SIDES: Side[] = ['product', 'paper', 'tuned'];
/** What each round reports: the sides, and the product's second pass on the same engine ('warm'). */
type Figure = Side | 'warm';
const FIGURES: Figure[] = ['product', 'warm', 'paper', 'tuned'];
const load1 = () => +loadavg()[0].toFixed(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The Python preprocessing against the product's own arrays for the same files (xray-anomaly preprocess). */
function samePreprocessing(root: string, rel: string[], manifest: string, size: number): Record<string, number> {
  const pre = join(work, `pre-${size}`);
  rmSync(pre, { recursive: true, force: true });
  const relList = join(work, 'files-rel.txt');
  writeFileSync(relList, rel.join('\n') + '\n');
  const r = spawnSync(
    'node',
    [join(ROOT, 'dist/cli.js'), 'preprocess', root, '--spec', manifest, '--out', pre, '--list', relList],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`xray-anomaly preprocess failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(
    py(['compare', '--pre', pre, '--root', root, '--list', join(work, 'files.txt'), '--size', String(size)]),
  );
}

/** Per-file relative differences |a - b| / |b| of two score lists of the same files. */
function scoreAgreement(a: number[], b: number[]): { images: number; maxRel: number; medianRel: number } {
  if (a.length !== b.length || a.length === 0)
    throw new Error(`score lists differ in length: product ${a.length}, paper-style ${b.length}`);
  const rel = a.map((v, i) => Math.abs(v - b[i]) / Math.max(Math.abs(b[i]), 1e-12));
  return { images: a.length, maxRel: Math.max(...rel), medianRel: median(rel) };
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/engine.js')))
    throw new Error('dist/engine.js is missing: run node scripts/build.mjs');
  const { root, files, what } = await images();
  const listFile = join(work, 'files.txt');
  mkdirSync(work, { recursive: true });
  writeFileSync(listFile, files.map((f) => join(root, f)).join('\n') + '\n');
  const report: Record<string, unknown>[] = [];
  let pyInfo: { blas: string[]; torch: string; config: string } | undefined;
  for (const size of sizes) {
    const dir = join(work, `cae-${size}`);
    py(['export', '--size', String(size), '--out', dir]);
    const manifest = join(dir, 'bench-cae.model.json');
    const prep = samePreprocessing(root, files, manifest, size);
    process.stderr.write(
      `size ${size}: Python preprocessing vs the product's on ${prep.images} images: mean |diff| ${prep.meanAbs.toExponential(2)}, max ${prep.maxAbs.toFixed(3)}\n`,
    );
    const batch =
      batchArg === 'auto'
        ? (JSON.parse(py(['batch', '--size', String(size), '--model', join(dir, 'cae.pt'), '--list', listFile])) as {
            batch: number;
            cpuMsPerImage: Record<string, number>;
          })
        : { batch: Number(batchArg), cpuMsPerImage: {} };
    process.stderr.write(
      `size ${size}: tuned batch ${batch.batch} (torch CPU ms per image by batch size: ${JSON.stringify(batch.cpuMsPerImage)})\n`,
    );
    const runPy = (w: number, b: number): Measured => {
      const out = JSON.parse(
        py([
          'score',
          '--size',
          String(size),
          '--model',
          join(dir, 'cae.pt'),
          '--list',
          listFile,
          '--threads',
          String(threads),
          '--workers',
          String(w),
          '--batch',
          String(b),
        ]),
      );
      pyInfo = out;
      return { ips: out.ips, cpuMs: out.cpuMsPerImage, scores: out.scores };
    };
    const run: Record<Side, () => Promise<Partial<Record<Figure, Measured>>>> = {
      product: async () => {
        const p = await productRound(root, files, manifest);
        return { product: { ...p.cold, scores: p.scores }, warm: p.warm };
      },
      paper: async () => ({ paper: runPy(0, 1) }),
      tuned: async () => ({ tuned: runPy(workers, batch.batch) }),
    };
    const rows: (Record<Figure, Measured> & { load: number[] })[] = [];
    for (let r = 0; r < rounds; r++) {
      // A rotating order, so a load change on the shared machine hits every side alike.
      const order = SIDES.map((_, i) => SIDES[(i + r) % SIDES.length]);
      const row = { load: [load1()] } as Record<Figure, Measured> & { load: number[] };
      for (const side of order) Object.assign(row, await run[side]());
      row.load.push(load1());
      rows.push(row);
      const f = (m: Measured) => `${m.ips.toFixed(1)} img/s (${m.cpuMs.toFixed(1)} CPU ms/img)`;
      process.stderr.write(
        `size ${size} round ${r + 1} (${order.join(', ')}; load ${row.load.join(' -> ')}): product ${f(row.product)}, ` +
          `warm ${f(row.warm)}, PyTorch paper-style ${f(row.paper)}, tuned ${f(row.tuned)}; ratios ` +
          `${(row.product.ips / row.paper.ips).toFixed(2)}, ${(row.product.ips / row.tuned.ips).toFixed(2)} ` +
          `(warm ${(row.warm.ips / row.paper.ips).toFixed(2)}, ${(row.warm.ips / row.tuned.ips).toFixed(2)})\n`,
      );
    }
    // Same output: each file's product score against torch on the product's own tensors (same model, same
    // input: float rounding only), and against paper-style's (also its own preprocessing: PIL's equalisation
    // and resize round differently).
    const last = rows[rows.length - 1];
    const productScores = last.product.scores ?? [];
    const byPath = JSON.parse(
      py(['rescore', '--size', String(size), '--model', join(dir, 'cae.pt'), '--pre', join(work, `pre-${size}`)]),
    ) as Record<string, number>;
    const agree = {
      model: scoreAgreement(
        productScores,
        files.map((f) => byPath[f]),
      ),
      endToEnd: scoreAgreement(productScores, last.paper.scores ?? []),
    };
    process.stderr.write(
      `size ${size}: scores of ${agree.model.images} images, relative difference product vs torch on the product's tensors: largest ${agree.model.maxRel.toExponential(2)}; vs paper-style end to end: largest ${agree.endToEnd.maxRel.toExponential(2)}, median ${agree.endToEnd.medianRel.toExponential(2)}\n`,
    );
    for (const row of rows) for (const f of FIGURES) delete row[f].scores;
    const med = (k: Figure, q: 'ips' | 'cpuMs') => median(rows.map((x) => x[k][q]));
    report.push({
      size,
      preprocessing: prep,
      scores: agree,
      tunedBatch: batch,
      rounds: rows,
      median: {
        ...Object.fromEntries(
          FIGURES.flatMap((k) => [
            [k, med(k, 'ips')],
            [`${k}CpuMs`, med(k, 'cpuMs')],
          ]),
        ),
        ratioPaper: median(rows.map((x) => x.product.ips / x.paper.ips)),
        ratioTuned: median(rows.map((x) => x.product.ips / x.tuned.ips)),
        // Against the faster PyTorch pipeline of each round: the race's headline.
        ratioBest: median(rows.map((x) => x.product.ips / Math.max(x.paper.ips, x.tuned.ips))),
        warmRatioBest: median(rows.map((x) => x.warm.ips / Math.max(x.paper.ips, x.tuned.ips))),
        warmRatioPaper: median(rows.map((x) => x.warm.ips / x.paper.ips)),
        warmRatioTuned: median(rows.map((x) => x.warm.ips / x.tuned.ips)),
        load: median(rows.flatMap((x) => x.load)),
      },
    });
  }
  const blas = pyInfo?.blas.join(', ') || 'none loaded';
  const lines = [
    `Images: ${what}; ${threads} intra-op thread(s) per side${productThreads === String(threads) ? '' : ` (product: ${productThreads})`}, ${workers} decode worker(s) (product prep workers, ` +
      `DataLoader workers, started before the clock), tuned batches: ${batchArg === 'auto' ? "torch's fastest per size" : batchArg}; ${rounds} rounds per size in rotating order, medians; ${cpus().length} cores.`,
    `PyTorch ${pyInfo?.torch}; BLAS loaded by the Python side: ${blas}.`,
    '',
    'Product: first pass on a just-started engine; warm: a second pass on the same engine.',
    '',
    '| CAE input | product img/s (CPU ms/img) | product warm | PyTorch paper-style | PyTorch tuned (batch) | product / faster PyTorch (warm) | product / paper-style (warm) | product / tuned (warm) | load (1 min) | preprocessing mean abs diff | score relative diff: same tensors (largest); paper-style (median, largest) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...report.map((r) => {
      const m = r.median as Record<string, number>;
      const p = r.preprocessing as Record<string, number>;
      const sc = r.scores as Record<'model' | 'endToEnd', { maxRel: number; medianRel: number }>;
      const e = (v: number) => v.toExponential(1);
      const c = (k: Figure) => `${m[k].toFixed(1)} (${m[`${k}CpuMs`].toFixed(1)})`;
      const x = (a: number, b: number) => `${a.toFixed(2)} (${b.toFixed(2)})`;
      const tb = (r.tunedBatch as { batch: number }).batch;
      return `| ${r.size}x${r.size} | ${c('product')} | ${c('warm')} | ${c('paper')} | ${c('tuned')} (${tb}) | ${x(m.ratioBest, m.warmRatioBest)} | ${x(m.ratioPaper, m.warmRatioPaper)} | ${x(m.ratioTuned, m.warmRatioTuned)} | ${m.load} | ${p.meanAbs.toExponential(1)} | ${e(sc.model.maxRel)}; ${e(sc.endToEnd.medianRel)}, ${e(sc.endToEnd.maxRel)} |`;
    }),
  ];
  console.log(lines.join('\n'));
  // The lines that say what runs the convolutions (oneDNN/MKL-DNN) and which BLAS the build links.
  const config = (pyInfo?.config ?? '').split('\n');
  console.log(
    config
      .filter((l) => /MKL|BLAS|OpenMP|CPU capability/.test(l))
      .map((l) => l.replace(/CXX_FLAGS=[^,]*,/, ''))
      .join('\n'),
  );
  const out = join(ROOT, 'test-output/bench');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'vs-pytorch.json'),
    JSON.stringify(
      {
        what,
        threads,
        productThreads,
        workers,
        batch: batchArg,
        cpus: cpus().length,
        blas: pyInfo?.blas,
        torchConfig: pyInfo?.config,
        report,
      },
      null,
      2,
    ),
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
