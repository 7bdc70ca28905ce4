// Provider choice without a GPU in sight: the order per platform, the env override, and how session
// creation failures turn into fallbacks or errors. Session creation uses the real onnxruntime-node
// (CUDA libraries and a WebGPU adapter are absent on this machine, so those really fail). On a machine
// with a GPU, run with XRAY_EXPECT_PROVIDER=cuda|webgpu: the GPU branches then fail on a CPU fallback
// instead of skipping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { XrayError } from '../../../src/core/errors';
import { GraphBuilder } from '../../../src/core/onnx/builder';
import {
  autoOrder,
  createSessionWithFallback,
  defaultThreads,
  EXPECT_PROVIDER_ENV,
  expectedProvider,
  isModelFault,
  ortFactory,
  providerOrder,
  PROVIDER_ORDER_ENV,
  sessionOptions,
  shortReason,
  unmetExpectation,
} from '../../../src/engine/providers';

const factory = ortFactory(() => ort);

function doubleModel(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('input', [1, 1, 2, 2]);
  g.op('Mul', [x, g.constant(new Float32Array([2]), [1])], {}, 'out');
  g.output('out', [1, 1, 2, 2]);
  return g.toBytes();
}

test('auto order per platform puts GPU providers first and CPU last', () => {
  assert.deepEqual(autoOrder('linux'), ['cuda', 'webgpu', 'cpu']);
  assert.deepEqual(autoOrder('win32'), ['dml', 'cpu']);
  assert.deepEqual(autoOrder('darwin'), ['coreml', 'cpu']);
  assert.deepEqual(autoOrder('freebsd'), ['cpu']);
});

test('a forced provider is tried alone; the env override applies to auto only', () => {
  const env = { [PROVIDER_ORDER_ENV]: 'webgpu, CPU' };
  assert.deepEqual(providerOrder('cuda', 'linux', env), ['cuda']);
  assert.deepEqual(providerOrder('auto', 'linux', env), ['webgpu', 'cpu']);
  const warnings: string[] = [];
  assert.deepEqual(
    providerOrder('auto', 'linux', { [PROVIDER_ORDER_ENV]: 'tpu,cpu' }, (w) => warnings.push(w)),
    ['cpu'],
  );
  assert.match(warnings[0], /tpu/);
  assert.deepEqual(
    providerOrder('auto', 'linux', { [PROVIDER_ORDER_ENV]: 'nonsense' }, () => undefined),
    ['cuda', 'webgpu', 'cpu'],
  );
  assert.throws(
    () => providerOrder('tpu' as never, 'linux'),
    (e: unknown) => e instanceof XrayError && e.code === 'MODEL_LOAD_FAILED',
  );
});

test('threads stay modest and the env can set them', () => {
  assert.equal(defaultThreads(2), 2);
  assert.equal(defaultThreads(64), 4);
  assert.equal(defaultThreads(0), 1);
  assert.equal(defaultThreads(64, { XRAY_ANOMALY_ENGINE_THREADS: '8' }), 8);
  assert.equal(defaultThreads(64, { XRAY_ANOMALY_ENGINE_THREADS: 'x' }), 4);
});

test('GPU sessions keep CPU behind them for operators the GPU lacks', () => {
  assert.deepEqual(sessionOptions('cpu', 2).executionProviders, ['cpu']);
  assert.deepEqual(sessionOptions('webgpu', 2).executionProviders, ['webgpu', 'cpu']);
});

test('ORT messages are classified and shortened for people', () => {
  assert.ok(isModelFault('Load model from x.onnx failed:Protobuf parsing failed.'));
  assert.ok(isModelFault('Node (Add_node_1) Op (Add) [ShapeInferenceError] Incompatible dimensions'));
  assert.ok(!isModelFault('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library'));
  const webgpu =
    '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n';
  assert.equal(shortReason(webgpu), 'Failed to get a WebGPU adapter: No supported adapters');
  assert.ok(shortReason('x'.repeat(1000)).length <= 240);
});

test('auto ends on the expected provider (XRAY_EXPECT_PROVIDER); without a GPU it falls back to CPU and says why each GPU provider was skipped', async (t) => {
  const supported = factory.supported();
  const r = await createSessionWithFallback(doubleModel(), 'auto', {
    factory,
    platform: 'linux',
    threads: 1,
    env: {},
    label: 'double',
  });
  t.after(() => r.session.release());
  // On a machine whose GPU must work, a fallback to CPU is a failure, not a skip.
  const unmet = unmetExpectation(r, process.env);
  assert.equal(unmet, undefined, unmet);
  const out = await r.session.run({ input: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [1, 1, 2, 2]) });
  assert.deepEqual(Array.from(out.out.data as Float32Array), [2, 4, 6, 8]);
  if (r.provider !== 'cpu') return t.skip(`a GPU provider (${r.provider}) works here: no fallback to check`);
  assert.equal(r.fallbacks.length, 2);
  assert.match(r.fallbacks[0], /^cuda: /);
  assert.match(r.fallbacks[1], /^webgpu: /);
  assert.ok(supported.includes('cpu'));
});

test('the expected-provider mode: unset expects nothing, a name must match, an unknown name is refused', () => {
  const cpuRun = {
    provider: 'cpu',
    fallbacks: ['cuda: Failed to load shared library', 'webgpu: No supported adapters'],
  };
  assert.equal(expectedProvider({}), undefined);
  assert.equal(unmetExpectation(cpuRun, {}), undefined);
  assert.equal(expectedProvider({ [EXPECT_PROVIDER_ENV]: ' WebGPU ' }), 'webgpu');
  assert.equal(unmetExpectation(cpuRun, { [EXPECT_PROVIDER_ENV]: 'cpu' }), undefined);
  assert.equal(
    unmetExpectation(cpuRun, { [EXPECT_PROVIDER_ENV]: 'webgpu' }),
    'XRAY_EXPECT_PROVIDER=webgpu but the session runs on cpu; skipped: cuda: Failed to load shared library | webgpu: No supported adapters',
  );
  assert.equal(unmetExpectation({ provider: 'webgpu', fallbacks: [] }, { [EXPECT_PROVIDER_ENV]: 'webgpu' }), undefined);
  assert.match(
    unmetExpectation({ provider: 'webgpu', fallbacks: [] }, { [EXPECT_PROVIDER_ENV]: 'cpu' })!,
    /runs on webgpu/,
  );
  assert.throws(() => expectedProvider({ [EXPECT_PROVIDER_ENV]: 'gpu' }), /not a provider/);
});

test('a provider missing from the build is skipped without asking ORT (which could ignore it silently)', async (t) => {
  const r = await createSessionWithFallback(doubleModel(), 'auto', {
    factory,
    platform: 'linux',
    threads: 1,
    env: { [PROVIDER_ORDER_ENV]: 'coreml,cpu' },
    label: 'double',
  });
  t.after(() => r.session.release());
  assert.equal(r.provider, 'cpu');
  assert.match(r.fallbacks[0], /^coreml: not available in this onnxruntime-node build/);
});

test('a forced provider that cannot start is an error that names the provider and the way out', async (t) => {
  const r = await createSessionWithFallback(doubleModel(), 'cpu', {
    factory,
    platform: 'linux',
    threads: 1,
    label: 'double',
  });
  await r.session.release();
  if (expectedProvider(process.env) === 'cuda') {
    // A CUDA machine: the forced provider must start (the failure branch cannot be shown here).
    const cuda = await createSessionWithFallback(doubleModel(), 'cuda', {
      factory,
      platform: 'linux',
      threads: 1,
      label: 'double',
    });
    assert.equal(cuda.provider, 'cuda');
    await cuda.session.release();
  } else if (factory.supported().includes('cuda')) {
    await assert.rejects(
      createSessionWithFallback(doubleModel(), 'cuda', { factory, platform: 'linux', threads: 1, label: 'double' }),
      (e: unknown) =>
        e instanceof XrayError &&
        e.code === 'MODEL_LOAD_FAILED' &&
        /"cuda" could not start/.test(e.message) &&
        /"auto"/.test(e.message),
      `forced cuda started: on a CUDA machine run with ${EXPECT_PROVIDER_ENV}=cuda`,
    );
  } else t.diagnostic('cuda not listed by this onnxruntime-node build');
  await assert.rejects(
    createSessionWithFallback(doubleModel(), 'dml', { factory, platform: 'linux', threads: 1, label: 'double' }),
    (e: unknown) => e instanceof XrayError && e.code === 'MODEL_LOAD_FAILED' && /"dml" could not start/.test(e.message),
  );
});

test('an unparseable model stops the walk at once with MODEL_LOAD_FAILED', async () => {
  const attempts: string[] = [];
  const counting = {
    supported: factory.supported,
    create: (m: Uint8Array, o: ort.InferenceSession.SessionOptions) => {
      attempts.push(String(o.executionProviders?.[0]));
      return factory.create(m, o);
    },
  };
  await assert.rejects(
    createSessionWithFallback(new TextEncoder().encode('not a model'), 'auto', {
      factory: counting,
      platform: 'linux',
      threads: 1,
      env: { [PROVIDER_ORDER_ENV]: 'cpu,webgpu' },
      label: 'junk.onnx',
    }),
    (e: unknown) =>
      e instanceof XrayError &&
      e.code === 'MODEL_LOAD_FAILED' &&
      /junk\.onnx is not a usable ONNX model/.test(e.message) &&
      /[Pp]rotobuf/.test(e.message),
  );
  assert.deepEqual(attempts, ['cpu']);
});

test('a provider that failed to start is not tried again in the same process', async (t) => {
  const attempts: string[] = [];
  const counting = {
    supported: () => ['cpu', 'webgpu'],
    create: (m: Uint8Array, o: ort.InferenceSession.SessionOptions) => {
      attempts.push(String(o.executionProviders?.[0]));
      return factory.create(m, o);
    },
  };
  const knownFailures = new Map();
  const opts = {
    factory: counting,
    platform: 'linux' as const,
    threads: 1,
    env: { [PROVIDER_ORDER_ENV]: 'webgpu,cpu' },
    label: 'double',
    knownFailures,
  };
  const first = await createSessionWithFallback(doubleModel(), 'auto', opts);
  t.after(() => first.session.release());
  if (first.provider !== 'cpu') return t.skip('WebGPU works here');
  const second = await createSessionWithFallback(doubleModel(), 'auto', opts);
  t.after(() => second.session.release());
  assert.deepEqual(attempts, ['webgpu', 'cpu', 'cpu']);
  assert.deepEqual(second.fallbacks, first.fallbacks);
  await assert.rejects(
    createSessionWithFallback(doubleModel(), 'webgpu', opts),
    (e: unknown) => e instanceof XrayError && /"webgpu" could not start/.test(e.message),
  );
  assert.equal(attempts.length, 3);
});
