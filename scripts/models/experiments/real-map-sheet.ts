/**
 * `tsx scripts/models/experiments/real-map-sheet.ts [--model <manifest>] [--count 12] [--seed 1] [--out DIR]`:
 * where does the default model's map point on REAL abnormal films (issue 12 item 2)? Scores a seeded sample of
 * test-dev pneumonia films (plus the demo's train image person1000_bacteria_2931 and a few test-dev normals)
 * through the product's path (prepareInput, onnxruntime, scoreOutputs, the map on the image grid) and writes a
 * sheet (planted-sheet.ts: the map stretched over the image's own range, its peak marked) and one line per
 * film: the peak's place (share of width / height) and the share of the hottest tenth in the image's thirds.
 * Nothing is fitted or chosen here; it is for looking.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../../../src/core/decode';
import { f32 } from '../../../src/core/fit/compute';
import { mulberry32, shuffled } from '../../../src/core/fit/random';
import { parseManifest } from '../../../src/core/model/validate';
import { peakIndex } from '../../../src/core/planted/localise';
import { prepareInput } from '../../../src/core/preprocess/pipeline';
import { mapOnImage } from '../../../src/core/scoring/onImage';
import { scoreOutputs, type OutputTensors } from '../../../src/core/scoring/postprocess';
import { writeSheet, type SheetCase } from '../../bench/planted-sheet';
import { ortBackend } from '../ort-backend';
import { argValue, ROOT, SHARED } from '../protocol';

async function main(argv: string[]): Promise<void> {
  const manifestPath = argValue(argv, '--model') ?? join(ROOT, 'models/chest-patchcore/chest-patchcore.model.json');
  const count = Number(argValue(argv, '--count') ?? 12);
  const normals = Number(argValue(argv, '--normals') ?? 4);
  const seed = Number(argValue(argv, '--seed') ?? 1);
  const out = argValue(argv, '--out') ?? join(ROOT, 'test-output/real-maps');
  mkdirSync(out, { recursive: true });
  const data = join(SHARED, 'data/chest-xray-pneumonia');
  const pick = (dir: string, n: number) =>
    shuffled(
      readdirSync(dir)
        .filter((f) => /\.(jpe?g|png)$/i.test(f))
        .sort(),
      mulberry32(seed),
    )
      .slice(0, n)
      .map((f) => join(dir, f));
  const demo = join(data, 'train/PNEUMONIA/person1000_bacteria_2931.jpeg');
  const files = [
    ...(existsSync(demo) ? [demo] : []),
    ...pick(join(data, 'test-dev/PNEUMONIA'), count),
    ...pick(join(data, 'test-dev/NORMAL'), normals),
  ];
  const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
  const onnx = new Uint8Array(readFileSync(join(manifestPath, '..', manifest.onnx)));
  const be = ortBackend(2);
  const sheet: SheetCase[] = [];
  const lines: string[] = [];
  try {
    for (const path of files) {
      const image = await decodeImage(new Uint8Array(readFileSync(path)), path);
      const prepared = prepareInput(image, manifest);
      const res = await be.run('m', () => onnx, { [manifest.input.name]: f32(prepared.tensor, [...prepared.dims]) });
      const r = scoreOutputs(res as unknown as OutputTensors, prepared, manifest);
      const values = mapOnImage(r.map!, image.width, image.height);
      const p = peakIndex(values);
      const { width: w, height: h } = image;
      const sorted = Float32Array.from(values.filter((v) => v === v)).sort();
      const cut = sorted[Math.floor(0.9 * sorted.length)];
      const thirds = [0, 0, 0];
      let n = 0;
      for (let i = 0; i < values.length; i++)
        if (values[i] >= cut) {
          thirds[Math.min(2, Math.floor((3 * Math.floor(i / w)) / h))]++;
          n++;
        }
      const name = path.split('/').slice(-2).join('/');
      const line = `${name}\tscore ${r.score.raw.toFixed(2)} (${r.score.normalized.toFixed(3)})\tpeak x ${((p % w) / w).toFixed(2)} y ${(Math.floor(p / w) / h).toFixed(2)}\thottest tenth in top/middle/bottom third ${thirds.map((t) => `${Math.round((100 * t) / n)}%`).join('/')}`;
      lines.push(line);
      console.log(line);
      sheet.push({
        label: `${name.replace(/\.jpeg$/, '')} ${r.score.raw.toFixed(2)}`,
        image,
        region: new Uint8Array(w * h),
        map: { width: w, height: h, values },
      });
    }
  } finally {
    await be.release();
  }
  writeFileSync(join(out, 'maps.tsv'), lines.join('\n') + '\n');
  await writeSheet(join(out, 'sheet.png'), sheet);
  console.error(`wrote ${out}/sheet.png, maps.tsv (model ${manifest.id} ${manifest.version})`);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
