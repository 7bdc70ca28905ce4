/**
 * Throughput of the batch pipeline against its bound, measured side by side in rounds: each round
 * measures (1) pure inference on ready tensors in this process (batch 1 and 16, the faster one counts),
 * (2) read + hash + decode + preprocessing CPU per image on a sample, one file at a time, then (3) the
 * pipeline end to end (BatchService + the real engine) on that round's files. The bound of the round is
 * min(pure inference rate, cores x 1000 / (prep + inference CPU ms per image)); the ratio is end to end /
 * bound. On a shared machine every absolute figure moves with the load; a round's three measurements
 * are a minute apart at most, so its ratio is the figure to read.
 *
 * Where the time goes, per round: the engine's CPU ms per image and the ms per image its threads were
 * runnable but waited for a core (Linux schedstat: time lost to other work on the machine), the prep
 * workers' busy share (idle = starved of files), the main thread's busy share and the time inside
 * session runs (onnxruntime-node runs them synchronously there), and the mean batch size; the engine's CPU by
 * thread, the pipeline's CPU per image (engine + this process) beside the bound's, and the share of the
 * machine's cores other processes took (/proc/stat), in the end-to-end run and in each pure-inference
 * measurement: the bound assumes every core is the pipeline's.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeImage } from '../../../src/core/decode';
import { DEFAULT_DECODE_LIMITS } from '../../../src/core/image/types';
import { parseManifest } from '../../../src/core/model/validate';
import { prepareInputs, type PreparedInput } from '../../../src/core/preprocess/pipeline';
import type { ScannedFile } from '../../../src/core/batch/plan';
import { scanDataset } from '../../../src/core/dataset/scan';
import type { EngineClient } from '../../../src/engine/client';
import { defaultThreads, sessionOptions } from '../../../src/engine/providers';
import { BatchService } from '../../../src/engine/batch/service';
import { nodeDatasetFs } from '../../../src/engine/batch/nodeFs';
import { readFileSync as readWhole, runPrepJob, type PrepCore } from '../../../src/engine/batch/prepJob';
import { cutForOutputs, describeCut } from '../../../src/core/onnx/prune';
import { EMBEDDING_OUTPUT, embeddingTap, withEmbeddingOutput } from '../../../src/core/similar/tap';
import { CORES, cpuMs, engine, load, log, machineMs, round, schedMs, threadCpuMs } from './common';

// As a prep worker runs a job (worker.ts), blocking reads included.
const prepCore: PrepCore = {
  readFile: readWhole,
  decodeImage: (b, n, l) => decodeImage(b, n, l),
  prepareInputs: prepareInputs as PrepCore['prepareInputs'],
};

export interface ThroughputOptions {
  model: string;
  /** Thumbnails and heatmaps as the extension writes them (off: as `xray-anomaly score` without --media). */
  media: boolean;
  /** Seconds of pure inference per batch size per round. */
  inferSeconds: number;
  /** Files of the prep-cost sample per round. */
  prepSample: number;
  /** Files for the one-at-a-time reference (decode + analyze requests), after the rounds. */
  reference: number;
}

/**
 * The model's session in this process, for pure inference on ready tensors: the graph the pipeline runs
 * (with heatmaps the whole model plus its embedding output; without, the engine's lean session: the graph
 * cut to the score and embedding where that pays, engine/leanSession.ts).
 */
export class PureInference {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    readonly threads: number,
  ) {}

  static async create(model: string, media: boolean): Promise<PureInference> {
    const manifest = parseManifest(readFileSync(model, 'utf8'), model);
    const threads = defaultThreads(CORES, process.env);
    const tap = embeddingTap(manifest);
    let bytes: Uint8Array = new Uint8Array(readFileSync(resolve(model, '..', manifest.onnx)));
    if (tap) bytes = withEmbeddingOutput(bytes, tap);
    const score = manifest.outputs.score;
    if (!media && score) {
      const cut = cutForOutputs(bytes, tap ? [score, EMBEDDING_OUTPUT] : [score]);
      log(
        `pure inference: ${cut.use === 'cut' ? `the graph cut to the score (${describeCut(cut.full, cut.cut)})` : `the full graph (${cut.reason})`}`,
      );
      if (cut.use === 'cut') bytes = cut.bytes;
    }
    const session = await ort.InferenceSession.create(bytes, sessionOptions('cpu', threads));
    return new PureInference(session, manifest.input.name, threads);
  }

  /** Images/s and CPU ms per image (process CPU over images, so ORT's threads count) at one batch size. */
  async measure(tensors: PreparedInput[], batch: number, seconds: number) {
    const per = tensors[0].tensor.length;
    const data = new Float32Array(per * batch);
    for (let i = 0; i < batch; i++) data.set(tensors[i % tensors.length].tensor, i * per);
    const feeds = { [this.inputName]: new ort.Tensor('float32', data, [batch, ...tensors[0].dims.slice(1)]) };
    await this.session.run(feeds); // warm-up
    let images = 0;
    const c0 = cpuMs();
    const m0 = machineMs();
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      const out = await this.session.run(feeds);
      for (const t of Object.values(out)) t.dispose?.();
      images += batch;
    }
    const wall = performance.now() - t0;
    const m1 = machineMs();
    const own = cpuMs() - c0;
    const machine = m1.busy - m0.busy + m1.idle - m0.idle;
    return {
      batch,
      imagesPerS: round((images * 1000) / wall),
      cpuMsPerImage: round(own / images, 2),
      // The share of the cores other processes took meanwhile: the rate is a wall-clock figure.
      othersCoresPct: machine > 0 ? Math.round((100 * Math.max(0, m1.busy - m0.busy - own)) / machine) : 0,
    };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** What a prep worker does per file, here one file at a time: CPU ms per image, and tensors for inference. */
export async function prepCost(files: string[], model: string) {
  const manifest = parseManifest(readFileSync(model, 'utf8'), model);
  const job = (path: string) => ({ path, limits: DEFAULT_DECODE_LIMITS, preps: [manifest] });
  // Warm-up, not counted: one file left round 1's figure 2-3x the later rounds' (chest 37.8 then 10.6-17.3
  // CPU ms per image, 16-bit PNG 140 then 89-97), a cold start that inflated round 1's bound.
  for (const f of files.slice(0, 4)) await runPrepJob(job(f), prepCore);
  const c0 = cpuMs();
  const t0 = performance.now();
  const tensors: PreparedInput[] = [];
  for (const f of files) {
    const r = await runPrepJob(job(f), prepCore);
    if (r.error) throw new Error(`${f}: ${r.error.message}`);
    if (tensors.length < 16 && r.prepared) tensors.push(r.prepared[0][0]);
  }
  return {
    cpuMsPerImage: round((cpuMs() - c0) / files.length, 2),
    wallMsPerImage: round((performance.now() - t0) / files.length, 2),
    tensors,
  };
}

interface Round {
  round: number;
  images: number;
  load: [number, number];
  inference: { batch: number; imagesPerS: number; cpuMsPerImage: number; othersCoresPct: number };
  prepCpuMsPerImage: number;
  bound: number;
  imagesPerS: number;
  ratio: number;
  where: Record<string, number>;
}

/** Runs `segments` (lists of files under `dir`) as rounds; returns each round and the median ratio. */
export async function throughput(name: string, dir: string, segments: string[][], o: ThroughputOptions) {
  log(
    `\n--- ${name}: ${segments.reduce((a, s) => a + s.length, 0)} images in ${segments.length} rounds (load ${load()})`,
  );
  const scanned = new Map((await scanDataset(dir, nodeDatasetFs)).map((f) => [join(dir, f.path), f]));
  const pure = await PureInference.create(o.model, o.media);
  const e = engine();
  const rounds: Round[] = [];
  try {
    await e.loadModel({ manifestPath: o.model, provider: 'cpu' });
    // Warm-up, not counted: the engine's workers start and the model's batch size is measured.
    await endToEnd(
      e,
      dir,
      segments[0].slice(0, 24).map((f) => scanned.get(f)!),
      o,
    );
    for (let r = 0; r < segments.length; r++) {
      const files = segments[r];
      const load0 = load();
      const sample = files.filter((_, i) => i % Math.max(1, Math.floor(files.length / o.prepSample)) === 0);
      const prep = await prepCost(sample.slice(0, o.prepSample), o.model);
      const b1 = await pure.measure(prep.tensors, 1, o.inferSeconds);
      const b16 = await pure.measure(prep.tensors, 16, o.inferSeconds);
      const inf = b16.imagesPerS >= b1.imagesPerS ? b16 : b1;
      const bound = round(Math.min(inf.imagesPerS, (CORES * 1000) / (prep.cpuMsPerImage + inf.cpuMsPerImage)));
      const e2e = await endToEnd(
        e,
        dir,
        files.map((f) => scanned.get(f)!),
        o,
      );
      const row: Round = {
        round: r + 1,
        images: e2e.images,
        load: [load0, load()],
        inference: inf,
        prepCpuMsPerImage: prep.cpuMsPerImage,
        bound,
        imagesPerS: e2e.imagesPerS,
        ratio: round(e2e.imagesPerS / bound, 2),
        where: e2e.where,
      };
      rounds.push(row);
      const w = e2e.where;
      log(
        `round ${row.round} (load ${row.load.join(' -> ')}): inference ${inf.imagesPerS} img/s (batch ${inf.batch}; ` +
          `batch ${inf.batch === 1 ? 16 : 1}: ${(inf.batch === 1 ? b16 : b1).imagesPerS}; other processes took ` +
          `${b1.othersCoresPct}% / ${b16.othersCoresPct}% of the cores), ${inf.cpuMsPerImage} CPU ms/img; ` +
          `prep ${prep.cpuMsPerImage} CPU ms/img; bound ${bound} img/s; end to end ${e2e.imagesPerS} img/s -> ratio ${row.ratio}\n` +
          `    where: engine ${w.engineCpuMsPerImage} CPU ms/img + waited for a core ${w.engineWaitMsPerImage} ms/img ` +
          `(${w.engineThreadsWaitingShare}% of its runnable time); workers busy ${w.workersBusyPct}%, ` +
          `main thread busy ${w.mainBusyPct}% (session runs ${w.inferMsPerImage} ms/img, mean batch ${w.meanBatch}, ` +
          `${w.leanPct}% on the lean session); ` +
          `host ${w.hostCpuMsPerImage} CPU ms/img\n` +
          `    engine threads: main ${w.engineMainCpuMsPerImage} (+ waited for a core ${w.engineMainWaitMsPerImage}), libvips ${w.engineLibvipsCpuMsPerImage}, others ` +
          `(prep workers, inference lanes, onnxruntime pool, helpers) ${w.engineOtherThreadsCpuMsPerImage} CPU ms/img; pipeline ` +
          `(engine + host) ${w.pipelineCpuMsPerImage} CPU ms/img against the bound's ${round(prep.cpuMsPerImage + inf.cpuMsPerImage)}; ` +
          `the machine's cores: ${w.othersCoresPct}% to other processes (${w.othersCpuMsPerImage} ms/img), ${w.idleCoresPct}% idle`,
      );
    }
    const ref = o.reference > 0 ? await oneAtATime(e, o.model, segments[0].slice(0, o.reference)) : undefined;
    const ratios = rounds.map((r) => r.ratio).sort((a, b) => a - b);
    const median = ratios[Math.floor(ratios.length / 2)];
    if (ref) {
      const b = rounds[0].bound;
      log(
        `one-at-a-time reference (decode + analyze requests, ${ref.images} files): ${ref.imagesPerS} img/s (ratio ${round(ref.imagesPerS / b, 2)} to round 1's bound; load ${load()})`,
      );
    }
    log(`${name}: ratio median ${median} (rounds ${rounds.map((r) => r.ratio).join(', ')})`);
    return { rounds, medianRatio: median, reference: ref };
  } finally {
    e.dispose();
    await pure.release();
  }
}

async function endToEnd(e: EngineClient, dir: string, files: ScannedFile[], o: ThroughputOptions) {
  const temp = mkdtempSync(join(tmpdir(), 'bench-batch-'));
  const pid = e.startInfo?.pid ?? 0;
  const s0 = schedMs(pid);
  const th0 = threadCpuMs(pid);
  const h0 = cpuMs();
  const m0 = machineMs();
  const t0 = performance.now();
  try {
    const s = await new BatchService(e).run({
      root: dir,
      models: [{ manifestPath: o.model }],
      store: join(temp, 'r.jsonl'),
      files,
      provider: 'cpu',
      media: o.media ? { dir: join(temp, 'media') } : undefined,
    });
    const wall = performance.now() - t0;
    if (s.failed) throw new Error(`${s.failed} files failed: ${JSON.stringify(s.failuresByCode)}`);
    const m1 = machineMs();
    const s1 = schedMs(e.startInfo?.pid ?? 0);
    const th1 = threadCpuMs(e.startInfo?.pid ?? 0);
    const host = cpuMs() - h0;
    const n = s.processed;
    const p = s.pipeline;
    // The machine's core time in the round: this pipeline's (engine + this process), other processes'
    // (the rest of the busy time) and idle. The bound assumes every core is the pipeline's.
    const machine = m1.busy - m0.busy + m1.idle - m0.idle;
    const others = Math.max(0, m1.busy - m0.busy - (s1.cpu - s0.cpu) - host);
    const where: Record<string, number> = {
      engineCpuMsPerImage: round((s1.cpu - s0.cpu) / n),
      engineWaitMsPerImage: round((s1.wait - s0.wait) / n),
      engineThreadsWaitingShare: Math.round(
        (100 * (s1.wait - s0.wait)) / Math.max(1, s1.wait - s0.wait + s1.cpu - s0.cpu),
      ),
      engineMainCpuMsPerImage: round((th1.main - th0.main) / n),
      engineMainWaitMsPerImage: round((th1.mainWait - th0.mainWait) / n),
      engineLibvipsCpuMsPerImage: round((th1.libvips - th0.libvips) / n),
      engineOtherThreadsCpuMsPerImage: round((th1.other - th0.other) / n),
      hostCpuMsPerImage: round(host / n, 2),
      pipelineCpuMsPerImage: round((s1.cpu - s0.cpu + host) / n),
      othersCpuMsPerImage: round(others / n),
      othersCoresPct: machine > 0 ? Math.round((100 * others) / machine) : 0,
      idleCoresPct: machine > 0 ? Math.round((100 * (m1.idle - m0.idle)) / machine) : 0,
    };
    if (p) {
      where.workersBusyPct = Math.round((100 * p.prepBusyMs) / Math.max(1, p.prepLifeMs));
      where.mainBusyPct = Math.round((100 * p.mainBusyMs) / Math.max(1, p.mainBusyMs + p.mainIdleMs));
      where.inferMsPerImage = round(p.inferMs / Math.max(1, p.inferItems));
      where.meanBatch = round(p.inferItems / Math.max(1, p.inferRuns));
      where.leanPct = Math.round((100 * p.inferLeanItems) / Math.max(1, p.inferItems));
    }
    return { images: n, imagesPerS: round((n * 1000) / wall), where };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** What `xray-anomaly score` did before the pipeline: decode, then analyze, one file at a time. */
async function oneAtATime(e: EngineClient, model: string, files: string[]) {
  const m = await e.loadModel({ manifestPath: model, provider: 'cpu' });
  const t0 = performance.now();
  for (const f of files) {
    const d = await e.decode({ bytes: new Uint8Array(readFileSync(f)), fileName: f, limits: DEFAULT_DECODE_LIMITS });
    await e.analyze({ imageId: d.imageId, modelKey: m.modelKey });
    await e.releaseImage({ imageId: d.imageId });
  }
  return { images: files.length, imagesPerS: round((files.length * 1000) / (performance.now() - t0)) };
}
