/**
 * How well the dataset-quality checks find duplicates (issue 10, item 5), through the product's own code
 * (decode, engine/batch/quality.ts, core/quality):
 *
 * 1. Planted fixture: `--originals` distinct real chest X-rays (test-dev), and for `--edited` of them each
 *    of six edits a dataset's copies go through (JPEG re-encoding, 75% size, 8% brighter, slight blur, 3%
 *    border crop, 2 degree rotation). An original and its edits are one family: every pair within a
 *    family is a true near-duplicate pair, every pair across families a false one. Precision and recall
 *    over pairs for each distance in bits, and per edit the recall of (original, edit) pairs.
 * 2. The real data: every image of train/ and test-dev/; byte-identical pairs (SHA-256, the content hash
 *    the batch keeps) and the near-duplicate pairs the default distance finds beyond them, with a contact
 *    sheet of those to look at; the other flags' counts with the default thresholds.
 *
 * Usage: node --import tsx scripts/eval/quality.ts [--data DIR] [--originals 400] [--edited 40] [--out test-output/eval]
 * Writes <out>/quality.json and <out>/quality-near-pairs.png; prints a Markdown summary.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { decodeImage } from '../../src/core/decode';
import { DEFAULT_DECODE_LIMITS } from '../../src/core/image/types';
import { flagCounts, qualityReports } from '../../src/core/quality/flags';
import { hamming } from '../../src/core/quality/phash';
import type { QualityMeasures } from '../../src/core/quality/types';
import { measureQuality } from '../../src/engine/batch/quality';
import { QUALITY_DEFAULTS } from '../../src/protocol/settings';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const data = arg(
  'data',
  existsSync('../shared/data') ? '../shared/data/chest-xray-pneumonia' : '/work/shared/data/chest-xray-pneumonia',
);
const nOriginals = Number(arg('originals', '400'));
const nEdited = Number(arg('edited', '40'));
const out = arg('out', 'test-output/eval');
const MAX_BITS = 10;
const only = arg('only', 'both');

type Sharp = ReturnType<typeof sharp>;
const EDITS: Record<string, (s: Sharp, w: number, h: number) => Sharp> = {
  jpeg50: (s) => s.jpeg({ quality: 50 }),
  resize75: (s, w, h) => s.resize(Math.round(w * 0.75), Math.round(h * 0.75)),
  brighter8: (s) => s.linear(1.08, 0),
  blur08: (s) => s.blur(0.8),
  crop3: (s, w, h) => {
    const dx = Math.round(w * 0.03);
    const dy = Math.round(h * 0.03);
    return s.extract({ left: dx, top: dy, width: w - 2 * dx, height: h - 2 * dy }).resize(w, h);
  },
  rotate2: (s, w, h) => s.rotate(2, { background: '#000' }).resize(w, h, { fit: 'cover' }),
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : /\.(jpe?g|png)$/i.test(e.name) ? [join(dir, e.name)] : [],
    )
    .sort();
}

async function measure(bytes: Uint8Array, name: string): Promise<QualityMeasures> {
  return measureQuality(await decodeImage(bytes, name, DEFAULT_DECODE_LIMITS));
}

/** Precision and recall over pairs at each distance; `truth` holds "i j" keys (i < j). */
function pairFigures(hashes: string[], truth: Set<string>) {
  const found = Array.from({ length: MAX_BITS + 1 }, () => ({ tp: 0, fp: 0 }));
  for (let i = 0; i < hashes.length; i++)
    for (let j = i + 1; j < hashes.length; j++) {
      const d = hamming(hashes[i], hashes[j]);
      if (d > MAX_BITS) continue;
      const hit = truth.has(`${i} ${j}`);
      for (let b = d; b <= MAX_BITS; b++) hit ? found[b].tp++ : found[b].fp++;
    }
  return found.map((f, bits) => ({
    bits,
    found: f.tp + f.fp,
    truePairs: f.tp,
    precision: f.tp + f.fp ? f.tp / (f.tp + f.fp) : 1,
    recall: f.tp / truth.size,
  }));
}

async function planted() {
  // Originals: distinct contents only (the data has byte-identical copies), spread over the folders.
  const all = files(join(data, 'test-dev'));
  const seen = new Set<string>();
  const originals: { path: string; bytes: Buffer }[] = [];
  for (const [k, p] of all.entries()) {
    if (originals.length >= nOriginals) break;
    if (k % Math.max(1, Math.floor(all.length / nOriginals)) !== 0) continue;
    const bytes = readFileSync(p);
    const h = createHash('sha256').update(bytes).digest('hex');
    if (seen.has(h)) continue;
    seen.add(h);
    originals.push({ path: p, bytes });
  }
  const hashes: string[] = [];
  /** Family (index of the original) of each hash. */
  const family: number[] = [];
  for (const [i, o] of originals.entries()) {
    hashes.push((await measure(o.bytes, o.path)).phash);
    family.push(i);
  }
  const truth = new Set<string>();
  const byEdit: Record<string, Set<string>> = {};
  for (let k = 0; k < Math.min(nEdited, originals.length); k++) {
    const o = originals[Math.floor((k * originals.length) / nEdited)];
    const oi = originals.indexOf(o);
    const meta = await sharp(o.bytes).metadata();
    for (const [name, edit] of Object.entries(EDITS)) {
      const bytes = await edit(sharp(o.bytes), meta.width!, meta.height!).png().toBuffer();
      hashes.push((await measure(new Uint8Array(bytes), `${name}.png`)).phash);
      family.push(oi);
      (byEdit[name] ??= new Set()).add(`${oi} ${hashes.length - 1}`);
    }
  }
  for (let i = 0; i < hashes.length; i++)
    for (let j = i + 1; j < hashes.length; j++) if (family[i] === family[j]) truth.add(`${i} ${j}`);
  const overall = pairFigures(hashes, truth);
  const recallByEdit = Object.fromEntries(
    Object.entries(byEdit).map(([name, keys]) => [
      name,
      overall.map(
        (_, bits) =>
          [...keys].filter((k) => {
            const [i, j] = k.split(' ').map(Number);
            return hamming(hashes[i], hashes[j]) <= bits;
          }).length / keys.size,
      ),
    ]),
  );
  return { originals: originals.length, plantedPairs: truth.size, overall, recallByEdit };
}

async function real() {
  const paths = [...files(join(data, 'train')), ...files(join(data, 'test-dev'))];
  const rows: { path: string; hash: string; measures: QualityMeasures }[] = [];
  const t0 = performance.now();
  for (const p of paths) {
    const bytes = readFileSync(p);
    rows.push({
      path: relative(data, p),
      hash: createHash('sha256').update(bytes).digest('hex'),
      measures: await measure(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), p),
    });
  }
  const msPerImage = (performance.now() - t0) / paths.length;
  const exact = new Set<string>();
  const near: { a: number; b: number; bits: number }[] = [];
  for (let i = 0; i < rows.length; i++)
    for (let j = i + 1; j < rows.length; j++) {
      if (rows[i].hash === rows[j].hash) exact.add(`${i} ${j}`);
      const d = hamming(rows[i].measures.phash, rows[j].measures.phash);
      if (d <= MAX_BITS) near.push({ a: i, b: j, bits: d });
    }
  const perBits = Array.from({ length: MAX_BITS + 1 }, (_, bits) => {
    const within = near.filter((n) => n.bits <= bits);
    const identical = within.filter((n) => exact.has(`${n.a} ${n.b}`)).length;
    return { bits, pairs: within.length, byteIdentical: identical, recallOfIdentical: identical / exact.size };
  });
  const extra = near
    .filter((n) => n.bits <= QUALITY_DEFAULTS.nearDuplicateBits && !exact.has(`${n.a} ${n.b}`))
    .sort((x, y) => x.bits - y.bits);
  await contactSheet(extra.slice(0, 12).map((n) => [join(data, rows[n.a].path), join(data, rows[n.b].path), n.bits]));
  const reports = qualityReports(rows, QUALITY_DEFAULTS);
  return {
    images: rows.length,
    msPerImage,
    byteIdenticalPairs: exact.size,
    byteIdenticalPairsByFolder: countBy(
      [...exact].map((k) => rows[Number(k.split(' ')[0])].path.split('/').slice(0, 2).join('/')),
    ),
    perBits,
    extraNearPairsAtDefault: extra.map((n) => ({ a: rows[n.a].path, b: rows[n.b].path, bits: n.bits })),
    flagCounts: flagCounts(reports),
  };
}

function countBy(keys: string[]): Record<string, number> {
  const m: Record<string, number> = {};
  for (const k of keys) m[k] = (m[k] ?? 0) + 1;
  return m;
}

async function contactSheet(pairs: [string, string, number][]) {
  const S = 160;
  if (pairs.length === 0) return;
  const tiles = await Promise.all(
    pairs
      .flatMap(([a, b]) => [a, b])
      .map((p) => sharp(p).resize(S, S, { fit: 'contain' }).grayscale().png().toBuffer()),
  );
  const cols = 4;
  const rowsN = Math.ceil(tiles.length / cols);
  await sharp({ create: { width: cols * S, height: rowsN * S, channels: 3, background: '#222' } })
    .composite(tiles.map((input, i) => ({ input, left: (i % cols) * S, top: Math.floor(i / cols) * S })))
    .png()
    .toFile(join(out, 'quality-near-pairs.png'));
}

void (async () => {
  mkdirSync(out, { recursive: true });
  const p = only === 'real' ? undefined : await planted();
  const r = only === 'planted' ? undefined : await real();
  writeFileSync(join(out, 'quality.json'), JSON.stringify({ planted: p, real: r }, null, 2));
  const pct = (x: number) => x.toFixed(2);
  if (p) {
    console.log(
      `## Planted fixture: ${p.originals} distinct originals, ${p.plantedPairs} planted pairs (${Object.keys(EDITS).join(', ')})\n`,
    );
    console.log('| bits | pairs found | precision | recall | ' + Object.keys(EDITS).join(' | ') + ' |');
    console.log(
      '|---|---|---|---|' +
        Object.keys(EDITS)
          .map(() => '---|')
          .join(''),
    );
    for (const f of p.overall)
      console.log(
        `| ${f.bits} | ${f.found} | ${pct(f.precision)} | ${pct(f.recall)} | ${Object.values(p.recallByEdit)
          .map((r) => pct(r[f.bits]))
          .join(' | ')} |`,
      );
  }
  if (r) {
    console.log(`\n## Real data: ${r.images} images (${r.msPerImage.toFixed(1)} ms each: read + decode + measure)\n`);
    console.log(`Byte-identical pairs: ${r.byteIdenticalPairs} ${JSON.stringify(r.byteIdenticalPairsByFolder)}\n`);
    console.log('| bits | near pairs | of them byte-identical | recall of identical |\n|---|---|---|---|');
    for (const b of r.perBits)
      console.log(`| ${b.bits} | ${b.pairs} | ${b.byteIdentical} | ${pct(b.recallOfIdentical)} |`);
    console.log(
      `\nNear pairs beyond the identical ones at the default ${QUALITY_DEFAULTS.nearDuplicateBits} bits: ${r.extraNearPairsAtDefault.length} (first 12 in ${join(out, 'quality-near-pairs.png')})`,
    );
    for (const e of r.extraNearPairsAtDefault.slice(0, 12)) console.log(`- ${e.a}  ${e.b}  (${e.bits} bits)`);
    console.log(`\nFlags with the default thresholds: ${JSON.stringify(r.flagCounts)}`);
  }
})();
