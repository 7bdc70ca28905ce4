// The workspace the integration tests (and nothing else) open in code-server: generated X-rays,
// broken files, and tiny ONNX models with known outputs. Loaded by test/integration/run.mjs via tsx.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { handPhantom, handPhantomPng, png16, png16FromPixels } from '../fixtures/images';
import { handPhantomDicom, hugeDimensionsDicom, makeDicom, textBytes, truncated, zeroBytes } from '../fixtures/dicom';
import {
  writeAnomalyMapModel,
  writeMismatchedModel,
  writeReconstructionModel,
  writeBrokenModel,
} from '../fixtures/models';

export const FILES = {
  png16: 'images/hand-16bit.png',
  dicomExplicit: 'images/chest-explicit.dcm',
  dicomMono1: 'images/mono1-implicit.dcm',
  /** Three frames; frame f holds values 1000 * (f + 1) + a ramp, so each frame's minimum names it. */
  dicomFrames: 'images/multiframe.dcm',
  /** 400 x 200, dark, with one bright square at SPOT: for checking where the heatmap lands. */
  wideSpot: 'images/wide-spot.png',
  /** A landscape hand phantom in a bright collimation frame, with one saturated square at FRAMED_SPOT. */
  framedHand: 'images/hand-framed-landscape.png',
  /** A dim ramp with one bright pixel at QUIET_SPOT: the map model scores it far below its threshold. */
  quiet: 'images/quiet-ramp.png',
  broken: {
    notAnImage: 'broken/not-an-image.png',
    empty: 'broken/empty.dcm',
    truncated: 'broken/truncated.dcm',
    huge: 'broken/huge-dimensions.dcm',
  },
} as const;

/** Full-size radiograph-like files, generated only for `npm run bench:viewer` (XRAY_BENCH=1). */
export const BENCH_FILES = {
  'png16-2048x2500': 'bench/hand-2048x2500-16bit.png',
  'dicom16-2048x2500': 'bench/hand-2048x2500-16bit.dcm',
} as const;

export const MODELS = {
  recon: 'recon-affine',
  map: 'map-pool',
  mapPad: 'map-resizepad',
  mapCropRotate: 'map-crop-rotate',
  mismatch: 'mismatch',
  broken: 'broken-model',
} as const;

/**
 * Fitting a detector from the editor (fit.test.ts): FIT.normalsCount small normal hand phantoms (seconds to
 * fit) plus one unreadable file that must be skipped and counted; a folder with no image in it.
 */
export const FIT = {
  normals: 'fit/normals',
  normalsCount: 12,
  /** Enough normals for a position-aware fit (half held out: the 20 its map is centred on). */
  many: 'fit/many',
  manyCount: 40,
  unreadable: 'fit/normals/unreadable.png',
  empty: 'fit/not-images',
  /** What FIT.empty holds: files, none an image. */
  emptyFiles: ['notes.txt', 'table.csv'],
  /** Outside the fitted folder: a normal phantom like the fitted ones, and the same with a dense lesion. */
  heldOutNormal: 'fit/check/normal.png',
  lesion: 'fit/check/lesion.png',
} as const;

const FIT_PHANTOM = { width: 160, height: 200, peak: 42000 } as const;

/** The phantom of FIT.heldOutNormal and FIT.lesion, and the lesion's disc (image pixels) planted in the palm. */
export function fitLesion(): { phantom: ReturnType<typeof handPhantom>; cx: number; cy: number; r: number } {
  const phantom = handPhantom({ ...FIT_PHANTOM, seed: 300 });
  const palm = phantom.hands[0];
  return { phantom, cx: (palm.x0 + palm.x1) / 2, cy: palm.y0 + (palm.y1 - palm.y0) * 0.5, r: 9 };
}

/** The one bright pixel of FILES.quiet (256 x 256). */
export const QUIET_SPOT = { x: 200, y: 60 };

/** The bright square in FILES.wideSpot (x1/y1 exclusive), in image pixels. */
export const SPOT = { x0: 300, y0: 120, x1: 340, y1: 160 } as const;

/** Preprocessing of MODELS.mapPad: aspect-preserving resize with padding, so the map must be placed back. */
export const MAP_PAD_STEPS = [
  { op: 'intensity', mode: 'minmax' },
  { op: 'resizePad', size: 64 },
] as const;

/** MODELS.mapCropRotate: crop off the collimation frame, turn to portrait, then resize and pad. */
export const MAP_CROP_ROTATE_STEPS = [
  { op: 'intensity', mode: 'minmax' },
  { op: 'cropExposed' },
  { op: 'rotatePortrait' },
  { op: 'resizePad', size: 64 },
] as const;

/** The saturated square in FILES.framedHand (image pixels, x1/y1 exclusive), inside the exposed field. */
export const FRAMED_SPOT = { x0: 300, y0: 70, x1: 348, y1: 118 } as const;

export async function createWorkspace(dir: string): Promise<void> {
  const put = (rel: string, bytes: Uint8Array) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), bytes);
  };
  put(FILES.png16, await handPhantomPng({ width: 384, height: 480, seed: 7, peak: 52000 }));
  put(
    FILES.dicomExplicit,
    await makeDicom({
      width: 256,
      height: 320,
      bitsAllocated: 16,
      bitsStored: 12,
      transferSyntax: 'explicit',
      windows: [
        { center: 1800, width: 1600, explanation: 'BONE' },
        { center: 1200, width: 3000, explanation: 'SOFT' },
      ],
      pixelSpacing: [0.15, 0.15],
      patientName: 'Test^Patient',
      pixels: (x, y) => Math.round(600 + 2400 * Math.exp(-(((x - 128) / 60) ** 2 + ((y - 160) / 90) ** 2))),
    }),
  );
  put(
    FILES.dicomMono1,
    await makeDicom({
      width: 200,
      height: 240,
      bitsAllocated: 16,
      bitsStored: 16,
      transferSyntax: 'implicit',
      photometric: 'MONOCHROME1',
      rescale: { slope: 2, intercept: -1000 },
    }),
  );
  put(
    FILES.dicomFrames,
    await makeDicom({
      width: 96,
      height: 80,
      frames: 3,
      bitsAllocated: 16,
      bitsStored: 16,
      transferSyntax: 'explicit',
      pixelSpacing: [0.2, 0.2],
      windows: [{ center: 2500, width: 4000 }],
      pixels: (x, y, f) => 1000 * (f + 1) + x * 4 + y * 2 + (Math.hypot(x - 30 - 15 * f, y - 40) < 10 ? 1500 : 0),
    }),
  );
  put(
    FILES.quiet,
    await png16(256, 256, (x, y) => (x === QUIET_SPOT.x && y === QUIET_SPOT.y ? 60000 : 1000 + x * 2 + y)),
  );
  put(
    FILES.wideSpot,
    await png16(400, 200, (x, y) =>
      x >= SPOT.x0 && x < SPOT.x1 && y >= SPOT.y0 && y < SPOT.y1 ? 60000 : 1000 + ((x * 7 + y * 13) % 50),
    ),
  );
  // 480 x 360 after the quarter turn; field 24..456 x 24..336. Bone stays under half the range, so
  // only the square is above the map model's threshold.
  const framed = handPhantom({ width: 360, height: 480, border: 24, peak: 25000, rotate: 90, seed: 5 });
  for (let y = FRAMED_SPOT.y0; y < FRAMED_SPOT.y1; y++)
    for (let x = FRAMED_SPOT.x0; x < FRAMED_SPOT.x1; x++) framed.data[y * framed.width + x] = 65535;
  put(FILES.framedHand, await png16FromPixels(framed.width, framed.height, framed.data));
  put(FILES.broken.notAnImage, textBytes());
  put(FILES.broken.empty, zeroBytes());
  put(FILES.broken.truncated, truncated(await makeDicom({ width: 256, height: 256 }), 2000));
  put(FILES.broken.huge, await hugeDimensionsDicom());

  for (let i = 0; i < FIT.normalsCount; i++) {
    put(
      `${FIT.normals}/hand-${String(i + 1).padStart(2, '0')}.png`,
      await handPhantomPng({ ...FIT_PHANTOM, seed: 100 + i, peak: FIT_PHANTOM.peak + 1000 * ((i % 5) - 2) }),
    );
  }
  for (let i = 0; i < FIT.manyCount; i++)
    put(
      `${FIT.many}/hand-${String(i + 1).padStart(2, '0')}.png`,
      await handPhantomPng({ ...FIT_PHANTOM, seed: 400 + i }),
    );
  put(FIT.heldOutNormal, await handPhantomPng({ ...FIT_PHANTOM, seed: 300 }));
  const { phantom: lesion, cx, cy, r } = fitLesion();
  for (let y = 0; y < lesion.height; y++) {
    for (let x = 0; x < lesion.width; x++)
      if (Math.hypot(x - cx, y - cy) <= r) lesion.data[y * lesion.width + x] = FIT_PHANTOM.peak;
  }
  put(FIT.lesion, await png16FromPixels(lesion.width, lesion.height, lesion.data));
  put(FIT.unreadable, textBytes());
  for (const name of FIT.emptyFiles) put(`${FIT.empty}/${name}`, new TextEncoder().encode(`${name}: not an image\n`));

  if (process.env.XRAY_BENCH === '1') {
    const big = { width: 2048, height: 2500, seed: 3, peak: 60000 };
    put(BENCH_FILES['png16-2048x2500'], await handPhantomPng(big));
    put(BENCH_FILES['dicom16-2048x2500'], await handPhantomDicom(big));
  }

  const models = join(dir, 'models');
  writeReconstructionModel(models, { name: MODELS.recon, kind: 'affine', k: 0.5, b: 0.1, height: 64, width: 64 });
  writeAnomalyMapModel(models, { name: MODELS.map, height: 64, width: 64, pool: 4 });
  writeAnomalyMapModel(models, {
    name: MODELS.mapPad,
    height: 64,
    width: 64,
    pool: 4,
    manifest: { preprocessing: { steps: MAP_PAD_STEPS.map((s) => ({ ...s })) } },
  });
  writeAnomalyMapModel(models, {
    name: MODELS.mapCropRotate,
    height: 64,
    width: 64,
    pool: 4,
    manifest: { preprocessing: { steps: MAP_CROP_ROTATE_STEPS.map((s) => ({ ...s })) } },
  });
  writeMismatchedModel(models, { name: MODELS.mismatch });
  writeBrokenModel(models, { name: MODELS.broken });
  mkdirSync(join(dir, '.vscode'), { recursive: true });
  writeFileSync(
    join(dir, '.vscode', 'settings.json'),
    JSON.stringify({ 'xrayAnomaly.models.folders': ['models'], 'xrayAnomaly.model.default': MODELS.recon }, null, 2),
  );
}
