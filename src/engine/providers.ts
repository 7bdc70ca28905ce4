/**
 * Execution-provider choice. onnxruntime-node does not fall back by itself: asking for a provider whose
 * libraries or GPU adapter are missing THROWS at InferenceSession.create (and a provider missing from
 * the build can even be skipped silently when listed with others). So 'auto' walks an explicit
 * per-platform order, creating a session with each provider until one starts, and records one line per
 * provider it skipped; a forced provider that cannot start is an error, never a silent CPU run.
 */
import type * as ort from 'onnxruntime-node';
import { XrayError } from '../core/errors';
import type { ProviderPreference } from '../protocol/engine';

export type ProviderName = Exclude<ProviderPreference, 'auto'>;

export const PROVIDER_NAMES: readonly ProviderName[] = ['cpu', 'cuda', 'webgpu', 'dml', 'coreml'];

/** Env var (tests and diagnostics only): comma list that replaces the 'auto' order, e.g. "webgpu,cpu". */
export const PROVIDER_ORDER_ENV = 'XRAY_ANOMALY_PROVIDER_ORDER';
/** Env var: intra-op thread count for every session (default min(4, cores)). */
export const THREADS_ENV = 'XRAY_ANOMALY_ENGINE_THREADS';

/** GPU first, CPU last; the GPU order follows what onnxruntime-node ships or can load on each platform. */
export function autoOrder(platform: NodeJS.Platform): ProviderName[] {
  switch (platform) {
    case 'linux':
      return ['cuda', 'webgpu', 'cpu'];
    case 'win32':
      return ['dml', 'cpu'];
    case 'darwin':
      return ['coreml', 'cpu'];
    default:
      return ['cpu'];
  }
}

/**
 * The providers to try for a preference. Unknown names in the env override are reported through
 * `warn` and dropped rather than failing the load: the variable is a diagnostic aid, not a setting.
 */
export function providerOrder(
  pref: ProviderPreference,
  platform: NodeJS.Platform,
  env: Record<string, string | undefined> = {},
  warn: (msg: string) => void = () => undefined,
): ProviderName[] {
  if (pref !== 'auto') {
    if (!PROVIDER_NAMES.includes(pref))
      throw new XrayError(
        'MODEL_LOAD_FAILED',
        `Unknown execution provider "${String(pref)}". Use one of: auto, ${PROVIDER_NAMES.join(', ')}.`,
      );
    return [pref];
  }
  const override = env[PROVIDER_ORDER_ENV]?.trim();
  if (!override) return autoOrder(platform);
  const names = override
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const valid = names.filter((n): n is ProviderName => (PROVIDER_NAMES as readonly string[]).includes(n));
  const unknown = names.filter((n) => !valid.includes(n as ProviderName));
  if (unknown.length) warn(`${PROVIDER_ORDER_ENV}: ignoring unknown provider(s) ${unknown.join(', ')}`);
  if (valid.length === 0) {
    warn(`${PROVIDER_ORDER_ENV} names no known provider; using the default order`);
    return autoOrder(platform);
  }
  return [...new Set(valid)];
}

/**
 * Env var for test and check runs on a machine whose GPU is known to work: the provider 'auto' must end
 * up on (e.g. `XRAY_EXPECT_PROVIDER=webgpu npm run gpu-check`). Without it, a GPU provider that falls
 * back to CPU is a skipped check; with it, the fallback is a failure. Not read by the product.
 */
export const EXPECT_PROVIDER_ENV = 'XRAY_EXPECT_PROVIDER';

/** The provider the run expects (see EXPECT_PROVIDER_ENV), undefined when unset; an unknown name throws. */
export function expectedProvider(env: Record<string, string | undefined> = {}): ProviderName | undefined {
  const v = env[EXPECT_PROVIDER_ENV]?.trim().toLowerCase();
  if (!v) return undefined;
  if (!(PROVIDER_NAMES as readonly string[]).includes(v))
    throw new Error(`${EXPECT_PROVIDER_ENV}="${v}" is not a provider; use one of ${PROVIDER_NAMES.join(', ')}.`);
  return v as ProviderName;
}

/**
 * Why a load does not meet the expectation, or undefined when it does (or nothing is expected): the
 * provider that ran and the reasons the others were skipped.
 */
export function unmetExpectation(
  got: { provider: string; fallbacks: readonly string[] },
  env: Record<string, string | undefined> = {},
): string | undefined {
  const want = expectedProvider(env);
  if (!want || got.provider === want) return undefined;
  const skipped = got.fallbacks.length ? `; skipped: ${got.fallbacks.join(' | ')}` : '';
  return `${EXPECT_PROVIDER_ENV}=${want} but the session runs on ${got.provider}${skipped}`;
}

export function defaultThreads(cores: number, env: Record<string, string | undefined> = {}): number {
  const fromEnv = Number(env[THREADS_ENV]);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  // Modest on purpose: the extension host, the webview and sharp's own pool share these cores.
  return Math.max(1, Math.min(4, cores));
}

/**
 * Session options for one provider. GPU providers get CPU behind them so that operators the GPU
 * provider lacks still run (ORT assigns them per node); that is not a fallback of the whole session.
 */
export function sessionOptions(provider: ProviderName, threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Errors only: ORT's warnings about unused initialisers etc. would flood the log on every load.
    logSeverityLevel: 3,
    // Idle intra-op threads sleep instead of spin-waiting: the cores are shared with the extension host,
    // the webview and the batch pipeline's decode workers. Measured (chest-patchcore, batches of 16, two
    // threads, on a busy 2-core machine, two runs each): 7.7-7.8 -> 8.4-9.8 images/s and 18.6-19.1 ->
    // 12.0-14.4 CPU ms per image.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/** Messages ORT gives when the model itself is at fault, whatever provider was asked for. */
const MODEL_FAULT = [
  /protobuf parsing failed/i,
  /invalid model/i,
  /INVALID_PROTOBUF/,
  /INVALID_GRAPH/,
  /ShapeInferenceError/,
  /No Op registered/i,
  /Unsupported model IR version/i,
  /opset/i,
  /TypeInferenceError/,
  /Type Error/i,
  /Load model .* failed/i,
];

export function isModelFault(message: string): boolean {
  return MODEL_FAULT.some((re) => re.test(message));
}

/** First meaningful line of an ORT message, without the source-path prefix ORT puts before C++ errors. */
export function shortReason(message: string): string {
  const line =
    message
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? message;
  const stripped = line.replace(/^\/?[\w/.-]+\.(cc|cpp|h):\d+\s+[^ ]*\s*/, '').replace(/^.*?was false\.\s*/, '');
  return stripped.length > 240 ? `${stripped.slice(0, 237)}...` : stripped;
}

export interface SessionFactory {
  create(model: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession>;
  /** Providers compiled into (or loadable by) this onnxruntime-node build. */
  supported(): string[];
}

export interface CreatedSession {
  session: ort.InferenceSession;
  provider: ProviderName;
  fallbacks: string[];
}

export interface CreateOptions {
  factory: SessionFactory;
  platform: NodeJS.Platform;
  threads: number;
  env?: Record<string, string | undefined>;
  /** Shown in messages, e.g. the model file name. */
  label: string;
  log?: (level: 'debug' | 'info' | 'warn', msg: string) => void;
  /**
   * Providers that already failed to start in this process, with the reason. Missing libraries or an
   * absent GPU adapter do not come back while the process lives, so later loads skip them at once.
   */
  knownFailures?: Map<ProviderName, string>;
}

/**
 * Creates a session on the first provider of the preference's order that starts. A model fault stops
 * the walk at once (another provider would fail the same way and bury the real reason).
 */
export async function createSessionWithFallback(
  model: Uint8Array,
  pref: ProviderPreference,
  o: CreateOptions,
): Promise<CreatedSession> {
  const log = o.log ?? (() => undefined);
  const order = providerOrder(pref, o.platform, o.env, (m) => log('warn', m));
  const supported = new Set(o.factory.supported());
  const fallbacks: string[] = [];
  for (const provider of order) {
    if (!supported.has(provider)) {
      const reason = `${provider}: not available in this onnxruntime-node build for ${o.platform}-${process.arch}`;
      if (pref !== 'auto') throw forcedFailure(provider, reason);
      fallbacks.push(reason);
      log('debug', `${o.label}: skipping ${reason}`);
      continue;
    }
    const known = o.knownFailures?.get(provider);
    if (known !== undefined) {
      if (pref !== 'auto') throw forcedFailure(provider, known);
      fallbacks.push(known);
      continue;
    }
    const started = performance.now();
    try {
      const session = await o.factory.create(model, sessionOptions(provider, o.threads));
      log('debug', `${o.label}: session on ${provider} in ${(performance.now() - started).toFixed(0)} ms`);
      return { session, provider, fallbacks };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (isModelFault(message)) {
        throw new XrayError(
          'MODEL_LOAD_FAILED',
          `${o.label} is not a usable ONNX model: ${shortReason(message)}`,
          message,
        );
      }
      const reason = `${provider}: ${shortReason(message)}`;
      o.knownFailures?.set(provider, reason);
      if (pref !== 'auto') throw forcedFailure(provider, reason, message);
      fallbacks.push(reason);
      log('info', `${o.label}: execution provider ${reason}; trying the next one`);
    }
  }
  throw new XrayError(
    'MODEL_LOAD_FAILED',
    `${o.label} could not be started on any execution provider (tried ${order.join(', ')}).`,
    fallbacks.join('\n'),
  );
}

function forcedFailure(provider: ProviderName, reason: string, detail?: string): XrayError {
  return new XrayError(
    'MODEL_LOAD_FAILED',
    `The execution provider "${provider}" could not start (${reason.replace(/^\w+: /, '')}). The provider setting forces it; set it to "auto" to fall back to the CPU.`,
    detail ?? reason,
  );
}

/** The real factory: onnxruntime-node, loaded lazily so a broken native install fails one request, not the engine. */
export function ortFactory(load: () => typeof ort): SessionFactory {
  return {
    create: (model, options) => load().InferenceSession.create(model, options),
    supported: () =>
      load()
        .listSupportedBackends()
        .map((b) => b.name),
  };
}
