/**
 * `tsx scripts/models/experiments/grey-dump.ts [--model <manifest>] [--sets cal,fit,val,planted] [--limit N] [--tap <tensor>]`:
 * dumps, per image of the eval sets (eval-sets.ts), what post hoc map experiments in numpy need (issue 12,
 * the low-contrast blobs): the network input's grey levels (224x224, the product's preprocessing), the
 * shipped image score and the shown map before its standardiser (28x28), and for planted cases the grid
 * cells within bench:planted's pointing tolerance of the region; with `--tap`, that tensor too (<set>.tap.f32),
 * with `--tap` or `--fine` the fine map's standard scores (<set>.finez.f32); `--planted-seed N`: bench:planted's seed-N cases. Written under .cache/grey/<version>/ as
 * <set>.f32 (inputs), <set>.map.f32, <set>.json (items, scores, cells).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { f32 } from '../../../src/core/fit/compute';
import { applyAffine } from '../../../src/core/image/types';
import { parseManifest } from '../../../src/core/model/validate';
import { extractSubmodel } from '../../../src/core/onnx/compose';
import { prepareInput } from '../../../src/core/preprocess/pipeline';
import { ortBackend } from '../ort-backend';
import { argValue, ROOT } from '../protocol';
import { evalSets, type SetName } from './eval-sets';

/** The shown map before its standardiser: the first input of the Sub of `map.mean`. */
function shownMapTensor(model: Uint8Array): string {
  const g = onnx.ModelProto.decode(model).graph!;
  const sub = (g.node ?? []).find(
    (n) => n.opType === 'Sub' && (n.input ?? []).some((i) => i === 'map.mean' || i.endsWith('/map.mean')),
  );
  if (!sub?.input?.[0]) throw new Error('the model has no map standardiser (map.mean)');
  return sub.input[0];
}

function divBy(model: Uint8Array, constant: string): string | undefined {
  const nodes = onnx.ModelProto.decode(model).graph!.node ?? [];
  return nodes.find((n) => n.opType === 'Div' && (n.input ?? []).some((i) => i === constant || i.endsWith(`/${constant}`)))
    ?.output?.[0];
}

/** The plain score's standard score: the first input of the Max that gives `pred_score` (fine-score models). */
function plainScoreTensor(model: Uint8Array, score: string): string | undefined {
  const nodes = onnx.ModelProto.decode(model).graph!.node ?? [];
  const last = nodes.find((n) => (n.output ?? []).includes(score));
  const max = nodes.find((n) => n.opType === 'Max' && (n.output ?? []).includes(last?.input?.[0] ?? ''));
  return max?.input?.[0];
}

async function main(argv: string[]): Promise<void> {
  const manifestPath = argValue(argv, '--model') ?? join(ROOT, 'models/chest-patchcore/chest-patchcore.model.json');
  const limit = Number(argValue(argv, '--limit') ?? Infinity);
  const wanted = (argValue(argv, '--sets') ?? 'cal,fit,val,planted').split(',') as SetName[];
  const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
  const full = new Uint8Array(readFileSync(join(manifestPath, '..', manifest.onnx)));
  const mapName = shownMapTensor(full);
  const plain = plainScoreTensor(full, manifest.outputs.score!);
  const tap = argValue(argv, '--tap');
  // With a tap, also the fine map's standard scores (the Div by fine.scale), to swap the fine map post hoc.
  // `--fine` alone: the fine map's standard scores without the (large) tap.
  const fineZ = tap || argv.includes('--fine') ? divBy(full, 'fine.scale') : undefined;
  const extra = [...(plain ? [plain] : []), ...(tap ? [tap] : []), ...(fineZ ? [fineZ] : [])];
  const model = extractSubmodel(full, [manifest.outputs.score!, mapName, ...extra]);
  const plantedSeed = Number(argValue(argv, '--planted-seed') ?? 1);
  const cache = join(ROOT, '.cache/grey', manifest.version + (tap ? `-${tap}` : '') + (plantedSeed !== 1 ? `-seed${plantedSeed}` : ''));
  mkdirSync(cache, { recursive: true });
  const be = ortBackend(1);
  const size = manifest.input.width;
  const sets = await evalSets(limit, Number(argValue(argv, '--fit') ?? 150), plantedSeed);
  try {
    for (const name of wanted) {
      if (existsSync(join(cache, `${name}.json`))) continue;
      const t0 = Date.now();
      const inputs: Float32Array[] = [];
      const maps: Float32Array[] = [];
      const taps: Float32Array[] = [];
      const fines: Float32Array[] = [];
      const items: object[] = [];
      for await (const { image, region, ...item } of sets[name]()) {
        const p = prepareInput(image, manifest);
        const out = await be.run('grey', () => model, { [manifest.input.name]: f32(p.tensor, [...p.dims]) });
        inputs.push(p.tensor.slice(0, size * size));
        const map = out[mapName].data as Float32Array;
        maps.push(Float32Array.from(map));
        if (tap) taps.push(Float32Array.from(out[tap].data as Float32Array));
        if (fineZ) fines.push(Float32Array.from(out[fineZ].data as Float32Array));
        const side = Math.round(Math.sqrt(map.length));
        let cells: number[] | undefined;
        if (region) {
          const tol = 0.036 * Math.max(image.width, image.height);
          cells = [];
          const cell = size / side;
          for (let cy = 0; cy < side; cy++)
            for (let cx = 0; cx < side; cx++) {
              const [px, py] = applyAffine(p.toImage, (cx + 0.5) * cell, (cy + 0.5) * cell);
              let hit = false;
              for (let y = Math.max(0, Math.floor(py - tol)); !hit && y <= Math.min(image.height - 1, Math.ceil(py + tol)); y++)
                for (let x = Math.max(0, Math.floor(px - tol)); x <= Math.min(image.width - 1, Math.ceil(px + tol)); x++)
                  if (region[y * image.width + x]) {
                    hit = true;
                    break;
                  }
              if (hit) cells.push(cy * side + cx);
            }
        }
        items.push({ ...item, score: (out[manifest.outputs.score!].data as Float32Array)[0],
          plain: plain ? (out[plain].data as Float32Array)[0] : undefined,
          cells,
        });
      }
      const cat = (xs: Float32Array[]) => {
        const n = xs.reduce((a, x) => a + x.length, 0);
        const o = new Float32Array(n);
        let at = 0;
        for (const x of xs) {
          o.set(x, at);
          at += x.length;
        }
        return Buffer.from(o.buffer);
      };
      writeFileSync(join(cache, `${name}.f32`), cat(inputs));
      writeFileSync(join(cache, `${name}.map.f32`), cat(maps));
      if (tap) writeFileSync(join(cache, `${name}.tap.f32`), cat(taps));
      if (fineZ) writeFileSync(join(cache, `${name}.finez.f32`), cat(fines));
      writeFileSync(join(cache, `${name}.json`), JSON.stringify(items));
      console.error(`${name}: ${items.length} images in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    await be.release();
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
