/**
 * Memory while scoring many small images (issue 9: flat, host + engine under 1.5 GB at 100,000): the
 * batch service in this process (the extension host's part) and the real engine, with thumbnails, as
 * "Score Folder" writes them (heatmaps are left to the rows shown), or with every heatmap too (`heatmaps`:
 * the most a run writes, as the CLI's --media). The model is the given manifest (bench:batch: --model,
 * default the default model), or a small generated one (`--memory-model tiny`: the service and store
 * at their fastest). RSS of both processes is sampled every second; the summary gives it at the start,
 * every tenth of the files, and the peak.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchService } from '../../../src/engine/batch/service';
import { writeReconstructionModel } from '../../../test/fixtures/models';
import { CACHE, engine, load, log, round, rssMB } from './common';
import { tinySet } from './fixtures';

interface Sample {
  s: number;
  done: number;
  hostMB: number;
  hostHeapMB: number;
  engineMB: number;
}

export interface MemoryOptions {
  /** A model manifest, or 'tiny' for a small generated model. */
  model: string;
  heatmaps: boolean;
}

export async function memory(n: number, o: MemoryOptions) {
  const dir = tinySet(n);
  const manifestPath =
    o.model === 'tiny'
      ? writeReconstructionModel(join(CACHE, 'tiny-model'), {
          name: 'tiny',
          kind: 'blur',
          batch: 'N',
          width: 32,
          height: 32,
        }).manifestPath
      : o.model;
  const e = engine();
  const temp = mkdtempSync(join(tmpdir(), 'bench-memory-'));
  const samples: Sample[] = [];
  let done = 0;
  const t0 = performance.now();
  const sample = () =>
    samples.push({
      s: round((performance.now() - t0) / 1000, 0),
      done,
      hostMB: round(process.memoryUsage().rss / 1048576, 0),
      hostHeapMB: round(process.memoryUsage().heapUsed / 1048576, 0),
      engineMB: round(rssMB(e.startInfo?.pid ?? 0), 0),
    });
  const timer = setInterval(sample, 1000);
  const load0 = load();
  try {
    const s = await new BatchService(e).run(
      {
        root: dir,
        models: [{ manifestPath }],
        store: join(temp, 'r.jsonl'),
        media: { dir: join(temp, 'media'), heatmaps: o.heatmaps },
        provider: 'cpu',
      },
      { onProgress: (p) => (done = p.done) },
    );
    sample();
    clearInterval(timer);
    const wall = performance.now() - t0;
    const total = (x: Sample) => x.hostMB + x.engineMB;
    const peak = samples.reduce((a, x) => (total(x) > total(a) ? x : a), samples[0]);
    const at = (f: number) => samples.find((x) => x.done >= f * s.processed) ?? samples[samples.length - 1];
    const curve = [0.01, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].map((f) => ({ at: f, ...at(f) }));
    const show = (x: Sample) => `${x.hostMB}+${x.engineMB}=${total(x)}`;
    log(
      `\n--- ${n} tiny images, ${manifestPath}, thumbnails${o.heatmaps ? ' + heatmaps' : ''}: ${s.processed} processed (${s.failed} failed) in ${round(wall / 1000, 0)} s ` +
        `(${round((s.processed * 1000) / wall, 0)} img/s; load ${load0} -> ${load()})\n` +
        `    RSS host+engine MB at 1, 10, 20 ... 100% of the files: ${curve.map((c) => show(c)).join(', ')}; ` +
        `peak ${show(peak)} at ${round((100 * peak.done) / s.processed, 0)}%; host heap at the end ${samples[samples.length - 1].hostHeapMB} MB`,
    );
    return {
      model: manifestPath,
      heatmaps: o.heatmaps,
      images: s.processed,
      failed: s.failed,
      seconds: round(wall / 1000, 0),
      peakMB: total(peak),
      curve,
      samples: samples.filter((_, i) => i % 10 === 0),
    };
  } finally {
    clearInterval(timer);
    e.dispose();
    rmSync(temp, { recursive: true, force: true });
  }
}
