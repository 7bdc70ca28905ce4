/**
 * `npm run bench:vs-pytorch`: the same CAE scoring the same images, (a) through the product (the CLI's score
 * path: engine process, sharp/DICOM decoding, the core pipeline, onnxruntime-node, map post-processing) and
 * (b) through a paper-style PyTorch pipeline (scripts/bench/vs-pytorch.py: PIL + numpy preprocessing, the
 * CAE in torch, masked MSE and a smoothed map), one image at a time, side by side in the same run. Reports
 * images/s of each and their ratio per round (the median is the figure), and which BLAS the Python side had
 * loaded (torch's convolutions themselves run in oneDNN when the build has it: the config is printed).
 *
 * Both sides get the same thread count (--threads, default 1: the machine is shared, and one thread each
 * keeps the race about the pipelines, not about who grabs more cores). The CAE's weights are seeded and
 * untrained: speed does not depend on them. Images: the first --images of the chest test-dev set when
 * ../shared/data is there (224x224 8-bit JPEGs), else generated 8-bit PNGs.
 *
 * Usage: npm run bench:vs-pytorch -- [--images 200] [--sizes 64,256] [--rounds 3] [--threads 1] [--data DIR]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scanImages } from '../../src/core/dataset/scan';
import { discoverModels } from '../../src/core/model/registry';
import { nodeScanFs, scoreFiles } from '../../src/cli/scoring';
import { EngineClient } from '../../src/engine/client';
import { encodePng, pattern16 } from '../../test/unit/engine/png';
import { promises as fsp } from 'node:fs';

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
  const r = spawnSync(PY, [join(ROOT, 'scripts/bench/vs-pytorch.py'), ...argv], { encoding: 'utf8', cwd: ROOT });
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

async function productRound(root: string, files: string[], manifestPath: string): Promise<number> {
  const engine = new EngineClient({
    enginePath: join(ROOT, 'dist/engine.js'),
    env: { XRAY_ANOMALY_ENGINE_THREADS: String(threads) },
    log: (level, message) => {
      if (level === 'error') process.stderr.write(`[engine] ${message}\n`);
    },
  });
  try {
    const { models } = await discoverModels([{ path: join(manifestPath, '..'), origin: 'configured' }], {
      readdir: (d) => fsp.readdir(d),
      readFile: async (p) => new Uint8Array(await fsp.readFile(p)),
      exists: async (p) => existsSync(p),
      isDirectory: async (p) => (await fsp.stat(p)).isDirectory(),
    });
    const run = { engine, model: models[0], provider: 'cpu' as const };
    await engine.loadModel({ manifestPath, provider: 'cpu' });
    await scoreFiles(run, root, files.slice(0, 3), undefined, { rescoreErrors: false, label: 'warm-up' });
    const t0 = performance.now();
    const recs = await scoreFiles(run, root, files, undefined, { rescoreErrors: false, label: 'product' });
    const secs = (performance.now() - t0) / 1000;
    const failed = recs.filter((r) => r.error).length;
    if (failed) throw new Error(`${failed} images failed in the product path`);
    return files.length / secs;
  } finally {
    engine.dispose();
  }
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
    const rows: { product: number; pytorch: number; ratio: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate which side goes first, so a load change on the shared machine hits both sides alike.
      let product: number;
      let pytorch = 0;
      const runPy = () => {
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
          ]),
        );
        pyInfo = out;
        pytorch = out.ips;
      };
      if (r % 2) {
        runPy();
        product = await productRound(root, files, manifest);
      } else {
        product = await productRound(root, files, manifest);
        runPy();
      }
      rows.push({ product, pytorch, ratio: product / pytorch });
      process.stderr.write(
        `size ${size} round ${r + 1}: product ${product.toFixed(1)} img/s, PyTorch ${pytorch.toFixed(1)} img/s, ratio ${(product / pytorch).toFixed(2)}\n`,
      );
    }
    const med = (k: 'product' | 'pytorch' | 'ratio') =>
      rows.map((x) => x[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
    report.push({
      size,
      rounds: rows,
      median: { product: med('product'), pytorch: med('pytorch'), ratio: med('ratio') },
    });
  }
  const blas = pyInfo?.blas.join(', ') || 'none loaded';
  const lines = [
    `Images: ${what}; ${threads} thread(s) per side; ${rounds} rounds per size, medians.`,
    `PyTorch ${pyInfo?.torch}; BLAS loaded by the Python side: ${blas}.`,
    '',
    '| CAE input | product (img/s) | PyTorch paper-style (img/s) | ratio product / PyTorch |',
    '|---|---|---|---|',
    ...report.map((r) => {
      const m = r.median as { product: number; pytorch: number; ratio: number };
      return `| ${r.size}x${r.size} | ${m.product.toFixed(1)} | ${m.pytorch.toFixed(1)} | ${m.ratio.toFixed(2)} |`;
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
    JSON.stringify({ what, threads, blas: pyInfo?.blas, torchConfig: pyInfo?.config, report }, null, 2),
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
