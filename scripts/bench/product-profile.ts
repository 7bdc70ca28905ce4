/**
 * The product side of bench:vs-pytorch alone (run it first: it writes the CAE), pass after pass on one
 * engine, to see where a scored image's CPU goes: per pass images/s, the host's CPU, each engine thread's
 * CPU (main thread, prep workers, V8's compiler and GC threads; /proc), the pipeline counters (session
 * runs and inputs: the batch sizes). With --prof, V8 CPU profiles of the engine's threads go to OUT
 * (one .cpuprofile per thread; summarise with scripts/bench/cpuprofile-summary.mjs); run the host with
 * `node --cpu-prof --cpu-prof-dir OUT` for its own.
 *
 * Usage: node --import tsx scripts/bench/product-profile.ts --size 64 --out OUT [--prof] [--quality]
 *        [--images 200] [--passes 2] [--workers N] [--engine-flags '--v8-flag ...']
 */
import { readdirSync, readFileSync, promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpus } from 'node:os';
import { scanImages } from '../../src/core/dataset/scan';
import { discoverModels } from '../../src/core/model/registry';
import { nodeModelFs } from '../../src/engine/batch/nodeFs';
import { nodeScanFs, scoreFiles } from '../../src/cli/scoring';
import { EngineClient } from '../../src/engine/client';
import { BatchService } from '../../src/engine/batch/service';
import { loadResults } from '../../src/engine/batch/store';

const ROOT = resolve(__dirname, '../..');
const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const size = Number(arg('size', '64'));
const out = resolve(arg('out', join(ROOT, '.cache/product-profile')));
const count = Number(arg('images', '200'));
const passes = Number(arg('passes', '2'));
const data = resolve(arg('data', '/work/shared/data/chest-xray-pneumonia/test-dev'));

/** CPU ms of each thread of a process, by thread name (Linux /proc; 10 ms ticks). */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = `${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}#${tid}`;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, ((Number(f[11]) + Number(f[12])) * 1000) / 100);
    } catch {
      // The thread ended.
    }
  }
  return out;
}

async function main(): Promise<void> {
  await fsp.mkdir(out, { recursive: true });
  const manifestPath = resolve(arg('manifest', join(ROOT, `.cache/bench-vs-pytorch/cae-${size}/bench-cae.model.json`)));
  const files = (await scanImages(data, nodeScanFs)).slice(0, count);
  const engine = new EngineClient({
    enginePath: join(ROOT, 'dist/engine.js'),
    execArgv: [
      ...(args.includes('--prof') ? ['--cpu-prof', '--cpu-prof-dir', out] : []),
      ...arg('engine-flags', '').split(' ').filter(Boolean),
    ],
    env: {
      XRAY_ANOMALY_ENGINE_THREADS: arg('threads', '1'),
      XRAY_ANOMALY_BATCH_WORKERS: arg('workers', String(cpus().length)),
    },
    log: (level, message) => {
      if (level === 'error') process.stderr.write(`[engine] ${message}\n`);
    },
  });
  try {
    const { models } = await discoverModels([{ path: join(manifestPath, '..'), origin: 'configured' }], nodeModelFs);
    const run = { engine, model: models[0], provider: 'cpu' as const };
    const tl = performance.now();
    await engine.loadModel({ manifestPath, provider: 'cpu' });
    process.stderr.write(`engine start + load ${(performance.now() - tl).toFixed(0)} ms\n`);
    await scoreFiles(run, data, files.slice(0, 3), undefined, { rescoreErrors: false, label: 'warm-up' });
    const enginePid = engine.startInfo!.pid;
    const sinceStart = [...threadCpu(enginePid).values()].reduce((a, b) => a + b, 0);
    process.stderr.write(`engine CPU from its start to here (load + warm-up): ${sinceStart.toFixed(0)} ms\n`);
    for (let p = 0; p < passes; p++) {
      const pid = engine.startInfo!.pid;
      const e0 = threadCpu(pid);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const store = join(out, `pass${p}.jsonl`);
      const summary = await new BatchService(engine).run({
        root: data,
        models: [{ manifestPath }],
        store,
        files: await Promise.all(files.map(async (path) => ({ path, size: 0, mtimeMs: 0 }))),
        provider: 'cpu',
        quality: args.includes('--quality'),
      });
      const { table } = await loadResults(store);
      await fsp.rm(store);
      const recs = files.map((f) => table.get(f, summary.models[0])!);
      process.stderr.write(`  pipeline ${JSON.stringify(summary.pipeline)}\n`);
      const secs = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      const e1 = threadCpu(pid);
      const per = [...e1]
        .map(([k, v]) => [k, (v - (e0.get(k) ?? 0)) / files.length] as const)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`);
      const total = [...e1].reduce((n, [k, v]) => n + v - (e0.get(k) ?? 0), 0) / files.length;
      process.stderr.write(`  engine CPU ${total.toFixed(2)} ms/img; threads: ${per.join(', ')}\n`);
      const mean = recs.reduce((s, r) => s + (r.score?.raw ?? NaN), 0) / recs.length;
      process.stderr.write(
        `pass ${p}: ${(files.length / secs).toFixed(1)} img/s, host CPU ${((c.user + c.system) / 1000 / files.length).toFixed(2)} ms/img, mean score ${mean}\n`,
      );
    }
  } finally {
    // Let the engine write its profiles (it exits on its own when the channel closes).
    engine.dispose();
    await new Promise((r) => setTimeout(r, 1500));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
