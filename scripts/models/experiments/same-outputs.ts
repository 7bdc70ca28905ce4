/**
 * `tsx scripts/models/experiments/same-outputs.ts --model <manifest> --model <manifest> [--per 40]`: do two models
 * give the same outputs? Runs both (onnxruntime-node, CPU, one thread) on the first `per` test-dev images of each
 * class and prints the largest difference of `pred_score` and of `anomaly_map` (absolute, and relative to the
 * map's range), how many outputs are bit-identical, and how often the map's peak moves. For graph rewrites that
 * must not change a model's results (a cheaper layout of the same arithmetic).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeImage } from '../../../src/core/decode/index';
import { parseManifest } from '../../../src/core/model/validate';
import { prepareInput } from '../../../src/core/preprocess/pipeline';
import { argValue } from '../protocol';
import { devSample } from './dataset';

async function main(argv: string[]): Promise<void> {
  const paths = argv.flatMap((a, i) => (argv[i - 1] === '--model' ? [a] : []));
  if (paths.length !== 2) throw new Error('give two --model manifests');
  const per = Number(argValue(argv, '--per') ?? 40);
  const models = await Promise.all(
    paths.map(async (p) => {
      const manifest = parseManifest(readFileSync(p, 'utf8'), p);
      const session = await ort.InferenceSession.create(join(p, '..', manifest.onnx), {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionProviders: ['cpu'],
      });
      return { manifest, session };
    }),
  );
  const [a, b] = models;
  let score = 0;
  let map = 0;
  let rel = 0;
  let sameScores = 0;
  let sameMaps = 0;
  let peaksMoved = 0;
  const files = devSample(per);
  for (const f of files) {
    const prepared = prepareInput(await decodeImage(readFileSync(f), f), a.manifest);
    const feeds = { [a.manifest.input.name]: new ort.Tensor('float32', prepared.tensor, [...prepared.dims]) };
    const [ra, rb] = [await a.session.run(feeds), await b.session.run(feeds)];
    const sa = ra[a.manifest.outputs.score!].data as Float32Array;
    const sb = rb[b.manifest.outputs.score!].data as Float32Array;
    score = Math.max(score, Math.abs(sa[0] - sb[0]));
    if (sa[0] === sb[0]) sameScores++;
    const ma = ra[a.manifest.outputs.anomalyMap!].data as Float32Array;
    const mb = rb[b.manifest.outputs.anomalyMap!].data as Float32Array;
    let lo = Infinity;
    let hi = -Infinity;
    let d = 0;
    let pa = 0;
    let pb = 0;
    let identical = true;
    for (let i = 0; i < ma.length; i++) {
      lo = Math.min(lo, ma[i]);
      hi = Math.max(hi, ma[i]);
      d = Math.max(d, Math.abs(ma[i] - mb[i]));
      if (ma[i] !== mb[i]) identical = false;
      if (ma[i] > ma[pa]) pa = i;
      if (mb[i] > mb[pb]) pb = i;
    }
    map = Math.max(map, d);
    rel = Math.max(rel, d / (hi - lo || 1));
    if (identical) sameMaps++;
    if (pa !== pb) peaksMoved++;
  }
  await Promise.all(models.map((m) => m.session.release()));
  console.log(
    `${files.length} test-dev images: pred_score max |diff| ${score.toExponential(2)} (${sameScores} bit-identical); ` +
      `anomaly_map max |diff| ${map.toExponential(2)} = ${(rel * 100).toPrecision(2)}% of an image's map range ` +
      `(${sameMaps} bit-identical maps); peak moved on ${peaksMoved}`,
  );
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
