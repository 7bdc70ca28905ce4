/**
 * Fitting from image files to a written model (core orchestration with the real decoder, pipeline,
 * onnxruntime and file system): planted anomalies, the written file in a plain onnxruntime session,
 * mixed sizes, unreadable files, bad backbones, cancellation and failed writes leaving nothing behind.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { decodeImage } from '../../../src/core/decode/index';
import { XrayError } from '../../../src/core/errors';
import {
  fitModel,
  MIN_FIT_IMAGES,
  mirrorTensor,
  type FitFiles,
  type FitIO,
  type FitModelProgress,
  type FitModelRequest,
} from '../../../src/core/fit/fitModel';
import { FINE_CONTRAST } from '../../../src/core/fit/detector';
import { rocAuc } from '../../../src/core/metrics/roc';
import { fitPipelineSpec } from '../../../src/core/fit/pipelines';
import { DEFAULT_DECODE_LIMITS } from '../../../src/core/image/types';
import { applyAffine } from '../../../src/core/image/types';
import { checkModelIO, parseManifest } from '../../../src/core/model/validate';
import { prepareInput, prepareInputs } from '../../../src/core/preprocess/pipeline';
import { scoreOutputs } from '../../../src/core/scoring/postprocess';
import { nodeFitFiles } from '../../../src/engine/fitJobs';
import { ortCompute } from '../../../src/engine/ortCompute';
import { PALM_BLOB, writePhantoms, writeRealBackbone, writeTinyBackbone } from './phantoms';

let work: string;
let realBackbone: string;
let tinyBackbone: string;
let normals: string[];
const compute = ortCompute({ threads: 1 });

function io(files: FitFiles = nodeFitFiles(), defaultBackbonePath = realBackbone): FitIO {
  return {
    files,
    decode: (b, p, l) => decodeImage(b, p, l),
    prepare: (image, m) => prepareInputs(image, m as Parameters<typeof prepareInputs>[1]),
    compute,
    defaultBackbonePath,
    date: () => new Date('2025-01-01T00:00:00Z'),
  };
}

/** Distinct job ids without randomness (a counter per test process). */
let jobs = 0;
function request(over: Partial<FitModelRequest> = {}): FitModelRequest {
  return {
    jobId: `t${++jobs}`,
    files: normals,
    outDir: join(work, 'out'),
    modelId: 'phantom-detector',
    overwrite: true,
    coresetRatio: 0.05,
    limits: DEFAULT_DECODE_LIMITS,
    ...over,
  };
}

const isCode = (code: string) => (e: unknown) => e instanceof XrayError && e.code === code;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'fit-'));
  realBackbone = writeRealBackbone(join(work, 'bb-real'), 128);
  tinyBackbone = writeTinyBackbone(join(work, 'bb-tiny'));
  // Mixed sizes: the pipeline resizes every phantom to the backbone's input.
  const sizes = [
    [128, 160],
    [160, 200],
    [112, 140],
    [144, 144],
  ];
  normals = (
    await writePhantoms(join(work, 'normal'), 20, (i) => ({
      seed: 100 + i,
      width: sizes[i % 4][0],
      height: sizes[i % 4][1],
    }))
  ).map((x) => x.path);
  writeFileSync(join(work, 'out-placeholder'), '');
  rmSync(join(work, 'out-placeholder'));
  readdirSync(work);
});

after(async () => {
  await compute.release();
  rmSync(work, { recursive: true, force: true });
});

function outDir(name: string): string {
  const d = join(work, name);
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  return d;
}

test('planted bright and dark blobs rank above every normal, and the map of the written model lights up where they are', async () => {
  const out = outDir('planted');
  const progress: FitModelProgress[] = [];
  const result = await fitModel(request({ outDir: out }), io(), { onProgress: (p) => progress.push(p) });
  assert.deepEqual(readdirSync(out).sort(), ['phantom-detector.model.json', 'phantom-detector.onnx']);
  assert.equal(result.images.used, 20);
  // No hold-out: every image is fitted on, and every image calibrates by cross-fitting.
  assert.equal(result.images.calibration, 0);
  assert.equal(result.calibration.method, 'cross-fit');
  assert.equal(result.calibration.images, 20);
  assert.equal(result.calibration.rank, 20, '⌈21 x 0.95⌉');
  assert.equal(result.calibration.warning, undefined, '20 images are enough not to be warned');
  assert.ok(Math.abs(result.calibration.falseAlarm.expected - 1 / 21) < 1e-12);
  assert.ok(result.memoryBank.rows > 0 && result.memoryBank.dims === 384);

  // Progress: stages in order, fraction never decreasing, ending at 1, an ETA on the way.
  const order = ['reading', 'features', 'gaussian', 'coreset', 'calibrate', 'export'];
  for (let i = 1; i < progress.length; i++) {
    assert.ok(
      order.indexOf(progress[i].stage) >= order.indexOf(progress[i - 1].stage),
      `${progress[i - 1].stage} -> ${progress[i].stage}`,
    );
    assert.ok(progress[i].fraction >= progress[i - 1].fraction);
  }
  assert.equal(progress.at(-1)!.fraction, 1);
  assert.deepEqual([...new Set(progress.map((p) => p.stage))], order);

  // The written pair is a valid model; the ONNX runs in a plain onnxruntime session.
  const manifestPath = join(out, 'phantom-detector.model.json');
  const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
  assert.deepEqual(manifest.outputs, { anomalyMap: 'anomaly_map', score: 'pred_score' });
  assert.equal(manifest.calibration.threshold, result.threshold);
  assert.match(
    manifest.calibration.source ?? '',
    /^Threshold for 95% specificity: the highest of 20 cross-fitted scores of normal images, each scored by a detector fitted without its patient group \(20 groups; Gaussian refitted 20 times/,
  );
  assert.match(
    manifest.calibration.source ?? '',
    /expected false alarms: about 4\.8% of normal images \(between 0\.3% and 14% in 9 fits out of 10\)\.$/,
  );
  const session = await ort.InferenceSession.create(join(out, manifest.onnx), { intraOpNumThreads: 1 });
  assert.deepEqual([...session.outputNames].sort(), ['anomaly_map', 'pred_score']);
  checkModelIO(manifest, {
    inputs: [{ name: session.inputNames[0], dims: ['N', 3, 'H', 'W'] }],
    outputs: [...session.outputNames],
  });

  // Score unseen phantoms as the extension does: decode -> manifest pipeline -> session -> scoreOutputs.
  const testDir = join(work, 'test-planted');
  const tests = [
    ...(await writePhantoms(testDir, 6, (i) => ({ seed: 900 + i }), 'n')),
    ...(await writePhantoms(testDir, 3, (i) => ({ seed: 950 + i, blob: { ...PALM_BLOB, kind: 'bright' } }), 'b')),
    ...(await writePhantoms(testDir, 3, (i) => ({ seed: 960 + i, blob: { ...PALM_BLOB, kind: 'dark' } }), 'd')),
  ];
  const scores: number[] = [];
  const labels: boolean[] = [];
  for (const t of tests) {
    const image = await decodeImage(readFileSync(t.path), t.path);
    const prepared = prepareInput(image, manifest);
    const res = await session.run({
      [manifest.input.name]: new ort.Tensor('float32', prepared.tensor, [...prepared.dims]),
    });
    const outputs = Object.fromEntries(
      Object.entries(res).map(([k, v]) => [k, { data: v.data as Float32Array, dims: v.dims.map(Number) }]),
    );
    const scored = scoreOutputs(outputs, prepared, manifest);
    scores.push(scored.score.raw);
    labels.push(t.phantom.blob !== undefined);
    if (t.phantom.blob) {
      assert.ok(
        scored.score.aboveThreshold,
        `${t.path}: planted blob scores ${scored.score.raw} above threshold ${manifest.calibration.threshold}`,
      );
      // The peak of the raw map: the displayed one is clamped at 1, so its first maximum is just the
      // first saturated pixel.
      const map = scored.map!;
      const raw = outputs.anomaly_map.data;
      const peak = raw.indexOf(Math.max(...raw));
      const [x, y] = applyAffine(map.toImage, (peak % map.width) + 0.5, Math.floor(peak / map.width) + 0.5);
      const { x: bx, y: by, r } = t.phantom.blob;
      assert.ok(
        Math.hypot(x - bx, y - by) <= 2 * r,
        `${t.path}: map peak at (${x.toFixed(0)}, ${y.toFixed(0)}), blob at (${bx.toFixed(0)}, ${by.toFixed(0)}) r ${r.toFixed(0)}`,
      );
    }
  }
  assert.equal(rocAuc(scores, labels), 1, `scores ${scores.map((s) => s.toFixed(2))}`);
  await session.release();
});

test('unreadable files are skipped and reported with path, code and message; the fit goes on', async () => {
  const out = outDir('skips');
  const text = join(work, 'notes.png');
  writeFileSync(text, 'this is not an image');
  const empty = join(work, 'empty.jpg');
  writeFileSync(empty, '');
  const missing = join(work, 'gone.png');
  const r = await fitModel(
    request({ outDir: out, files: [...normals, text, empty, missing], backboneManifestPath: tinyBackbone }),
    io(),
  );
  assert.equal(r.images.used, 20);
  assert.deepEqual(r.images.skipped.map((s) => s.path).sort(), [empty, missing, text].sort());
  const byPath = new Map(r.images.skipped.map((s) => [s.path, s]));
  assert.equal(byPath.get(empty)!.code, 'EMPTY_FILE');
  assert.equal(byPath.get(missing)!.code, 'ENOENT');
  assert.match(byPath.get(missing)!.message, /gone\.png cannot be read: it does not exist/);
  assert.match(byPath.get(text)!.message, /notes\.png/);
  const manifest = JSON.parse(readFileSync(r.manifestPath, 'utf8'));
  assert.equal(manifest.metadata.fit.images.skipped, 3);
});

test('an empty list, too few images and an all-unreadable folder fail clearly, and nothing is written', async () => {
  const out = outDir('empty');
  await assert.rejects(
    fitModel(request({ outDir: out, files: [] }), io()),
    (e: unknown) => isCode('EMPTY_FILE')(e) && /no images/.test((e as Error).message),
  );
  // Fewer files than the minimum: said in numbers before anything is read (not "fewer than 10 of 9 can be read").
  await assert.rejects(
    fitModel(request({ outDir: out, files: normals.slice(0, MIN_FIT_IMAGES - 1) }), io()),
    (e: unknown) =>
      isCode('EMPTY_FILE')(e) &&
      /^9 images found, at least 10 needed: .*mirrored copies do not count/.test((e as Error).message),
  );
  const junk = Array.from({ length: 12 }, (_, i) => {
    const p = join(work, `junk${i}.dcm`);
    writeFileSync(p, `junk ${i}`);
    return p;
  });
  await assert.rejects(
    fitModel(request({ outDir: out, files: [...junk, ...normals.slice(0, 3)] }), io()),
    (e: unknown) =>
      isCode('EMPTY_FILE')(e) &&
      /fewer than 10 of 15 can be read \(\d+ unreadable so far, e\.g\. junk\d+\.dcm is not a readable DICOM file/.test(
        (e as Error).message,
      ),
  );
  assert.deepEqual(readdirSync(out), []);
});

test('hand pipeline with mirrored copies: fitted on 2n pictures, calibrated on the n originals; the manifest carries the pipeline', async () => {
  const out = outDir('mirror');
  const files = normals.slice(0, 12);
  const r = await fitModel(request({ outDir: out, files, pipeline: 'hand', mirror: true }), io());
  assert.equal(r.images.used, 12);
  assert.equal(r.images.mirrored, 12);
  assert.equal(r.calibration.method, 'cross-fit');
  assert.equal(r.calibration.images, 12, 'the copies never calibrate');
  assert.equal(r.preprocessing?.pipeline, 'hand');
  const manifest = JSON.parse(readFileSync(r.manifestPath, 'utf8'));
  const bb = JSON.parse(readFileSync(realBackbone, 'utf8'));
  assert.deepEqual(manifest.preprocessing, fitPipelineSpec('hand', bb.input, bb.preprocessing));
  assert.equal(manifest.metadata.fit.images.training, 24, 'originals and copies fitted on');
  assert.match(manifest.provenance, /12 of the training images are mirrored copies\), preprocessing 'hand'/);
  // Every unusual image named is one of the files (a copy is named by its original).
  for (const u of r.calibration.mostUnusual ?? []) assert.ok(files.includes(u.path), u.path);
  await assert.rejects(
    fitModel(request({ outDir: out, pipeline: 'knee' as never }), io()),
    /preprocessing must be one of/,
  );
});

test('mirrorTensor flips every channel left-right', () => {
  const t = Float32Array.from({ length: 2 * 2 * 3 }, (_, i) => i);
  assert.deepEqual(Array.from(mirrorTensor(t, 2, 2, 3)), [2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9]);
});

test('a backbone that does not fit its manifest is refused before any image is read, with every reason', async () => {
  const out = outDir('bad-backbone');
  let imageReads = 0;
  const counting: FitFiles = {
    ...nodeFitFiles(),
    readFile: (p, max) => ((imageReads += p.endsWith('.png') ? 1 : 0), nodeFitFiles().readFile(p, max)),
  };
  const cases: [string, RegExp][] = [
    [
      writeTinyBackbone(join(work, 'bb-notap'), { tap: 'block_99' }),
      /tap 'block_99' is not a tensor of the ONNX file \(its outputs: 'feat'\)/,
    ],
    [
      writeTinyBackbone(join(work, 'bb-name'), { inputName: 'pixels' }),
      /input 'pixels' is not an input of the ONNX file \(its inputs: 'image'\)/,
    ],
    [
      writeTinyBackbone(join(work, 'bb-fixed'), { fixedInput: 96, size: 64 }),
      /expects 96x96 pixels \(width x height\) but the manifest says 64x64/,
    ],
    [
      writeTinyBackbone(join(work, 'bb-chan'), { channels: 1 }),
      /the network expects 3 channel\(s\) but the manifest says input.channels = 1/,
    ],
    [writeTinyBackbone(join(work, 'bb-stride'), { size: 60 }), /input size must be the same whole multiple/],
  ];
  for (const [manifest, reason] of cases) {
    await assert.rejects(
      fitModel(request({ outDir: out, backboneManifestPath: manifest }), io(counting)),
      (e: unknown) => isCode('MODEL_INPUT_MISMATCH')(e) && reason.test((e as Error).message),
      String(reason),
    );
  }
  const garbage = join(work, 'bb-garbage');
  mkdirSync(garbage);
  writeFileSync(join(garbage, 'x.onnx'), 'not onnx');
  writeFileSync(
    join(garbage, 'x.backbone.json'),
    JSON.stringify({
      schema: 'xray-anomaly-backbone/1',
      id: 'x',
      name: 'x',
      onnx: 'x.onnx',
      input: { name: 'image', channels: 3, height: 64, width: 64 },
      tap: 'feat',
    }),
  );
  await assert.rejects(
    fitModel(request({ outDir: out, backboneManifestPath: join(garbage, 'x.backbone.json') }), io(counting)),
    isCode('MODEL_LOAD_FAILED'),
  );
  await assert.rejects(
    fitModel(request({ outDir: out, backboneManifestPath: join(work, 'nope.backbone.json') }), io(counting)),
    isCode('MODEL_NOT_FOUND'),
  );
  assert.equal(imageReads, 0, 'no image was read');
  assert.deepEqual(readdirSync(out), []);
});

test('a tap on an intermediate tensor works (the backbone is cut there)', async () => {
  const out = outDir('intermediate');
  const r = await fitModel(
    request({ outDir: out, backboneManifestPath: writeTinyBackbone(join(work, 'bb-relu'), { tap: 'relu' }) }),
    io(),
  );
  assert.equal(r.memoryBank.dims, 16);
  const s = await ort.InferenceSession.create(r.onnxPath);
  assert.deepEqual([...s.outputNames].sort(), ['anomaly_map', 'pred_score']);
  await s.release();
});

test('calibration: cross-fitted leaving out one patient at a time by default, a hold-out on request; a small folder is warned about', async () => {
  // 12 images of 6 patients, named as the chest X-ray data names them (IM-<patient>-<study>-<image>).
  const dir = join(work, 'patients');
  mkdirSync(dir, { recursive: true });
  const files = normals.slice(0, 12).map((src, i) => {
    const dst = join(dir, `IM-${String(100 + Math.floor(i / 2)).padStart(4, '0')}-0001-000${(i % 2) + 1}.png`);
    writeFileSync(dst, readFileSync(src));
    return dst;
  });
  const cf = await fitModel(request({ outDir: outDir('cal-cf'), files, backboneManifestPath: tinyBackbone }), io());
  assert.deepEqual(
    { ...cf.calibration, falseAlarm: undefined, warning: undefined, mostUnusual: undefined },
    {
      method: 'cross-fit',
      images: 12,
      folds: 6,
      groups: 6,
      rank: 12,
      falseAlarm: undefined,
      warning: undefined,
      mostUnusual: undefined,
    },
  );
  assert.match(
    cf.calibration.warning ?? '',
    /^The threshold comes from only 12 images, too few for a stable 95th percentile: expect false alarms on about 7\.7% of normal images \(between 0\.4% and 22% in 9 fits out of 10\) instead of 5%\./,
  );
  const manifest = parseManifest(readFileSync(cf.manifestPath, 'utf8'), cf.manifestPath);
  assert.match(
    manifest.calibration.source ?? '',
    /the highest of 12 cross-fitted scores .* \(6 groups; Gaussian refitted 6 times.*The threshold comes from only 12 images/,
  );
  assert.match(manifest.description ?? '', /threshold is cross-fitted on 12 of them/);

  const ho = await fitModel(
    request({ outDir: outDir('cal-ho'), files, backboneManifestPath: tinyBackbone, calibrationFraction: 0.25 }),
    io(),
  );
  assert.equal(ho.images.calibration, 2, 'whole patients: 3 of 12 rounds down to one patient of two images');
  assert.equal(ho.calibration.method, 'held-out');
  assert.equal(ho.calibration.images, 2);
  assert.match(ho.calibration.warning ?? '', /only 2 images/);
  assert.match(
    JSON.parse(readFileSync(ho.manifestPath, 'utf8')).calibration.source,
    /the highest of 2 scores of held-out normal images/,
  );
  // A hold-out that would have to split the only patient is refused, not taken from the fitted images.
  const onePatient = files.map((f, i) => {
    const dst = join(dir, `IM-0999-0001-${String(i).padStart(4, '0')}.png`);
    writeFileSync(dst, readFileSync(f));
    return dst;
  });
  await assert.rejects(
    fitModel(
      request({
        outDir: outDir('cal-one'),
        files: onePatient,
        backboneManifestPath: tinyBackbone,
        calibrationFraction: 0.25,
      }),
      io(),
    ),
    (e: unknown) => isCode('MODEL_INVALID')(e) && /without splitting a patient/.test((e as Error).message),
  );
  const one = await fitModel(
    request({ outDir: outDir('cal-one-cf'), files: onePatient, backboneManifestPath: tinyBackbone }),
    io(),
  );
  assert.equal(one.calibration.groups, 12, 'names that tell no patients apart: each image is its own group');
});

test('an abnormal image among the normals is named as the most unusual and left out of the threshold, which the others set', async () => {
  const [odd] = await writePhantoms(
    join(work, 'odd-in'),
    1,
    () => ({ seed: 990, blob: { ...PALM_BLOB, kind: 'bright' } }),
    'odd',
  );
  const files = [...normals.slice(0, 11), odd.path];
  const r = await fitModel(request({ outDir: outDir('odd-out'), files }), io());
  assert.equal(r.images.skipped.length, 0);
  const unusual = r.calibration.mostUnusual ?? [];
  assert.equal(unusual.length, 3);
  assert.equal(unusual[0].path, odd.path, JSON.stringify(unusual));
  // It alone would set the threshold of 12 images (their maximum): it is atypical, so it is left out, and the
  // highest of the other 11 sets it (outliers.ts).
  assert.equal(unusual[0].excluded, true, JSON.stringify(r.calibration));
  assert.equal(r.calibration.outliers?.count, 1);
  assert.equal(r.calibration.outliers?.conformalThreshold, unusual[0].score);
  assert.equal(r.calibration.images, 11);
  assert.equal(unusual[1].score, r.threshold, 'the highest of the others is the threshold');
  assert.ok(unusual[0].score > unusual[1].score && unusual[1].score >= unusual[2].score);
  const manifest = JSON.parse(readFileSync(r.manifestPath, 'utf8'));
  assert.match(
    manifest.calibration.source,
    /1 atypical score \(above median .* left out: with it the threshold would have been/,
  );
  // File names can name patients: they stay out of the manifest.
  assert.doesNotMatch(readFileSync(r.manifestPath, 'utf8'), /odd000/);
});

test('cancelling during features or during the coreset gives CANCELLED and leaves no file, not even a temporary one', async () => {
  for (const stage of ['features', 'coreset', 'export'] as const) {
    const out = outDir(`cancel-${stage}`);
    const ac = new AbortController();
    await assert.rejects(
      fitModel(request({ outDir: out, backboneManifestPath: tinyBackbone }), io(), {
        signal: ac.signal,
        onProgress: (p) => {
          if (p.stage === stage) ac.abort();
        },
      }),
      (e: unknown) => isCode('CANCELLED')(e) && /nothing was written/.test((e as Error).message),
      stage,
    );
    assert.deepEqual(readdirSync(out), [], stage);
  }
});

test('a write that fails half way removes what was written; an existing model is not overwritten unless asked', async () => {
  const out = outDir('failing-write');
  const base = nodeFitFiles();
  let renames = 0;
  const failing: FitFiles = {
    ...base,
    rename: async (a, b) => {
      if (++renames === 2) throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
      return base.rename(a, b);
    },
  };
  await assert.rejects(
    fitModel(request({ outDir: out, backboneManifestPath: tinyBackbone }), io(failing)),
    /disk full/,
  );
  assert.deepEqual(readdirSync(out), []);

  await fitModel(request({ outDir: out, backboneManifestPath: tinyBackbone }), io());
  const before = readdirSync(out).sort();
  await assert.rejects(
    fitModel(request({ outDir: out, overwrite: false, backboneManifestPath: tinyBackbone }), io()),
    (e: unknown) => isCode('MODEL_INVALID')(e) && /already exists/.test((e as Error).message),
  );
  assert.deepEqual(readdirSync(out).sort(), before);
  await assert.rejects(
    fitModel(request({ outDir: out, modelId: '../evil', coresetRatio: 2, calibrationFraction: 0.9 }), io()),
    (e: unknown) => {
      const m = (e as Error).message;
      return isCode('MODEL_INVALID')(e) && /model id/.test(m) && /coreset/.test(m) && /calibration fraction/.test(m);
    },
  );
  await assert.rejects(fitModel(request({ outDir: join(work, 'no-such-dir') }), io()), /does not exist/);
});

test('detector kinds: gaussian writes a score-only model, patchcore a map without the Gaussian; a bad kind is refused', async () => {
  const backbone = writeTinyBackbone(join(work, 'bb-kinds'), { tap: 'relu' });
  const g = await fitModel(
    request({ outDir: outDir('kind-gaussian'), kind: 'gaussian', backboneManifestPath: backbone }),
    io(),
  );
  const gs = await ort.InferenceSession.create(g.onnxPath);
  assert.deepEqual([...gs.outputNames], ['pred_score']);
  await gs.release();
  assert.equal(JSON.parse(readFileSync(g.manifestPath, 'utf8')).outputs.anomalyMap, undefined);
  // The calibration source names the parts that were cross-fitted, and only those.
  assert.match(
    JSON.parse(readFileSync(g.manifestPath, 'utf8')).calibration.source,
    /\(20 groups; Gaussian refitted 20 times\)/,
  );
  const p = await fitModel(
    request({ outDir: outDir('kind-patchcore'), kind: 'patchcore', backboneManifestPath: backbone }),
    io(),
  );
  const ps = await ort.InferenceSession.create(p.onnxPath);
  assert.deepEqual([...ps.outputNames].sort(), ['anomaly_map', 'pred_score']);
  await ps.release();
  assert.ok(p.memoryBank.rows > 0);
  assert.match(
    JSON.parse(readFileSync(p.manifestPath, 'utf8')).calibration.source,
    /\(20 groups; memory bank without the group's rows, re-selected to full size\)/,
  );
  await assert.rejects(
    fitModel(request({ outDir: outDir('kind-bad'), kind: 'knn' as never, backboneManifestPath: backbone }), io()),
    (e: unknown) => e instanceof XrayError && e.code === 'MODEL_INVALID' && /detector kind/.test(e.message),
  );
});

test("the fine map alone (positionalMap): the shown map gets it, the score and threshold stay a plain fit's; float16 references", async () => {
  const many = (await writePhantoms(join(work, 'positional-map'), 48, (i) => ({ seed: 300 + i }), 'q')).map(
    (x) => x.path,
  );
  const backbone = writeTinyBackbone(join(work, 'bb-fine-map'), { fineTap: 'relu' });
  const fitWith = (name: string, over: Partial<FitModelRequest>) =>
    fitModel(
      request({ outDir: outDir(name), files: many, calibrationFraction: 0.5, backboneManifestPath: backbone, ...over }),
      io(),
    );
  const [r, plain] = [await fitWith('map-only', { positionalMap: true }), await fitWith('map-plain', {})];
  assert.deepEqual(r.positionalMap, { references: 24 });
  assert.equal(r.positional, undefined, 'no score part');
  assert.equal(r.threshold, plain.threshold, 'the image score does not read the fine map');
  const manifest = parseManifest(readFileSync(r.manifestPath, 'utf8'), r.manifestPath);
  const fit = (manifest.metadata as { fit: Record<string, unknown> }).fit as {
    recipe: { local: { positional?: unknown; fineMap?: { tap: string } } };
  };
  assert.equal(fit.recipe.local.positional, undefined);
  assert.equal(fit.recipe.local.fineMap?.tap, 'relu');
  const file = onnx.ModelProto.decode(readFileSync(r.onnxPath));
  const halves = file.graph!.initializer!.filter((t) => t.dataType === onnx.TensorProto.DataType.FLOAT16);
  assert.equal(halves.length, 1, 'the fine references, in half precision');
  const planted = (
    await writePhantoms(join(work, 'map-test'), 1, () => ({ seed: 991, blob: { ...PALM_BLOB, kind: 'bright' } }), 'b')
  )[0];
  const runOn = async (onnxPath: string) => {
    const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 1 });
    const prepared = prepareInput(await decodeImage(readFileSync(planted.path), planted.path), manifest);
    const res = await session.run({
      [manifest.input.name]: new ort.Tensor('float32', prepared.tensor, [...prepared.dims]),
    });
    await session.release();
    return res;
  };
  const [withMap, without] = [await runOn(r.onnxPath), await runOn(plain.onnxPath)];
  assert.ok(
    Math.abs((withMap.pred_score.data as Float32Array)[0] - (without.pred_score.data as Float32Array)[0]) < 1e-4,
  );
  assert.deepEqual(withMap.anomaly_map.dims, [1, 1, 64, 64]);
  await assert.rejects(
    fitWith('map-cross', { positionalMap: true, calibrationFraction: undefined }),
    (e: unknown) =>
      e instanceof XrayError && e.code === 'MODEL_INVALID' && /needs a calibration fraction/.test(e.message),
  );
});

test("the fine map with local contrast (contrastMap): its cells on the fine tap's stride, one file, only with a fine map", async () => {
  const many = (await writePhantoms(join(work, 'contrast-map'), 48, (i) => ({ seed: 300 + i }), 'q')).map(
    (x) => x.path,
  );
  const backbone = writeTinyBackbone(join(work, 'bb-contrast'), { fineTap: 'relu' });
  const fitWith = (name: string, over: Partial<FitModelRequest>) =>
    fitModel(
      request({ outDir: outDir(name), files: many, calibrationFraction: 0.5, backboneManifestPath: backbone, ...over }),
      io(),
    );
  const r = await fitWith('contrast-on', { positionalMap: true, contrastMap: true });
  const manifest = parseManifest(readFileSync(r.manifestPath, 'utf8'), r.manifestPath);
  const fit = (manifest.metadata as { fit: Record<string, unknown> }).fit as {
    recipe: { local: { fineMap?: { tap: string; contrast?: unknown } } };
  };
  assert.equal(fit.recipe.local.fineMap?.tap, 'relu');
  assert.deepEqual(
    fit.recipe.local.fineMap?.contrast,
    { cell: 4, ...FINE_CONTRAST },
    'the stride-4 fine tap: 4-pixel cells',
  );
  assert.match(manifest.description ?? '', /local grey-level contrast/);
  const file = onnx.ModelProto.decode(readFileSync(r.onnxPath));
  assert.ok(file.graph!.node!.some((n) => n.opType === 'Concat' && n.output![0] === 'relu+contrast'));
  const session = await ort.InferenceSession.create(r.onnxPath, { intraOpNumThreads: 1 });
  const prepared = prepareInput(await decodeImage(readFileSync(many[0]), many[0]), manifest);
  const res = await session.run({
    [manifest.input.name]: new ort.Tensor('float32', prepared.tensor, [...prepared.dims]),
  });
  await session.release();
  assert.deepEqual(res.anomaly_map.dims, [1, 1, 64, 64]);
  await assert.rejects(
    fitWith('contrast-alone', { contrastMap: true }),
    (e: unknown) =>
      e instanceof XrayError && e.code === 'MODEL_INVALID' && /contrast channels need the fine map/.test(e.message),
  );
});

test('position-aware fit: the score part and the fine map at the backbone fine tap, written as one file; it needs a hold-out', async () => {
  // 48 normals so that the hold-out (0.5) gives the 20+ calibration maps a per-position centring needs.
  const many = (await writePhantoms(join(work, 'positional'), 48, (i) => ({ seed: 300 + i }), 'q')).map((x) => x.path);
  const backbone = writeTinyBackbone(join(work, 'bb-fine'), { fineTap: 'relu' });
  const out = outDir('positional-out');
  const r = await fitModel(
    request({ outDir: out, files: many, calibrationFraction: 0.5, positional: true, backboneManifestPath: backbone }),
    io(),
  );
  assert.equal(r.images.calibration, 24);
  const manifest = parseManifest(readFileSync(r.manifestPath, 'utf8'), r.manifestPath);
  const fit = (manifest.metadata as { fit: Record<string, unknown> }).fit as {
    recipe: { local: { positional?: unknown; fineMap?: { tap: string; refs: number } } };
    fineMap?: { tap: string; references: number; grid: number[] };
  };
  assert.ok(fit.recipe.local.positional, 'the score part is in the recipe');
  assert.equal(fit.recipe.local.fineMap?.tap, 'relu');
  assert.deepEqual(fit.fineMap?.grid, [16, 16], 'the fine map is drawn on the 16x16 grid of the stride-4 tap');
  assert.equal(fit.fineMap?.references, 24, 'every training image is a reference when there are fewer than 60');
  assert.match(manifest.description ?? '', /position-aware map at relu/);
  const session = await ort.InferenceSession.create(r.onnxPath, { intraOpNumThreads: 1 });
  const planted = (
    await writePhantoms(
      join(work, 'positional-test'),
      1,
      () => ({ seed: 990, blob: { ...PALM_BLOB, kind: 'bright' } }),
      'b',
    )
  )[0];
  const prepared = prepareInput(await decodeImage(readFileSync(planted.path), planted.path), manifest);
  const res = await session.run({
    [manifest.input.name]: new ort.Tensor('float32', prepared.tensor, [...prepared.dims]),
  });
  assert.deepEqual(res.anomaly_map.dims, [1, 1, 64, 64]);
  const raw = res.anomaly_map.data as Float32Array;
  const peak = raw.indexOf(Math.max(...raw));
  const scored = scoreOutputs(
    Object.fromEntries(
      Object.entries(res).map(([k, v]) => [k, { data: v.data as Float32Array, dims: v.dims.map(Number) }]),
    ),
    prepared,
    manifest,
  );
  const [x, y] = applyAffine(scored.map!.toImage, (peak % 64) + 0.5, Math.floor(peak / 64) + 0.5);
  const b = planted.phantom.blob!;
  assert.ok(
    Math.hypot(x - b.x, y - b.y) <= 2 * b.r,
    `map peak (${x.toFixed(0)}, ${y.toFixed(0)}) on the blob at (${b.x.toFixed(0)}, ${b.y.toFixed(0)})`,
  );
  await session.release();
  await assert.rejects(
    fitModel(
      request({ outDir: outDir('positional-cross'), files: many, positional: true, backboneManifestPath: backbone }),
      io(),
    ),
    (e: unknown) =>
      e instanceof XrayError && e.code === 'MODEL_INVALID' && /needs a calibration fraction/.test(e.message),
  );
  // 12 of 48 held out: too few to centre the map per position, so refused before any image is read (it
  // failed with 'score lists differ in length' when the part was kept without its centring).
  await assert.rejects(
    fitModel(
      request({
        outDir: outDir('positional-few'),
        files: many,
        calibrationFraction: 0.25,
        positional: true,
        backboneManifestPath: backbone,
      }),
      io(),
    ),
    (e: unknown) =>
      e instanceof XrayError &&
      e.code === 'MODEL_INVALID' &&
      /at least 20 held-out images; 12 of 48 would be held out/.test(e.message),
  );
});
