/**
 * The planted benchmark's machinery with a real model: a detector fitted (the product's fit, the real
 * MobileNetV2 at 128 px) on a dozen hand phantoms; anomalies planted into new phantoms; the map of the
 * written model, on the image's grid, must point at each planted region, and the score must rise.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage } from '../../../src/core/decode/index';
import { f32 } from '../../../src/core/fit/compute';
import { fitModel, type FitIO } from '../../../src/core/fit/fitModel';
import { DEFAULT_DECODE_LIMITS, type XrayImage } from '../../../src/core/image/types';
import type { ModelManifest } from '../../../src/core/model/manifest';
import { parseManifest } from '../../../src/core/model/validate';
import { pixelScores, pointingHit } from '../../../src/core/planted/localise';
import { plantAnomaly, type PlantKind } from '../../../src/core/planted/plant';
import { prepareInput, prepareInputs } from '../../../src/core/preprocess/pipeline';
import { mapOnImage } from '../../../src/core/scoring/onImage';
import { scoreOutputs, type OutputTensors } from '../../../src/core/scoring/postprocess';
import { nodeFitFiles } from '../../../src/engine/fitJobs';
import { ortCompute } from '../../../src/engine/ortCompute';
import { writePhantoms, writeRealBackbone } from '../fit/phantoms';

const compute = ortCompute({ threads: 1 });
let work: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'planted-'));
});
after(async () => {
  await compute.release();
  rmSync(work, { recursive: true, force: true });
});

test('a detector fitted on phantoms points at anomalies planted into new ones, and scores them higher', async () => {
  const backbone = writeRealBackbone(join(work, 'bb'), 128);
  const normals = await writePhantoms(join(work, 'normals'), 12, (i) => ({ seed: 400 + i }));
  const out = join(work, 'out');
  mkdirSync(out);
  const io: FitIO = {
    files: nodeFitFiles(),
    decode: (b, p, l) => decodeImage(b, p, l),
    prepare: (image, m) => prepareInputs(image, m as Parameters<typeof prepareInputs>[1]),
    compute,
    defaultBackbonePath: backbone,
    date: () => new Date('2025-01-01T00:00:00Z'),
  };
  const fit = await fitModel(
    {
      jobId: 'planted',
      files: normals.map((n) => n.path),
      outDir: out,
      modelId: 'planted',
      limits: DEFAULT_DECODE_LIMITS,
    },
    io,
  );
  const manifest: ModelManifest = parseManifest(readFileSync(fit.manifestPath, 'utf8'), fit.manifestPath);
  const onnx = new Uint8Array(readFileSync(fit.onnxPath));
  const score = async (image: XrayImage) => {
    const prepared = prepareInput(image, manifest);
    const res = await compute.run('planted', () => onnx, {
      [manifest.input.name]: f32(prepared.tensor, [...prepared.dims]),
    });
    const r = scoreOutputs(res as unknown as OutputTensors, prepared, manifest);
    return {
      raw: r.score.raw,
      map: { width: image.width, height: image.height, values: mapOnImage(r.map!, image.width, image.height) },
    };
  };

  const probes = await writePhantoms(join(work, 'probe'), 3, (i) => ({ seed: 800 + i }));
  // On the palm (where the fit's own lesion tests put theirs), 3% of the image: about a map cell across.
  const cases: { kind: PlantKind; contrast: number }[] = [
    { kind: 'metal', contrast: 1 },
    { kind: 'lytic', contrast: 0.9 },
    { kind: 'sclerotic', contrast: 0.9 },
    { kind: 'missing', contrast: 0.9 },
  ];
  for (const p of probes) {
    const image = await decodeImage(readFileSync(p.path), p.path);
    const original = await score(image);
    for (const [k, c] of cases.entries()) {
      const planted = plantAnomaly(image, { ...c, area: 0.03, seed: 17 + k, at: { x: 0.45, y: 0.55 } });
      const s = await score(planted.image);
      const what = `${p.path} ${c.kind}`;
      // Half a backbone patch (8 of 128 px) of tolerance: the map is 8x8 cells, upsampled.
      assert.ok(pointingHit(s.map, planted.region, 8 / 128), `${what}: the map's peak is not on the planted region`);
      assert.ok(s.raw > original.raw, `${what}: score ${s.raw} not above the original's ${original.raw}`);
      const px = pixelScores(s.map, planted.region)!;
      assert.ok(px.auroc > 0.8, `${what}: pixel AUROC ${px.auroc}`);
    }
  }
});
