/**
 * Ways to make the engine crash or hang on purpose, so tests can prove that a native crash stays in
 * the engine process and that the client recovers. Off unless the engine is started with
 * XRAY_ANOMALY_ENGINE_TEST_HOOKS=1; the methods are not part of the public engine protocol.
 */
import { XrayError } from '../core/errors';

export const TEST_HOOKS_ENV = 'XRAY_ANOMALY_ENGINE_TEST_HOOKS';

export type HookStage = 'decode' | 'analyze';
/** abort / segv: die by SIGABRT / SIGSEGV like a native crash; exit: a clean non-zero exit; hang: a busy loop that blocks the event loop. */
export type HookAction = 'abort' | 'segv' | 'exit' | 'hang';

export type EngineTestMethods = {
  /** Crash now (the response never comes). */
  __crash: [{ action: HookAction }, void];
  /**
   * Crash or hang at the given stage of the next request of that kind (mid-analyze: after preprocessing,
   * before inference; batch scoring passes the same stages: 'decode' per file, 'analyze' per session run).
   * `after` lets that many pass first (crash at the (after+1)-th).
   */
  __arm: [{ stage: HookStage; action: HookAction; after?: number }, void];
};

export function testHooksEnabled(env: Record<string, string | undefined>): boolean {
  return env[TEST_HOOKS_ENV] === '1';
}

export class TestHooks {
  private readonly armed = new Map<HookStage, { action: HookAction; after: number }>();

  handles(method: string): method is keyof EngineTestMethods {
    return method === '__crash' || method === '__arm';
  }

  async handle(method: keyof EngineTestMethods, params: unknown): Promise<void> {
    const p = (params ?? {}) as { action?: HookAction; stage?: HookStage };
    if (!isAction(p.action)) throw new XrayError('INTERNAL', `${method}: action must be abort, segv, exit or hang.`);
    if (method === '__crash') {
      // After this turn, so the request is fully read; the response never comes, as with a real crash.
      setImmediate(() => act(p.action!));
      return new Promise<void>(() => undefined);
    }
    if (p.stage !== 'decode' && p.stage !== 'analyze')
      throw new XrayError('INTERNAL', '__arm: stage must be decode or analyze.');
    const after = (p as { after?: unknown }).after;
    this.armed.set(p.stage, {
      action: p.action,
      after: typeof after === 'number' && Number.isInteger(after) && after > 0 ? after : 0,
    });
  }

  async checkpoint(stage: HookStage): Promise<void> {
    const armed = this.armed.get(stage);
    if (!armed) return;
    if (armed.after > 0) {
      armed.after--;
      return;
    }
    this.armed.delete(stage);
    act(armed.action);
  }
}

function isAction(a: unknown): a is HookAction {
  return a === 'abort' || a === 'segv' || a === 'exit' || a === 'hang';
}

function act(action: HookAction): void {
  if (action === 'abort') process.abort();
  if (action === 'segv') process.kill(process.pid, 'SIGSEGV');
  if (action === 'exit') process.exit(70);
  // A synchronous loop, like native code that never returns: nothing else in the engine can run.
  for (;;) {
    /* hang */
  }
}
