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
  /** Crash or hang at the given stage of the next request of that kind (mid-analyze: after preprocessing, before inference). */
  __arm: [{ stage: HookStage; action: HookAction }, void];
};

export function testHooksEnabled(env: Record<string, string | undefined>): boolean {
  return env[TEST_HOOKS_ENV] === '1';
}

export class TestHooks {
  private readonly armed = new Map<HookStage, HookAction>();

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
    this.armed.set(p.stage, p.action);
  }

  async checkpoint(stage: HookStage): Promise<void> {
    const action = this.armed.get(stage);
    if (!action) return;
    this.armed.delete(stage);
    act(action);
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
