/**
 * `npm run bench:planted` — does the detector find anomalies planted into real held-out normal images, and
 * does its map point at them? (src/core/planted: what is planted and how localisation is measured.)
 *
 * Images: by default the chest normals the default model never saw: the held-out normals of the seed-2,
 * patient-grouped split of ../shared/data/chest-xray-pneumonia/train that `npm run models:default` fits
 * on the rest of (scripts/models/default-model.ts); a seeded sample of --count of them. `--images DIR`
 * takes any folder of normal images instead (hands, your own data; give `--model` a model fitted on
 * images like them, never on these).
 * Each image is scored as it is (the originals) and with each kind planted once, sizes and contrasts
 * cycling over the images (--full: every combination), at a seeded centre on the body with a seeded shape, through the product's own code (decode, prepareInput,
 * onnxruntime, scoreOutputs, the map on the image's grid as the viewer overlays it).
 *
 * Reports per kind and size (and per kind and contrast): image ROC-AUC of the planted copies against the
 * originals (bootstrap 95% interval over images), the same with the map's hottest value as the score (what an
 * image score that looks only at the worst place, PatchCore's own, would give), the pointing-game hit rate (the map's hottest pixel in
 * the region grown by --tolerance of the image side; Wilson interval), mean pixel AUROC and PRO (FPR <= 0.3),
 * and the share of the map's hottest tenth on the image's outer 5% (heatmap.ts's border share), for the
 * originals too. Aim (issue 12): ROC-AUC >= 0.95 and hit rate >= 0.9 for anomalies covering >= 1%.
 *
 * Options: --model <manifest> (models/chest-patchcore)  --images DIR  --data <train folder>  --count N (60)
 *          --seed N (1)  --sizes 0.0025,0.01,0.04  --contrasts 0.4,0.8  --kinds metal,...  --tolerance 0.036
 *          --threads N (2)  --out DIR (test-output/planted)  --sheet N (examples drawn in a PNG sheet, 12)
 *          --full (every kind x size x contrast on every image; default: each kind once per image, cycling)
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../../src/core/decode';
import { f32 } from '../../src/core/fit/compute';
import { mulberry32, shuffled } from '../../src/core/fit/random';
import type { XrayImage } from '../../src/core/image/types';
import type { ModelManifest } from '../../src/core/model/manifest';
import { parseManifest } from '../../src/core/model/validate';
import {
  borderBand,
  peakIndex,
  pixelScores,
  pointingHit,
  topShareIn,
  type MapOnImage,
} from '../../src/core/planted/localise';
import { PLANT_KINDS, plantAnomaly, type PlantKind } from '../../src/core/planted/plant';
import { prepareInput } from '../../src/core/preprocess/pipeline';
import { mapOnImage } from '../../src/core/scoring/onImage';
import { scoreOutputs, type OutputTensors } from '../../src/core/scoring/postprocess';
import { ortBackend } from '../models/ort-backend';
import { argValue, materialiseSplit, ROOT } from '../models/protocol';
import { meanInterval, summarise, table, type OriginalRow, type PlantRow } from './planted-stats';
import { writeSheet, type SheetCase } from './planted-sheet';

const IMAGE_EXT = /\.(png|jpe?g|tiff?|dcm|dicom)$/i;

/** The shared data folder, found as the demo finds it (XRAY_DATA_DIR, /work/shared/data, ../shared/data). */
function sharedData(): string {
  const dirs = [process.env.XRAY_DATA_DIR, '/work/shared/data', join(ROOT, '../shared/data')];
  const found = dirs.find((d) => d && existsSync(join(d, 'chest-xray-pneumonia')));
  if (!found) throw new Error(`no chest data in ${dirs.filter(Boolean).join(', ')}; pass --data or --images`);
  return found;
}

/** The map's hottest value: an image score that only looks at the worst place (PatchCore's own image score). */
function peakOf(map: MapOnImage): number {
  const i = peakIndex(map.values);
  return i < 0 ? NaN : map.values[i];
}

interface Scored {
  score: number;
  map: MapOnImage;
}

async function main(argv: string[]): Promise<void> {
  const manifestPath = argValue(argv, '--model') ?? join(ROOT, 'models/chest-patchcore/chest-patchcore.model.json');
  const count = Number(argValue(argv, '--count') ?? 60);
  const seed = Number(argValue(argv, '--seed') ?? 1);
  const threads = Number(argValue(argv, '--threads') ?? 2);
  const tolerance = Number(argValue(argv, '--tolerance') ?? 0.036);
  const sizes = (argValue(argv, '--sizes') ?? '0.0025,0.01,0.04').split(',').map(Number);
  const contrasts = (argValue(argv, '--contrasts') ?? '0.4,0.8').split(',').map(Number);
  const kinds = (argValue(argv, '--kinds') ?? PLANT_KINDS.join(',')).split(',') as PlantKind[];
  for (const k of kinds)
    if (!PLANT_KINDS.includes(k)) throw new Error(`unknown kind '${k}'; known: ${PLANT_KINDS.join(', ')}`);
  const out = argValue(argv, '--out') ?? join(ROOT, 'test-output/planted');
  const sheetCount = Number(argValue(argv, '--sheet') ?? 12);
  const full = argv.includes('--full');
  mkdirSync(out, { recursive: true });

  let folder = argValue(argv, '--images');
  if (!folder) {
    const data = argValue(argv, '--data') ?? join(sharedData(), 'chest-xray-pneumonia/train');
    const split = await materialiseSplit({ data, abnormal: 'PNEUMONIA', seed: 2, valPerClass: 300 });
    folder = join(split.val, 'NORMAL');
    console.error(
      `images: the ${split.counts.valNormal} held-out TRAIN normals of split seed 2 (the default model fitted on the other ${split.counts.fit})`,
    );
  }
  const files = shuffled(
    readdirSync(folder)
      .filter((f) => IMAGE_EXT.test(f))
      .sort(),
    mulberry32(seed),
  ).slice(0, count);
  if (files.length < 2) throw new Error(`${folder} has ${files.length} images; need at least 2`);

  const manifest: ModelManifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
  const onnx = new Uint8Array(readFileSync(join(manifestPath, '..', manifest.onnx)));
  const be = ortBackend(threads);
  const score = async (image: XrayImage): Promise<Scored> => {
    const prepared = prepareInput(image, manifest);
    const res = await be.run('model', () => onnx, { [manifest.input.name]: f32(prepared.tensor, [...prepared.dims]) });
    const r = scoreOutputs(res as unknown as OutputTensors, prepared, manifest);
    if (!r.map) throw new Error(`${manifest.id} gives no anomaly map: nothing to localise with`);
    return {
      score: r.score.raw,
      map: { width: image.width, height: image.height, values: mapOnImage(r.map, image.width, image.height) },
    };
  };

  console.error(
    `model ${manifest.id} ${manifest.version}; ${files.length} images x ${kinds.length} kinds${full ? ` x ${sizes.length} sizes x ${contrasts.length} contrasts` : ' (sizes and contrasts cycling)'}`,
  );
  const originals: OriginalRow[] = [];
  const rows: PlantRow[] = [];
  const sheet: SheetCase[] = [];
  const t0 = Date.now();
  try {
    for (let i = 0; i < files.length; i++) {
      const path = join(folder, files[i]);
      const image = await decodeImage(new Uint8Array(readFileSync(path)), path);
      const band = borderBand(image.width, image.height);
      const o = await score(image);
      originals.push({
        image: files[i],
        imageIndex: i,
        score: o.score,
        peak: peakOf(o.map),
        border: topShareIn(o.map, band),
      });
      const combos = sizes.flatMap((area) => contrasts.map((contrast) => ({ area, contrast })));
      for (let k = 0; k < kinds.length; k++) {
        const kind = kinds[k];
        // Without --full each image gets each kind once, size and contrast cycling over the images (a Latin
        // square: every kind meets every size and contrast equally often); --full plants every combination.
        const mine = full ? combos : [combos[(i + k) % combos.length]];
        for (const { area, contrast } of mine) {
          const p = plantAnomaly(image, {
            kind,
            area,
            contrast,
            // With --full the contrasts of one size share the placement and shape (a paired comparison); the
            // default keeps its seeds (and so its earlier figures).
            seed: seed * 1_000_003 + i * 1009 + k * 31 + area * 1e4 + (full ? 0 : contrast * 10),
          });
          const s = await score(p.image);
          const px = pixelScores(s.map, p.region);
          const row: PlantRow = {
            image: files[i],
            imageIndex: i,
            kind,
            area,
            areaShare: p.areaShare,
            contrast,
            score: s.score,
            peak: peakOf(s.map),
            hit: pointingHit(s.map, p.region, tolerance),
            ...(px ? { auroc: px.auroc, pro: px.pro } : {}),
            border: topShareIn(s.map, band),
          };
          rows.push(row);
          // The sheet: the first plants of sizes >= 1%.
          if (sheet.length < sheetCount && area >= 0.01)
            sheet.push({
              label: `${kind} ${(100 * p.areaShare).toFixed(1)}% ${row.hit ? 'hit' : 'miss'} ${s.score.toFixed(2)} (orig ${o.score.toFixed(2)})`,
              image: p.image,
              region: p.region,
              map: s.map,
            });
        }
      }
      if ((i + 1) % 10 === 0 || i === files.length - 1)
        console.error(`${i + 1}/${files.length} images (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
  } finally {
    await be.release();
  }

  writeFileSync(join(out, 'rows.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  writeFileSync(join(out, 'originals.jsonl'), originals.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const pct = (a: number) => `${+(100 * a).toFixed(2)}%`;
  const byKindSize = kinds.flatMap((k) =>
    sizes.map((a) =>
      summarise(
        `${k} ${pct(a)}`,
        rows.filter((r) => r.kind === k && r.area === a),
        originals,
      ),
    ),
  );
  const byKindContrast = kinds.flatMap((k) =>
    contrasts.map((c) =>
      summarise(
        `${k} contrast ${c}`,
        rows.filter((r) => r.kind === k && r.contrast === c),
        originals,
      ),
    ),
  );
  const bySize = sizes.map((a) =>
    summarise(
      `all kinds ${pct(a)}`,
      rows.filter((r) => r.area === a),
      originals,
    ),
  );
  const big = summarise(
    'all kinds, >= 1% of the image',
    rows.filter((r) => r.areaShare >= 0.01),
    originals,
  );
  const border = { originals: meanInterval(originals.map((o) => o.border)), planted: big.border };
  console.log(
    `\nbench:planted — ${manifest.id} ${manifest.version} on ${files.length} images from ${folder}; pointing tolerance ${tolerance} of the image side; seed ${seed}`,
  );
  console.log(table('By kind and size (contrasts pooled)', byKindSize));
  console.log(
    table(
      full
        ? 'By kind and contrast (sizes pooled; every image at every contrast, placement shared across contrasts)'
        : 'By kind and contrast (sizes pooled; each contrast on DIFFERENT images and placements: compare contrasts with --full)',
      byKindContrast,
    ),
  );
  console.log(
    table('By size, and the aim (anomalies covering >= 1%: ROC-AUC >= 0.95, hit rate >= 0.9)', [...bySize, big]),
  );
  const share = (i: { value: number; low: number; high: number }) =>
    `${(100 * i.value).toFixed(1)}% (${(100 * i.low).toFixed(1)}-${(100 * i.high).toFixed(1)})`;
  console.log(
    `\nTop tenth of the map on the image's outer 5% (the band is 19% of the image): originals ${share(border.originals)}, planted (>= 1%) ${share(border.planted)}`,
  );
  writeFileSync(
    join(out, 'summary.json'),
    JSON.stringify(
      {
        model: { id: manifest.id, version: manifest.version },
        images: files.length,
        folder,
        seed,
        tolerance,
        byKindSize,
        byKindContrast,
        bySize,
        atLeast1pc: big,
        border,
      },
      null,
      2,
    ) + '\n',
  );
  if (sheet.length) await writeSheet(join(out, 'sheet.png'), sheet);
  console.error(
    `wrote ${out}/summary.json, rows.jsonl, originals.jsonl${sheet.length ? ', sheet.png' : ''} (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
  );
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`bench:planted: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
