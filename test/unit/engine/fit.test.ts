// Fitting in the real engine process: progress notifications routed by job id, the written model loads
// and analyses in the same engine, cancellation leaves nothing, and bad requests fail clearly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { XrayError } from '../../../src/core/errors';
import { EMBEDDING_OUTPUT } from '../../../src/core/similar/tap';
import type { EngineClient } from '../../../src/engine/client';
import { BACKBONE_ENV } from '../../../src/engine/fitJobs';
import type { EngineNotifications, FitRequest } from '../../../src/protocol/engine';
import { PALM_BLOB, writePhantoms, writeRealBackbone, writeTinyBackbone } from '../fit/phantoms';
import { bundleEngine, LIMITS, newClient, tempDir } from './helpers';

let client: EngineClient;
let dir: string;
let normals: string[];
let many: string[];
let realBackbone: string;
const cleanups: (() => void)[] = [];

before(async () => {
  const bundle = await bundleEngine();
  const tmp = tempDir('engine-fit');
  dir = tmp.dir;
  cleanups.push(bundle.cleanup, tmp.cleanup);
  // The engine's default backbone is the tiny one here; tests that need the real one name it.
  client = newClient(bundle.enginePath, { env: { [BACKBONE_ENV]: writeTinyBackbone(join(dir, 'tiny')) } }).client;
  normals = (await writePhantoms(join(dir, 'normal'), 16, (i) => ({ seed: 300 + i }))).map((p) => p.path);
  many = (await writePhantoms(join(dir, 'many'), 48, (i) => ({ seed: 400 + i, width: 256, height: 320 }))).map(
    (p) => p.path,
  );
  realBackbone = writeRealBackbone(join(dir, 'real'), 224);
});

after(() => {
  client.dispose();
  cleanups.forEach((c) => c());
});

/** Distinct job ids without randomness (a counter per test process). */
let jobs = 0;
function req(over: Partial<FitRequest>): FitRequest {
  return {
    jobId: `job-auto-${++jobs}`,
    files: normals,
    outDir: dir,
    modelId: 'fitted',
    limits: LIMITS,
    coresetRatio: 0.05,
    ...over,
  };
}

test('fit streams progress for its job, writes one model that the same engine then loads and analyses', async () => {
  const out = join(dir, 'out1');
  mkdirSync(out);
  const seen: EngineNotifications['fitProgress'][] = [];
  const result = await client.fit(req({ jobId: 'job-1', outDir: out, name: 'Phantom detector' }), (p) => seen.push(p));
  assert.ok(seen.length >= 4 && seen.every((p) => p.jobId === 'job-1'));
  assert.equal(seen.at(-1)!.fraction, 1);
  assert.ok(seen.some((p) => p.stage === 'coreset'));
  assert.deepEqual(readdirSync(out).sort(), ['fitted.model.json', 'fitted.onnx']);
  assert.equal(result.images.used, 16);
  const manifest = JSON.parse(readFileSync(result.manifestPath, 'utf8'));
  assert.equal(manifest.name, 'Phantom detector');

  const loaded = await client.loadModel({ manifestPath: result.manifestPath, provider: 'cpu' });
  // The file other runtimes load keeps exactly the product's two outputs; the engine's session adds the
  // backbone tap that "more like this" reads (core/similar/tap.ts), and only there.
  const shipped = await ort.InferenceSession.create(result.onnxPath);
  assert.deepEqual([...shipped.outputNames].sort(), ['anomaly_map', 'pred_score']);
  await shipped.release();
  assert.deepEqual([...loaded.outputs].sort(), ['anomaly_map', 'pred_score', EMBEDDING_OUTPUT]);
  const [blob] = await writePhantoms(join(dir, 'probe'), 1, () => ({
    seed: 999,
    blob: { ...PALM_BLOB, kind: 'bright' },
  }));
  const d = await client.decode({ bytes: readFileSync(blob.path), fileName: 'blob.png', limits: LIMITS });
  const a = await client.analyze({ imageId: d.imageId, modelKey: loaded.modelKey });
  assert.ok(a.score.aboveThreshold, `planted blob ${a.score.raw} vs threshold ${a.score.threshold}`);
  assert.ok(a.map && a.map.width === 64);
});

test('cancelFit stops a running fit with CANCELLED and nothing is written; the engine keeps serving', async () => {
  const out = join(dir, 'out2');
  mkdirSync(out);
  let asked = false;
  await assert.rejects(
    client.fit(req({ jobId: 'job-cancel', outDir: out, files: many, backboneManifestPath: realBackbone }), (p) => {
      if (p.stage === 'features' && !asked) {
        asked = true;
        void client.cancelFit('job-cancel');
      }
    }),
    (e: unknown) => e instanceof XrayError && e.code === 'CANCELLED',
  );
  assert.ok(asked);
  assert.deepEqual(readdirSync(out), []);
  await client.cancelFit('no-such-job');
  const info = await client.info();
  assert.ok(info.pid > 0);
});

test('a second fit waits for the first; a duplicate job id and bad requests are refused clearly', async () => {
  const out = join(dir, 'out3');
  mkdirSync(out);
  // One log of both fits' progress, in arrival order: if the second ran alongside the first, their
  // events would interleave.
  const events: string[] = [];
  const log = (p: EngineNotifications['fitProgress']) => events.push(`${p.jobId} ${p.stage} ${p.fraction}`);
  const first = client.fit(req({ jobId: 'job-a', outDir: out, modelId: 'a' }), log);
  await assert.rejects(client.fit(req({ jobId: 'job-a', outDir: out, modelId: 'a2' })), /already running/);
  const second = client.fit(req({ jobId: 'job-b', outDir: out, modelId: 'b' }), log);
  const [ra, rb] = await Promise.all([first, second]);
  assert.ok(ra.fitMs > 0 && rb.fitMs > 0);
  const lastOfA = events.map((e) => e.startsWith('job-a ')).lastIndexOf(true);
  const firstOfB = events.findIndex((e) => e.startsWith('job-b '));
  assert.ok(lastOfA >= 0 && firstOfB >= 0, `both fits reported progress:\n${events.join('\n')}`);
  assert.ok(lastOfA < firstOfB, `the fits overlapped:\n${events.join('\n')}`);
  assert.ok(events[lastOfA].endsWith(' 1'), `the first fit had finished when the second began: ${events[lastOfA]}`);
  assert.deepEqual(readdirSync(out).sort(), ['a.model.json', 'a.onnx', 'b.model.json', 'b.onnx']);
  await assert.rejects(
    client.fit(req({ jobId: 'job-c', outDir: out, files: [] })),
    (e: unknown) => e instanceof XrayError && e.code === 'EMPTY_FILE',
  );
  await assert.rejects(
    client.fit(req({ jobId: 'job-d', outDir: out, modelId: 'a' })),
    (e: unknown) => e instanceof XrayError && e.code === 'MODEL_INVALID' && /already exists/.test(e.message),
  );
  await assert.rejects(
    client.fit(req({ jobId: 'job-e', outDir: out, backboneManifestPath: join(dir, 'missing.backbone.json') })),
    (e: unknown) => e instanceof XrayError && e.code === 'MODEL_NOT_FOUND',
  );
});
