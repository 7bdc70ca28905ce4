/** The exported single ONNX file (real backbone + fitted head) scores exactly as the in-memory detector. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeImage } from '../../../src/core/decode/index';
import { FeatureExtractor } from '../../../src/core/fit/backbone';
import { DEFAULT_RECIPE, fitTrainingSet, scoreWithDetector, TrainingSet } from '../../../src/core/fit/detector';
import { exportDetector } from '../../../src/core/fit/export';
import type { FeatureMaps } from '../../../src/core/fit/features';
import { parseBackboneManifest } from '../../../src/core/model/backbone';
import { parseManifest } from '../../../src/core/model/validate';
import { prepareInput } from '../../../src/core/preprocess/pipeline';
import { ortCompute } from '../../../src/engine/ortCompute';
import { PALM_BLOB, writePhantoms, writeRealBackbone } from './phantoms';

const be = ortCompute({ threads: 1 });
const work = mkdtempSync(join(tmpdir(), 'export-'));
after(async () => {
  await be.release();
  rmSync(work, { recursive: true, force: true });
});

test('pred_score of the exported file equals the in-memory score within 1e-4; the map is the standardised patch distance map', async () => {
  const bbPath = writeRealBackbone(join(work, 'bb'), 128);
  const backbone = parseBackboneManifest(readFileSync(bbPath, 'utf8'), bbPath);
  const bytes = readFileSync(join(work, 'bb', backbone.onnx));
  const fx = await FeatureExtractor.open(be, backbone, bytes, 'bb');
  assert.deepEqual(fx.shape, { c: 384, h: 8, w: 8, stride: 16 });
  const manifestLike = { input: backbone.input, preprocessing: backbone.preprocessing };
  const inputs = async (files: { path: string }[]) => {
    const size = 3 * 128 * 128;
    const x = new Float32Array(files.length * size);
    for (let i = 0; i < files.length; i++)
      x.set(
        prepareInput(await decodeImage(readFileSync(files[i].path), files[i].path), manifestLike as never).tensor,
        i * size,
      );
    return x;
  };
  const train = await writePhantoms(join(work, 'train'), 16, (i) => ({ seed: 10 + i }));
  const cal = await writePhantoms(join(work, 'cal'), 4, (i) => ({ seed: 50 + i }));
  const probe = await writePhantoms(join(work, 'probe'), 4, (i) => ({
    seed: 70 + i,
    blob: i % 2 ? { ...PALM_BLOB, kind: 'bright' } : undefined,
  }));
  const recipe = { ...DEFAULT_RECIPE, local: { ...DEFAULT_RECIPE.local, coresetRatio: 0.05 } };
  const set = new TrainingSet(recipe, 16);
  await set.add(be, await fx.run(await inputs(train), train.length));
  const calMaps: FeatureMaps = await fx.run(await inputs(cal), cal.length);
  const det = await fitTrainingSet(be, set, [calMaps]);
  const probeInput = await inputs(probe);
  const probeMaps = await fx.run(probeInput, probe.length);
  const mem = await scoreWithDetector(be, det, [probeMaps], { keepMaps: true });

  const model = exportDetector(det, backbone, bytes, {
    id: 'x',
    name: 'x',
    stride: 16,
    images: { training: 16, calibration: 4, skipped: 0 },
    source: 'phantoms',
    fitSeconds: 1,
    fittedAt: '2025-01-01T00:00:00.000Z',
  });
  parseManifest(JSON.stringify(model.manifest), 'x.model.json');
  const session = await ort.InferenceSession.create(model.onnx, { intraOpNumThreads: 1 });
  assert.deepEqual([...session.outputNames].sort(), ['anomaly_map', 'pred_score']);
  assert.deepEqual([...session.inputNames], ['input']);
  const out = await session.run({ input: new ort.Tensor('float32', probeInput, [4, 3, 128, 128]) });
  const score = out.pred_score.data as Float32Array;
  for (let i = 0; i < 4; i++)
    assert.ok(
      Math.abs(score[i] - mem.score[i]) <= 1e-4 * Math.max(1, Math.abs(mem.score[i])),
      `image ${i}: exported ${score[i]} vs in-memory ${mem.score[i]}`,
    );
  assert.ok(score[1] > score[0] && score[3] > score[2], 'the planted blobs score higher');
  assert.deepEqual(out.anomaly_map.dims, [4, 1, 128, 128]);

  // The map at each cell centre tracks the standardised in-memory patch distance (smoothing blurs it a little).
  const map = out.anomaly_map.data as Float32Array;
  const { mean, sd } = det.mapStd!;
  const img = 1;
  const cells = mem.maps!.subarray(img * 64, (img + 1) * 64);
  const peakCell = cells.indexOf(Math.max(...cells));
  const cy = Math.floor(peakCell / 8) * 16 + 8;
  const cx = (peakCell % 8) * 16 + 8;
  const atPeak = map[img * 128 * 128 + cy * 128 + cx];
  assert.ok(
    Math.abs(atPeak - (cells[peakCell] - mean) / sd) < 0.5 * Math.abs((cells[peakCell] - mean) / sd),
    `map ${atPeak} at the peak cell vs ${(cells[peakCell] - mean) / sd}`,
  );
  await session.release();
});
