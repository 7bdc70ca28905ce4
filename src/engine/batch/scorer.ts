/**
 * The engine's side of a batch (the `batchScore` request): files go to the prep pool (read, hash,
 * decode, preprocess in worker threads) while earlier files' tensors run through each model's batcher,
 * then postprocessing and the heatmap. Requests in flight share the pool and the batchers, so the host
 * keeps the pipeline full by keeping a few requests outstanding.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type * as ort from 'onnxruntime-node';
import { fnv64, modelKey, preprocessingHash } from '../../core/batch/keys';
import type { PreparedInput } from '../../core/preprocess/pipeline';
import type {
  BatchItemOutcome,
  BatchItemSpec,
  BatchModelOutcome,
  BatchPipelineStats,
  BatchScoreRequest,
  BatchScoreResult,
} from '../../protocol/engine';
import type { CoreOps } from '../coreOps';
import type { KeyedQueue } from '../keyedQueue';
import type { LoadedEntry, ModelRegistry } from '../modelRegistry';
import type { TestHooks } from '../testHooks';
import { ModelBatcher } from './batcher';
import { InferLane } from './inferLane';
import { writeHeatmap } from './media';
import { heatmapPath } from '../../core/batch/mediaPaths';
import type { PrepPool } from './prepPool';
import { rowError } from './prepJob';
import { EMBEDDING_OUTPUT } from '../../core/similar/tap';
import { quantize } from '../../core/similar/vectors';

export interface ScorerDeps {
  models: Pick<ModelRegistry, 'load' | 'get' | 'batchSession' | 'batchModelBytes'>;
  queue: KeyedQueue;
  pool: PrepPool;
  ort(): typeof ort;
  core: Pick<CoreOps<PreparedInput>, 'scoreOutputs' | 'combineRegionResults'>;
  hooks?: TestHooks;
  /** Largest session batch (default 16). */
  maxBatch?: number;
  /**
   * Inference lanes per model on the CPU provider (inferLane.ts): how many, their intra-op threads, the
   * worker script. None: batches run on the main thread.
   */
  lanes?: { count: number; threads: number; workerPath: string; log(level: 'debug' | 'warn', msg: string): void };
}

interface ModelUse {
  entry: LoadedEntry;
  batcher: ModelBatcher;
  prep: string;
  /** Folder name of this model's heatmaps. */
  mediaDir: string;
}

export class BatchScorer {
  private readonly batchers = new Map<string, ModelBatcher>();
  /** Inference counters of batchers dropped with their superseded sessions. */
  private readonly dropped = { runs: 0, items: 0, ms: 0, leanItems: 0 };
  private readonly elu0: EventLoopUtilization = performance.eventLoopUtilization();

  constructor(private readonly deps: ScorerDeps) {}

  /** Where the pipeline's time went so far (cumulative). */
  stats(): BatchPipelineStats {
    const infer = { ...this.dropped };
    for (const b of this.batchers.values()) {
      infer.runs += b.stats.runs;
      infer.items += b.stats.items;
      infer.ms += b.stats.ms;
      infer.leanItems += b.stats.leanItems;
    }
    const elu = performance.eventLoopUtilization(this.elu0);
    const prep = this.deps.pool.time();
    return {
      workers: this.deps.pool.size,
      prepBusyMs: Math.round(prep.busyMs),
      prepLifeMs: Math.round(prep.lifeMs),
      inferRuns: infer.runs,
      inferItems: infer.items,
      inferLeanItems: infer.leanItems,
      inferMs: Math.round(infer.ms),
      mainBusyMs: Math.round(elu.active),
      mainIdleMs: Math.round(elu.idle),
    };
  }

  async score(req: BatchScoreRequest): Promise<BatchScoreResult> {
    const loaded = await Promise.all(req.models.map((m) => this.deps.models.load(m.manifestPath, m.provider)));
    const uses = loaded.map((l): ModelUse => {
      const entry = this.deps.models.get(l.modelKey);
      const prep = preprocessingHash(entry.manifest);
      return {
        entry,
        prep,
        batcher: this.batcherFor(entry),
        mediaDir: fnv64(modelKey({ id: entry.manifest.id, version: entry.manifest.version, prep })),
      };
    });
    const items = await Promise.all(req.items.map((item) => this.scoreItem(item, uses, req)));
    return { items, models: loaded, pipeline: this.stats() };
  }

  private batcherFor(entry: LoadedEntry): ModelBatcher {
    const key = entry.info.modelKey;
    let b = this.batchers.get(key);
    if (!b) {
      // Sessions superseded by an edited model are dropped with their batchers.
      for (const [k, old] of this.batchers)
        if (k.split('#')[0] === key.split('#')[0]) {
          this.dropped.runs += old.stats.runs;
          this.dropped.items += old.stats.items;
          this.dropped.ms += old.stats.ms;
          this.dropped.leanItems += old.stats.leanItems;
          old.close();
          this.batchers.delete(k);
        }
      const lean = scoreOutputsOf(entry);
      const lanes = this.deps.lanes;
      b = new ModelBatcher({
        lanes:
          lanes && entry.info.provider === 'cpu'
            ? Array.from(
                { length: lanes.count },
                () =>
                  new InferLane(
                    lanes.workerPath,
                    lanes.threads,
                    (kind) => this.deps.models.batchModelBytes(key, kind === 'lean' ? lean : undefined),
                    lanes.log,
                  ),
              )
            : undefined,
        session: entry.session,
        // The batch pipeline's own sessions (fewer intra-op threads than the viewer's: batch/setup.ts).
        full: () => this.deps.models.batchSession(key),
        lean: lean && { outputs: lean, session: () => this.deps.models.batchSession(key, lean) },
        inputName: entry.manifest.input.name,
        modelId: entry.manifest.id,
        modelKey: key,
        queue: this.deps.queue,
        ort: this.deps.ort,
        maxBatch: this.deps.maxBatch ?? 16,
        beforeRun: this.deps.hooks ? () => this.deps.hooks!.checkpoint('analyze') : undefined,
      });
      this.batchers.set(key, b);
    }
    return b;
  }

  private async scoreItem(item: BatchItemSpec, uses: ModelUse[], req: BatchScoreRequest): Promise<BatchItemOutcome> {
    const mine = item.models.map((i) => uses[i]).filter(Boolean);
    // Models with the same preprocessing share one pass.
    const preps: ModelUse[] = [];
    for (const u of mine) if (!preps.some((p) => p.prep === u.prep)) preps.push(u);
    await this.deps.hooks?.checkpoint('decode');
    // The batchers wait for this file's inputs rather than run part batches (batcher.ts); each
    // announcement is taken back once the file's inputs are handed over, or the file fails before that.
    for (const u of mine) u.batcher.expect(1);
    let announced = true;
    const handedOver = () => {
      if (announced) for (const u of mine) u.batcher.expect(-1);
      announced = false;
    };
    try {
      return await this.scorePrepared(item, mine, preps, req, handedOver);
    } finally {
      handedOver();
    }
  }

  private async scorePrepared(
    item: BatchItemSpec,
    mine: ModelUse[],
    preps: ModelUse[],
    req: BatchScoreRequest,
    handedOver: () => void,
  ): Promise<BatchItemOutcome> {
    const media = req.media;
    const size = media?.size ?? 128;
    const r = await this.deps.pool.run({
      path: item.path,
      knownHash: item.knownHash,
      limits: req.limits,
      preps: preps.map((p) => ({ input: p.entry.manifest.input, preprocessing: p.entry.manifest.preprocessing })),
      thumb: media ? { dir: media.dir, size } : undefined,
      quality: req.quality,
    });
    const base = {
      path: item.path,
      hash: r.hash,
      size: r.size,
      mtimeMs: r.mtimeMs,
      prepMs: r.ms,
      thumb: r.thumb,
      quality: r.quality,
    };
    if (r.unchanged) return { ...base, unchanged: true, models: [] };
    if (r.error || !r.prepared) return { ...base, error: r.error, models: [] };
    const outcomes = Promise.all(
      mine.map(async (u): Promise<BatchModelOutcome> => {
        const t0 = performance.now();
        const regions = r.prepared![preps.findIndex((p) => p.prep === u.prep)];
        try {
          // The map is made only for a heatmap: it is work on the engine's main thread, which also runs the
          // sessions (the pipeline's bottleneck when inference is the slower stage).
          const wantMap = !!(media?.heatmaps && r.hash);
          const scored = await this.scoreRegions(u, regions, r.width ?? 0, r.height ?? 0, wantMap);
          const out: BatchModelOutcome = {
            score: {
              raw: scored.score.raw,
              normalized: scored.score.normalized,
              threshold: scored.score.threshold,
              aboveThreshold: scored.score.aboveThreshold,
              span: u.entry.manifest.calibration.max - u.entry.manifest.calibration.min,
            },
            provider: u.entry.info.provider,
            ms: performance.now() - t0,
          };
          if (scored.embedding) out.embedding = scored.embedding;
          if (media?.heatmaps && scored.map && r.hash)
            out.heatmap = await writeHeatmap(scored.map, media.dir, heatmapPath(u.mediaDir, r.hash), size).catch(
              () => undefined,
            );
          return out;
        } catch (err) {
          return { error: rowError(err, 'inference'), ms: performance.now() - t0 };
        }
      }),
    );
    // Each model's inputs went to its batcher before the first await above.
    handedOver();
    return { ...base, models: await outcomes };
  }

  private async scoreRegions(u: ModelUse, regions: PreparedInput[], w: number, h: number, map: boolean) {
    const manifest = u.entry.manifest;
    const features: Float32Array[] = [];
    const wants = map ? undefined : scoreOutputsOf(u.entry);
    const per = await Promise.all(
      regions.map(async (p) => {
        const outputs = await u.batcher.run(p.tensor, p.dims, wants);
        const f = outputs[EMBEDDING_OUTPUT]?.data;
        if (f) features.push(f);
        return this.deps.core.scoreOutputs(outputs, p, manifest, { map });
      }),
    );
    return { ...this.deps.core.combineRegionResults(per, w, h), embedding: embeddingOf(features) };
  }
}

/**
 * The outputs a score without a map reads: the model's score output and its embedding tap (when it has
 * them); undefined (all) for a model that scores from its map or reconstruction.
 */
function scoreOutputsOf(entry: LoadedEntry): string[] | undefined {
  const score = entry.manifest.outputs.score;
  if (!score) return undefined;
  return entry.info.outputs.includes(EMBEDDING_OUTPUT) ? [score, EMBEDDING_OUTPUT] : [score];
}

/** The regions' backbone features averaged (a two-hand image is one image), as int8 (core/similar/vectors). */
function embeddingOf(features: Float32Array[]): number[] | undefined {
  if (features.length === 0 || features.some((f) => f.length !== features[0].length)) return undefined;
  const mean = new Float64Array(features[0].length);
  for (const f of features) for (let i = 0; i < f.length; i++) mean[i] += f[i] / features.length;
  return Array.from(quantize(mean));
}
