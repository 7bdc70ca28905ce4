// The real engine process end to end: EngineClient forks the bundled src/engine/main.ts, decodes a
// generated 16-bit PNG, loads generated ONNX models with known outputs and checks score and map against
// values computed here from the model's closed form; then provider fallback, model errors, crash
// isolation and restart, timeouts, and shutdown.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XrayError } from '../../../src/core/errors';
import type { XrayImage } from '../../../src/core/image/types';
import type { ModelManifest } from '../../../src/core/model/manifest';
import { prepareInput } from '../../../src/core/preprocess/pipeline';
import { normalizeWith } from '../../../src/core/scoring/calibration';
import type { EngineClient, EngineStop } from '../../../src/engine/client';
import { TEST_HOOKS_ENV } from '../../../src/engine/testHooks';
import { PROVIDER_ORDER_ENV } from '../../../src/engine/providers';
import {
  writeAnomalyMapModel,
  writeBrokenModel,
  writeMismatchedModel,
  writeReconstructionModel,
  writeRgbModel,
  type KnownModel,
} from '../../fixtures/models';
import { bundleEngine, encodePng, isAlive, LIMITS, newClient, pattern16, tempDir, waitUntil } from './helpers';
import { EXPECT_PROVIDER_ENV, expectedProvider, unmetExpectation } from '../../../src/engine/providers';

const W = 64;
const H = 64;

let enginePath: string;
let cleanups: (() => void)[] = [];
let dir: string;
let png: Uint8Array;
let pixels: Uint16Array;

before(async () => {
  const bundle = await bundleEngine();
  enginePath = bundle.enginePath;
  const tmp = tempDir('engine');
  dir = tmp.dir;
  cleanups = [bundle.cleanup, tmp.cleanup];
  pixels = pattern16(W, H);
  png = encodePng(W, H, pixels);
});

after(() => cleanups.forEach((c) => c()));

function code(c: string, message?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof XrayError, `expected an XrayError, got ${String(e)}`);
    assert.equal(e.code, c, `${e.code}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  };
}

/** The product's one normalisation (its properties: test/unit/scoring/calibration.test.ts). */
function normalized(raw: number, threshold: number, cal: ModelManifest['calibration']): number {
  return normalizeWith(raw, threshold, cal.max - cal.min);
}

function minMax(a: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of a) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return [lo, hi];
}

function closeTo(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs expected ${expected}`,
  );
}

/** Model outputs for the engine's own decoded image, computed here from the model's closed form. */
function expectedOutputs(model: KnownModel, image: XrayImage) {
  const prepared = prepareInput(image, model.manifest);
  return model.expected(prepared.tensor);
}

describe('engine: decode and analyze with models of known output', () => {
  let client: EngineClient;
  let imageId: string;
  let image: XrayImage;

  before(async () => {
    ({ client } = newClient(enginePath));
    const r = await client.decode({ bytes: png, fileName: 'pattern.png', limits: LIMITS });
    imageId = r.imageId;
    image = r.image;
  });
  after(() => client.dispose());

  test('16-bit pixels cross the process boundary intact, as a Uint16Array', () => {
    assert.equal(image.width, W);
    assert.equal(image.height, H);
    assert.ok(image.data instanceof Uint16Array, `data is ${image.data.constructor.name}`);
    assert.deepEqual(image.data, pixels);
    assert.equal(image.source.format, 'png');
  });

  test('info names the process, versions and the providers of this build', async () => {
    const info = await client.info();
    assert.notEqual(info.pid, process.pid);
    assert.ok(info.providersAvailable.includes('cpu'));
    assert.equal(info.versions.onnxruntime, '1.30.0');
    assert.ok(client.startInfo && client.startInfo.startMs > 0);
  });

  test('reconstruction model: score is the mean squared error, map the per-pixel error', async () => {
    const model = writeReconstructionModel(dir, { name: 'recon-affine', k: 0.5, b: 0.05, height: H, width: W });
    const loaded = await client.loadModel({ manifestPath: model.manifestPath, provider: 'auto' });
    assert.equal(loaded.modelId, 'recon-affine');
    assert.deepEqual(loaded.inputs, [{ name: 'input', dims: [1, 1, H, W] }]);
    const result = await client.analyze({ imageId, modelKey: loaded.modelKey });

    const input = prepareInput(image, model.manifest).tensor;
    const recon = model.expected(input).reconstruction.data;
    const err = input.map((v, i) => (v - recon[i]) ** 2);
    const raw = err.reduce((a, v) => a + v, 0) / err.length;
    const cal = model.manifest.calibration;
    closeTo(result.score.raw, raw, 1e-5, 'raw score');
    closeTo(result.score.normalized, normalized(raw, cal.threshold, cal), 1e-5, 'normalised score');
    assert.equal(result.score.aboveThreshold, raw > cal.threshold);
    assert.equal(result.provider, loaded.provider);
    assert.ok(result.map, 'a reconstruction model yields a map');
    assert.equal(result.map.width, W);
    assert.equal(result.map.height, H);
    assert.ok(result.map.data instanceof Float32Array);
    const [lo, hi] = minMax(err);
    closeTo(result.map.rawMin, lo, 1e-5, 'map min');
    closeTo(result.map.rawMax, hi, 1e-5, 'map max');
    const pixelThreshold = cal.pixelThreshold ?? cal.threshold;
    for (const i of [0, 100, 2000, W * H - 1])
      closeTo(result.map.data[i], normalized(err[i], pixelThreshold, cal), 1e-5, `map[${i}]`);
    for (const k of ['preprocessMs', 'inferenceMs', 'postprocessMs'] as const) assert.ok(result.timings[k] >= 0);
  });

  test('blur reconstruction: the error is the image minus its 3x3 mean', async () => {
    const model = writeReconstructionModel(dir, { name: 'recon-blur', kind: 'blur', height: H, width: W });
    const loaded = await client.loadModel({ manifestPath: model.manifestPath, provider: 'cpu' });
    const result = await client.analyze({ imageId, modelKey: loaded.modelKey });
    const input = prepareInput(image, model.manifest).tensor;
    const blur = model.expected(input).reconstruction.data;
    const raw = input.reduce((a, v, i) => a + (v - blur[i]) ** 2, 0) / input.length;
    closeTo(result.score.raw, raw, 1e-5, 'raw score');
    assert.ok(raw > 0);
  });

  test('anomalib-style model: the score is pred_score and the map is anomaly_map', async () => {
    const model = writeAnomalyMapModel(dir, { name: 'amap', pool: 4, height: H, width: W });
    const loaded = await client.loadModel({ manifestPath: model.manifestPath, provider: 'auto' });
    assert.deepEqual([...loaded.outputs].sort(), ['anomaly_map', 'pred_score']);
    const result = await client.analyze({ imageId, modelKey: loaded.modelKey });
    const expected = expectedOutputs(model, image);
    const cal = model.manifest.calibration;
    closeTo(result.score.raw, expected.pred_score.data[0], 1e-5, 'pred_score');
    closeTo(result.score.normalized, normalized(expected.pred_score.data[0], cal.threshold, cal), 1e-5, 'normalised');
    assert.ok(result.map);
    assert.equal(result.map.width, W / 4);
    assert.equal(result.map.height, H / 4);
    const [lo, hi] = minMax(expected.anomaly_map.data);
    closeTo(result.map.rawMin, lo, 1e-5, 'map min');
    closeTo(result.map.rawMax, hi, 1e-5, 'map max');
    // The map registers with the image: the map's far corner is the image's far corner.
    const [a, b, c, d, e, f] = result.map.toImage;
    closeTo(a * (W / 4) + b * (H / 4) + c, W, 1e-6, 'toImage x');
    closeTo(d * (W / 4) + e * (H / 4) + f, H, 1e-6, 'toImage y');
  });

  test('3-channel model: grey is replicated and normalised per channel', async () => {
    const model = writeRgbModel(dir, { name: 'rgb', height: 32, width: 32 });
    const loaded = await client.loadModel({ manifestPath: model.manifestPath, provider: 'auto' });
    assert.deepEqual(loaded.inputs[0].dims, [1, 3, 32, 32]);
    const result = await client.analyze({ imageId, modelKey: loaded.modelKey });
    const expected = expectedOutputs(model, image);
    closeTo(result.score.raw, expected.pred_score.data[0], 1e-5, 'pred_score');
    // Replication matters: with (grey - mean_c)/std_c per channel the score differs from any single channel's.
    const input = prepareInput(image, model.manifest).tensor;
    assert.notEqual(input[0], input[32 * 32]);
  });

  test('loading an unchanged model again is cached; an edited model gets a new key and the old key is gone', async () => {
    const model = writeReconstructionModel(dir, { name: 'recon-edit', height: H, width: W });
    const first = await client.loadModel({ manifestPath: model.manifestPath, provider: 'auto' });
    const again = await client.loadModel({ manifestPath: model.manifestPath, provider: 'auto' });
    assert.equal(again.modelKey, first.modelKey);
    const later = new Date(Date.now() + 5000);
    utimesSync(model.onnxPath, later, later);
    const edited = await client.loadModel({ manifestPath: model.manifestPath, provider: 'auto' });
    assert.notEqual(edited.modelKey, first.modelKey);
    await client.analyze({ imageId, modelKey: edited.modelKey });
    await assert.rejects(
      client.analyze({ imageId, modelKey: first.modelKey }),
      code('MODEL_NOT_FOUND', /Load the model again/),
    );
  });

  test('a released image is gone: IMAGE_NOT_FOUND tells the caller to decode again', async () => {
    const model = writeReconstructionModel(dir, { name: 'recon-release', height: H, width: W });
    const loaded = await client.loadModel({ manifestPath: model.manifestPath, provider: 'auto' });
    const r = await client.decode({ bytes: png, fileName: 'again.png', limits: LIMITS });
    assert.notEqual(r.imageId, imageId);
    await client.releaseImage({ imageId: r.imageId });
    await assert.rejects(
      client.analyze({ imageId: r.imageId, modelKey: loaded.modelKey }),
      code('IMAGE_NOT_FOUND', /Decode the file again/),
    );
  });

  test('a file that is not an image fails with a decode error code, and the engine keeps serving', async () => {
    await assert.rejects(
      client.decode({ bytes: new TextEncoder().encode('hello, not an image'), fileName: 'fake.png', limits: LIMITS }),
      (e: unknown) => {
        assert.ok(e instanceof XrayError);
        assert.ok(['CORRUPT', 'UNSUPPORTED_FORMAT', 'TRUNCATED'].includes(e.code), e.code);
        return true;
      },
    );
    await assert.rejects(
      client.decode({ bytes: new Uint8Array(0), fileName: 'empty.png', limits: LIMITS }),
      code('EMPTY_FILE'),
    );
    const ok = await client.decode({ bytes: png, fileName: 'pattern.png', limits: LIMITS });
    assert.equal(ok.image.width, W);
  });
});

describe('engine: providers and model errors', () => {
  let client: EngineClient;
  before(() => {
    ({ client } = newClient(enginePath));
  });
  after(() => client.dispose());

  test("'auto' runs on the expected provider (XRAY_EXPECT_PROVIDER); on CPU it lists why CUDA and WebGPU were skipped", async (t) => {
    const model = writeReconstructionModel(dir, { name: 'recon-auto' });
    const loaded = await client.loadModel({ manifestPath: model.manifestPath, provider: 'auto' });
    const unmet = unmetExpectation(loaded, process.env);
    assert.equal(unmet, undefined, unmet);
    if (loaded.provider !== 'cpu') return t.skip(`this machine has a working ${loaded.provider}`);
    assert.equal(loaded.fallbacks.length, 2, loaded.fallbacks.join('\n'));
    assert.match(loaded.fallbacks[0], /^cuda: .*(shared library|not available)/);
    assert.match(loaded.fallbacks[1], /^webgpu: .*adapter/i);
  });

  test("a forced 'cuda' that cannot start is MODEL_LOAD_FAILED naming the provider and 'auto'", async (t) => {
    const model = writeReconstructionModel(dir, { name: 'recon-cuda' });
    if (expectedProvider(process.env) === 'cuda') {
      const forced = await client.loadModel({ manifestPath: model.manifestPath, provider: 'cuda' });
      assert.equal(forced.provider, 'cuda');
      return;
    }
    const auto = await client.loadModel({ manifestPath: model.manifestPath, provider: 'auto' });
    if (auto.provider === 'cuda') return t.skip(`CUDA works on this machine (run with ${EXPECT_PROVIDER_ENV}=cuda)`);
    await assert.rejects(
      client.loadModel({ manifestPath: model.manifestPath, provider: 'cuda' }),
      code('MODEL_LOAD_FAILED', /"cuda" could not start.*"auto"/s),
    );
  });

  test('a file that is not ONNX, or a truncated one, is MODEL_LOAD_FAILED with a readable reason', async () => {
    const garbage = writeBrokenModel(dir, { name: 'broken-garbage' });
    await assert.rejects(
      client.loadModel({ manifestPath: garbage.manifestPath, provider: 'auto' }),
      code('MODEL_LOAD_FAILED', /broken-garbage\.onnx\) is not a usable ONNX model: .*[Pp]rotobuf/),
    );
    const truncated = writeBrokenModel(dir, { name: 'broken-truncated', content: 'truncated' });
    await assert.rejects(
      client.loadModel({ manifestPath: truncated.manifestPath, provider: 'cpu' }),
      code('MODEL_LOAD_FAILED'),
    );
  });

  test('a model whose input does not fit its manifest is MODEL_INPUT_MISMATCH', async () => {
    const model = writeMismatchedModel(dir, { name: 'mismatch' });
    await assert.rejects(
      client.loadModel({ manifestPath: model.manifestPath, provider: 'auto' }),
      code('MODEL_INPUT_MISMATCH'),
    );
  });

  test('missing files and invalid manifests have their own codes', async () => {
    await assert.rejects(
      client.loadModel({ manifestPath: join(dir, 'nope.model.json'), provider: 'auto' }),
      code('MODEL_NOT_FOUND'),
    );
    const model = writeReconstructionModel(dir, { name: 'no-onnx', manifest: { onnx: 'missing.onnx' } });
    rmSync(model.onnxPath);
    await assert.rejects(
      client.loadModel({ manifestPath: model.manifestPath, provider: 'auto' }),
      code('MODEL_NOT_FOUND', /missing\.onnx/),
    );
    const bad = join(dir, 'bad.model.json');
    writeFileSync(bad, '{ "schema": "xray-anomaly-model/1", "id": ');
    await assert.rejects(client.loadModel({ manifestPath: bad, provider: 'auto' }), code('MODEL_INVALID'));
  });

  test('the env override of the auto order reaches the engine (diagnostics)', async () => {
    const { client: c2 } = newClient(enginePath, { env: { [PROVIDER_ORDER_ENV]: 'cpu' } });
    try {
      const model = writeReconstructionModel(dir, { name: 'recon-order' });
      const loaded = await c2.loadModel({ manifestPath: model.manifestPath, provider: 'auto' });
      assert.equal(loaded.provider, 'cpu');
      assert.deepEqual(loaded.fallbacks, []);
    } finally {
      c2.dispose();
    }
  });
});

describe('engine: crash isolation, restart, timeouts, shutdown', () => {
  test('a native crash mid-analyze fails the request with ENGINE_CRASHED; the next requests restart the engine', async () => {
    const { client, logs } = newClient(enginePath, { env: { [TEST_HOOKS_ENV]: '1' } });
    try {
      const stops: EngineStop[] = [];
      client.onDidCrash((e) => stops.push(e));
      const model = writeReconstructionModel(dir, { name: 'recon-crash', height: H, width: W });
      const { imageId } = await client.decode({ bytes: png, fileName: 'p.png', limits: LIMITS });
      const loaded = await client.loadModel({ manifestPath: model.manifestPath, provider: 'auto' });
      const firstPid = client.startInfo!.pid;
      const generation = client.generation;

      await client.debugRequest('__arm', { stage: 'analyze', action: 'abort' });
      const decodeDuring = client.decode({ bytes: png, fileName: 'p.png', limits: LIMITS }).then(
        () => 'ok',
        (e: unknown) => (e as XrayError).code,
      );
      await assert.rejects(
        client.analyze({ imageId, modelKey: loaded.modelKey }),
        code('ENGINE_CRASHED', /stopped unexpectedly \(signal SIGABRT\).*next request restarts it/),
      );
      // The decode sent alongside either finished first or failed the same way; it never hangs.
      assert.ok(['ok', 'ENGINE_CRASHED'].includes(await decodeDuring));
      assert.equal(stops.length, 1);
      assert.equal(stops[0].reason, 'crash');
      assert.equal(stops[0].signal, 'SIGABRT');
      assert.equal(isAlive(firstPid), false);
      assert.ok(logs.some((l) => l.level === 'error' && /stopped unexpectedly/.test(l.message)));

      // What the old engine held is gone, with codes the caller can act on.
      await assert.rejects(client.analyze({ imageId, modelKey: loaded.modelKey }), code('MODEL_NOT_FOUND'));
      assert.equal(client.generation, generation + 1);
      assert.notEqual(client.startInfo!.pid, firstPid);
      const again = await client.loadModel({ manifestPath: model.manifestPath, provider: 'auto' });
      await assert.rejects(client.analyze({ imageId, modelKey: again.modelKey }), code('IMAGE_NOT_FOUND'));
      const fresh = await client.decode({ bytes: png, fileName: 'p.png', limits: LIMITS });
      const result = await client.analyze({ imageId: fresh.imageId, modelKey: again.modelKey });
      assert.ok(Number.isFinite(result.score.raw));
    } finally {
      client.dispose();
    }
  });

  test('a segfault in the engine (no request in flight) is reported and recovered from', async () => {
    const { client } = newClient(enginePath, { env: { [TEST_HOOKS_ENV]: '1' } });
    try {
      const stopped = new Promise<EngineStop>((resolve) => client.onDidCrash(resolve));
      await client.info();
      await assert.rejects(client.debugRequest('__crash', { action: 'segv' }), code('ENGINE_CRASHED', /SIGSEGV/));
      assert.equal((await stopped).signal, 'SIGSEGV');
      const info = await client.info();
      assert.ok(info.pid > 0);
    } finally {
      client.dispose();
    }
  });

  test('a hung engine times out with ENGINE_TIMEOUT, is stopped, and the next request gets a new one', async () => {
    const { client } = newClient(enginePath, { env: { [TEST_HOOKS_ENV]: '1' }, timeouts: { analyze: 1500 } });
    try {
      const stops: EngineStop[] = [];
      client.onDidCrash((e) => stops.push(e));
      const model = writeReconstructionModel(dir, { name: 'recon-hang', height: H, width: W });
      const { imageId } = await client.decode({ bytes: png, fileName: 'p.png', limits: LIMITS });
      const loaded = await client.loadModel({ manifestPath: model.manifestPath, provider: 'auto' });
      const pid = client.startInfo!.pid;
      await client.debugRequest('__arm', { stage: 'analyze', action: 'hang' });
      const started = Date.now();
      await assert.rejects(
        client.analyze({ imageId, modelKey: loaded.modelKey }),
        code('ENGINE_TIMEOUT', /within 2 s/),
      );
      // It waited for its timeout (1.5 s) rather than failing for another reason first; the hang itself never ends.
      assert.ok(Date.now() - started >= 1400, `rejected after ${Date.now() - started} ms`);
      await waitUntil(() => !isAlive(pid), 'the hung engine was killed');
      assert.equal(stops[0]?.reason, 'timeout');
      const info = await client.info();
      assert.notEqual(info.pid, pid);
    } finally {
      client.dispose();
    }
  });

  test('test hooks are off unless the env enables them', async () => {
    const { client } = newClient(enginePath);
    try {
      await assert.rejects(
        client.debugRequest('__crash', { action: 'abort' }),
        code('INTERNAL', /does not know the request "__crash"/),
      );
      assert.ok((await client.info()).pid > 0);
    } finally {
      client.dispose();
    }
  });

  test('an engine that cannot start fails the request with ENGINE_CRASHED and reports it', async () => {
    const { client } = newClient(join(dir, 'no-such-engine.js'));
    const stops: EngineStop[] = [];
    client.onDidCrash((e) => stops.push(e));
    try {
      await assert.rejects(client.info(), code('ENGINE_CRASHED', /failed to start/));
      assert.equal(stops[0]?.reason, 'start-failed');
      assert.ok(stops[0].stderrTail.some((l) => /Cannot find module/.test(l)));
    } finally {
      client.dispose();
    }
  });

  test('dispose stops the engine and refuses later requests with CANCELLED', async () => {
    const { client } = newClient(enginePath);
    await client.info();
    const pid = client.startInfo!.pid;
    const pending = client.decode({ bytes: png, fileName: 'p.png', limits: LIMITS }).catch((e: unknown) => e);
    client.dispose();
    const outcome = await pending;
    assert.ok(
      !(outcome instanceof Error) || (outcome instanceof XrayError && outcome.code === 'CANCELLED'),
      String(outcome),
    );
    await assert.rejects(client.info(), code('CANCELLED'));
    await waitUntil(() => !isAlive(pid), 'the disposed engine exited');
  });
});
