/**
 * `tsx scripts/models/experiments/local-maps-sheet.ts [--refs 60] [--count 8] [--maps ship,ship+pos6]`: a
 * contact sheet of planted cases (lytic, sclerotic and fracture first: what the shipped map misses) with
 * local-maps.ts's cached maps drawn as bench:planted draws its examples, one row per case and map, so a map's
 * pointing can be looked at, not only counted. Needs local-maps.ts's cache (cal and planted sets).
 * Writes test-output/local-maps/sheet.png.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { standardiser } from '../../../src/core/fit/combine';
import { applyAffine, invertAffine } from '../../../src/core/image/types';
import { parseManifest } from '../../../src/core/model/validate';
import { prepareInput } from '../../../src/core/preprocess/pipeline';
import { writeSheet, type SheetCase } from '../../bench/planted-sheet';
import { argValue, ROOT } from '../protocol';
import { evalSets, type EvalItem } from './eval-sets';

interface Row extends EvalItem {
  maps: Record<string, number[]>;
}

async function main(argv: string[]): Promise<void> {
  const manifestPath = join(ROOT, 'models/chest-patchcore/chest-patchcore.model.json');
  const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
  const dir = join(ROOT, '.cache/local-maps', `${manifest.version}-refs${argValue(argv, '--refs') ?? 60}`);
  const count = Number(argValue(argv, '--count') ?? 8);
  const names = (argValue(argv, '--maps') ?? 'ship,ship+pos6').split(',').map((m) => m.split('+'));
  const cal = JSON.parse(readFileSync(join(dir, 'cal.json'), 'utf8')) as Row[];
  const planted = new Map((JSON.parse(readFileSync(join(dir, 'planted.json'), 'utf8')) as Row[]).map((r) => [r.id, r]));
  // Per-position calibration as local-maps.ts (the shipped map is already centred by the model).
  const calib = (n: string) => {
    if (n === 'ship') return (m: number[]) => Float32Array.from(m);
    const hw = cal[0].maps[n].length;
    const st = Array.from({ length: hw }, (_, p) => standardiser(cal.map((r) => r.maps[n][p])));
    const floor = 0.5 * st.map((s) => s.sd).sort((a, b) => a - b)[Math.floor(hw / 2)];
    return (m: number[]) => Float32Array.from(m, (v, p) => (v - st[p].mean) / Math.max(st[p].sd, floor));
  };
  const cals = Object.fromEntries([...new Set(names.flat())].map((n) => [n, calib(n)]));
  const order = ['lytic', 'sclerotic', 'fracture', 'metal', 'foreign', 'missing'];
  const cases: SheetCase[] = [];
  const picked: { item: Awaited<ReturnType<typeof next>>; row: Row }[] = [];
  const sets = await evalSets();
  const gen = sets.planted();
  const next = async () => (await gen.next()).value;
  for (let item = await next(); item; item = await next()) {
    const row = planted.get(item.id);
    if (!row || !item.plant || item.plant.area < 0.01 || item.plant.contrast < 0.8) continue;
    picked.push({ item, row });
  }
  picked.sort((a, b) => order.indexOf(a.item!.plant!.kind) - order.indexOf(b.item!.plant!.kind));
  const perKind = new Map<string, number>();
  for (const { item, row } of picked) {
    const kind = item!.plant!.kind;
    if ((perKind.get(kind) ?? 0) >= Math.ceil(count / 4) || cases.length >= count * names.length) continue;
    perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
    const image = item!.image;
    const toModel = invertAffine(prepareInput(image, manifest).toImage);
    for (const combo of names) {
      const side = Math.max(...combo.map((n) => Math.round(Math.sqrt(row.maps[n].length))));
      const grid = new Float32Array(side * side);
      for (const n of combo) {
        const s = Math.round(Math.sqrt(row.maps[n].length));
        const m = cals[n](row.maps[n]);
        for (let i = 0; i < grid.length; i++)
          grid[i] += m[Math.floor(Math.floor(i / side) / (side / s)) * s + Math.floor((i % side) / (side / s))];
      }
      const cell = manifest.input.width / side;
      const values = new Float32Array(image.width * image.height).fill(NaN);
      for (let y = 0; y < image.height; y++)
        for (let x = 0; x < image.width; x++) {
          const [mx, my] = applyAffine(toModel, x + 0.5, y + 0.5);
          const cx = Math.floor(mx / cell);
          const cy = Math.floor(my / cell);
          if (cx >= 0 && cy >= 0 && cx < side && cy < side) values[y * image.width + x] = grid[cy * side + cx];
        }
      cases.push({
        label: `${kind} ${item!.plant!.area * 100}% c${item!.plant!.contrast}: ${combo.join(' + ')}`,
        image,
        region: item!.region!,
        map: { width: image.width, height: image.height, values },
      });
    }
  }
  const out = join(ROOT, 'test-output/local-maps');
  mkdirSync(out, { recursive: true });
  await writeSheet(join(out, 'sheet.png'), cases);
  console.error(`wrote ${join(out, 'sheet.png')} (${cases.length} rows)`);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
