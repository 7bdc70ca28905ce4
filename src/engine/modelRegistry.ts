/**
 * Loaded ONNX sessions by model key. The key is manifest path + provider preference + both files'
 * modification stamps, so loading an edited model (or its manifest) gives a new key and a fresh
 * session, while loading an unchanged model again is a cheap stat. Superseded sessions of the same
 * manifest and preference are released once the runs queued on them are done.
 */
import type * as ort from 'onnxruntime-node';
import * as path from 'node:path';
import { embeddingTap, withEmbeddingOutput } from '../core/similar/tap';
import { XrayError } from '../core/errors';
import type { ModelManifest } from '../core/model/manifest';
import type { LoadedModel, ProviderPreference } from '../protocol/engine';
import type { CoreOps, TensorMeta } from './coreOps';
import type { KeyedQueue } from './keyedQueue';
import { cutForOutputs } from '../core/onnx/prune';
import { leanSession } from './leanSession';
import { createSessionWithFallback, sessionOptions, type ProviderName, type SessionFactory } from './providers';

export interface FileAccess {
  readFile(p: string): Promise<Uint8Array>;
  stat(p: string): Promise<{ mtimeMs: number; size: number }>;
}

export interface LoadedEntry {
  info: LoadedModel;
  manifest: ModelManifest;
  session: ort.InferenceSession;
  /** The ONNX file and the stamp it had when `session` was made (a lean session is cut from it again). */
  onnx: { path: string; mtimeMs: number; size: number };
  /**
   * Lean sessions by the outputs they are cut to (leanSession.ts; the full session where no cut pays), and
   * batch sessions (`batchSession`) by thread count and outputs.
   */
  lean: Map<string, Promise<ort.InferenceSession>>;
}

export interface RegistryDeps {
  core: Pick<CoreOps, 'parseManifest' | 'checkModelIO'>;
  files: FileAccess;
  factory: SessionFactory;
  /** Per-model queue shared with analysis, so a session is never released under a running analysis. */
  queue: KeyedQueue;
  platform: NodeJS.Platform;
  threads: number;
  /** Intra-op threads of the sessions batch runs use on the CPU provider (batchSession; default `threads`). */
  batchThreads?: number;
  env: Record<string, string | undefined>;
  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string): void;
}

/** Most manifests are small; anything this large is not one and is refused before parsing. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export class ModelRegistry {
  private readonly loaded = new Map<string, LoadedEntry>();
  private readonly loading = new Map<string, Promise<LoadedEntry>>();
  /** family (manifest + preference) -> current key, to release what an edit superseded. */
  private readonly current = new Map<string, string>();
  private readonly providerFailures = new Map<ProviderName, string>();

  constructor(private readonly deps: RegistryDeps) {}

  async load(manifestPath: string, pref: ProviderPreference): Promise<LoadedModel> {
    if (typeof manifestPath !== 'string' || !manifestPath)
      throw new XrayError('MODEL_NOT_FOUND', 'No model manifest path was given.');
    const manifestStat = await this.stat(manifestPath, 'model manifest');
    const text = await this.readManifest(manifestPath, manifestStat.size);
    const manifest = this.deps.core.parseManifest(text, manifestPath);
    const onnxPath = path.resolve(path.dirname(manifestPath), manifest.onnx);
    const onnxStat = await this.stat(onnxPath, 'ONNX file');
    const family = `${manifestPath}#${pref}`;
    const key = `${family}#${manifestStat.mtimeMs}:${onnxStat.mtimeMs}:${onnxStat.size}`;

    const hit = this.loaded.get(key);
    if (hit) return hit.info;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.create(
        key,
        manifest,
        { path: onnxPath, mtimeMs: onnxStat.mtimeMs, size: onnxStat.size },
        pref,
      ).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    const entry = await pending;
    this.supersede(family, key);
    return entry.info;
  }

  /** The entry for a key from `load`, or MODEL_NOT_FOUND (engine restarted, or the model was edited and reloaded). */
  get(modelKey: string): LoadedEntry {
    const entry = this.loaded.get(modelKey);
    if (!entry) {
      throw new XrayError(
        'MODEL_NOT_FOUND',
        'This model is not loaded in the engine (it restarted, or the model files changed). Load the model again.',
        `modelKey ${modelKey}`,
      );
    }
    return entry;
  }

  get size(): number {
    return this.loaded.size;
  }

  /**
   * The session for runs that fetch only `outputs`: the model's graph cut to them, made on the first call
   * (leanSession.ts), or the full session where the cut fails or does not pay.
   */
  leanSession(modelKey: string, outputs: readonly string[]): Promise<ort.InferenceSession> {
    const entry = this.get(modelKey);
    const id = outputs.join('\n');
    let s = entry.lean.get(id);
    if (!s) {
      s = leanSession(labelOf(entry), () => entry.session, outputs, {
        readModel: () => this.readAgain(entry),
        createSession: (bytes) =>
          this.deps.factory.create(bytes, sessionOptions(entry.info.provider as ProviderName, this.deps.threads)),
        log: (level, msg) => this.deps.log(level, msg),
      });
      entry.lean.set(id, s);
    }
    return s;
  }

  /**
   * The session batch runs use, fetching only `outputs` (as `leanSession`) or all of them: on the CPU
   * provider with `batchThreads` intra-op threads (batch/setup.ts says why), made on the first call from
   * the file on disk; elsewhere, with equal thread counts, or where that session cannot be made, the
   * viewer's sessions.
   */
  batchSession(modelKey: string, outputs?: readonly string[]): Promise<ort.InferenceSession> {
    const entry = this.get(modelKey);
    const threads = this.deps.batchThreads ?? this.deps.threads;
    const shared = () => (outputs ? this.leanSession(modelKey, outputs) : Promise.resolve(entry.session));
    if (threads === this.deps.threads || entry.info.provider !== 'cpu') return shared();
    const id = `threads ${threads}\n${outputs?.join('\n') ?? '*'}`;
    let s = entry.lean.get(id);
    if (!s) {
      const deps = {
        readModel: () => this.readAgain(entry),
        createSession: (bytes: Uint8Array) => this.deps.factory.create(bytes, sessionOptions('cpu', threads)),
        log: (level: 'info' | 'warn', msg: string) => this.deps.log(level, msg),
      };
      const label = `${labelOf(entry)}, batch runs on ${threads} thread(s)`;
      s = outputs
        ? leanSession(label, () => this.batchSession(modelKey), outputs, deps)
        : deps
            .readModel()
            .then(deps.createSession)
            .catch((err: unknown) => {
              deps.log('warn', `${label}: kept on the shared session (${String(err).split('\n')[0]})`);
              return shared();
            });
      entry.lean.set(id, s);
    }
    return s;
  }

  /**
   * The bytes a batch session of this model is made from elsewhere (an inference lane, batch/inferLane.ts):
   * the graph cut to `outputs` where that pays (as `leanSession`), else the whole model. Throws when the
   * ONNX file changed since the load.
   */
  async batchModelBytes(modelKey: string, outputs?: readonly string[]): Promise<{ bytes: Uint8Array; cut: boolean }> {
    const bytes = await this.readAgain(this.get(modelKey));
    const d = outputs ? cutForOutputs(bytes, outputs) : undefined;
    return d?.use === 'cut' ? { bytes: d.bytes, cut: true } : { bytes, cut: false };
  }

  /** The model's bytes as the full session got them; throws when the file changed since that load. */
  private async readAgain(entry: LoadedEntry): Promise<Uint8Array> {
    const now = await this.deps.files.stat(entry.onnx.path);
    if (now.mtimeMs !== entry.onnx.mtimeMs || now.size !== entry.onnx.size)
      throw new Error('the ONNX file changed since it was loaded');
    return withEmbedding(await this.deps.files.readFile(entry.onnx.path), entry.manifest);
  }

  private async create(
    key: string,
    manifest: ModelManifest,
    onnx: LoadedEntry['onnx'],
    pref: ProviderPreference,
  ): Promise<LoadedEntry> {
    const onnxPath = onnx.path;
    const started = performance.now();
    const bytes = await this.deps.files.readFile(onnxPath).catch((err: unknown) => {
      throw new XrayError(
        'MODEL_NOT_FOUND',
        `The ONNX file of model "${manifest.id}" cannot be read: ${path.basename(onnxPath)}.`,
        String(err),
      );
    });
    const label = `Model "${manifest.id}" (${path.basename(onnxPath)})`;
    const { session, provider, fallbacks } = await createSessionWithFallback(withEmbedding(bytes, manifest), pref, {
      factory: this.deps.factory,
      platform: this.deps.platform,
      threads: this.deps.threads,
      env: this.deps.env,
      label,
      log: (level, msg) => this.deps.log(level, msg),
      knownFailures: this.providerFailures,
    });
    const inputs = metaOf(session.inputMetadata, session.inputNames);
    const outputs = metaOf(session.outputMetadata, session.outputNames);
    try {
      this.deps.core.checkModelIO(manifest, { inputs, outputs });
    } catch (err) {
      await session.release().catch(() => undefined);
      throw err;
    }
    const info: LoadedModel = {
      modelKey: key,
      modelId: manifest.id,
      version: manifest.version,
      provider,
      fallbacks,
      inputs: inputs.map(({ name, dims }) => ({ name, dims })),
      outputs: outputs.map((o) => o.name),
      loadMs: performance.now() - started,
    };
    const entry: LoadedEntry = { info, manifest, session, onnx, lean: new Map() };
    this.loaded.set(key, entry);
    this.deps.log(
      'info',
      `Loaded ${label} on ${provider} in ${info.loadMs.toFixed(0)} ms${fallbacks.length ? ` (skipped: ${fallbacks.join('; ')})` : ''}`,
    );
    return entry;
  }

  private supersede(family: string, key: string): void {
    const previous = this.current.get(family);
    this.current.set(family, key);
    if (!previous || previous === key) return;
    const old = this.loaded.get(previous);
    if (!old) return;
    this.loaded.delete(previous);
    // Released on the old key's queue: after any analysis already running on it.
    void this.deps.queue
      .run(previous, async () => {
        await old.session.release();
        // Batch sessions may be another's fallback: each distinct session is released once.
        const others = new Set(await Promise.all([...old.lean.values()].map((l) => l.catch(() => undefined))));
        others.delete(old.session);
        for (const s of others) await s?.release();
        this.deps.log('debug', `Released superseded session ${previous}`);
      })
      .catch((err: unknown) => this.deps.log('warn', `Releasing ${previous} failed: ${String(err)}`));
  }

  private async stat(p: string, what: string): Promise<{ mtimeMs: number; size: number }> {
    try {
      return await this.deps.files.stat(p);
    } catch (err) {
      throw new XrayError('MODEL_NOT_FOUND', `The ${what} ${p} does not exist or cannot be read.`, String(err));
    }
  }

  private async readManifest(p: string, size: number): Promise<string> {
    if (size > MAX_MANIFEST_BYTES)
      throw new XrayError(
        'MODEL_INVALID',
        `${path.basename(p)} is ${(size / 1048576).toFixed(1)} MB: too large to be a model manifest.`,
      );
    try {
      return new TextDecoder('utf-8', { fatal: false }).decode(await this.deps.files.readFile(p));
    } catch (err) {
      throw new XrayError('MODEL_NOT_FOUND', `The model manifest ${p} cannot be read.`, String(err));
    }
  }
}

function metaOf(
  meta: readonly ort.InferenceSession.ValueMetadata[] | undefined,
  names: readonly string[],
): TensorMeta[] {
  if (!meta || meta.length !== names.length) return names.map((name) => ({ name, dims: [] }));
  return meta.map((m) =>
    m.isTensor ? { name: m.name, dims: [...m.shape], type: m.type } : { name: m.name, dims: [] },
  );
}

/**
 * The model with its backbone features as one more output ("more like this"), when its manifest names the
 * tap; unchanged when not, or when the graph cannot take it (the score does not depend on it).
 */
function labelOf(entry: LoadedEntry): string {
  return `Model "${entry.manifest.id}" (${path.basename(entry.onnx.path)})`;
}

function withEmbedding(bytes: Uint8Array, manifest: ModelManifest): Uint8Array {
  const tap = embeddingTap(manifest);
  if (!tap) return bytes;
  try {
    return withEmbeddingOutput(bytes, tap);
  } catch {
    return bytes;
  }
}
