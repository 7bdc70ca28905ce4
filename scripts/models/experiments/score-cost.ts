/**
 * `tsx scripts/models/experiments/score-cost.ts --model <manifest> --model <manifest>[#cut] [--per 15] [--rounds 3]`:
 * what one image costs each model in onnxruntime (CPU, one thread), prepared inputs only (decoding and
 * preprocessing are the same for both): the models take turns image by image, in rotating order each round, so a
 * change of load hits both alike. Prints the median wall ms and the process CPU ms per image of each, and
 * their ratios to the first model (the same-run reference). `#cut` after a manifest path runs that model's graph cut
 * to its score (extractSubmodel, as a lean session would when the cut pays).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeImage } from '../../../src/core/decode/index';
import { extractSubmodel } from '../../../src/core/onnx/compose';
import { parseManifest } from '../../../src/core/model/validate';
import { prepareInput } from '../../../src/core/preprocess/pipeline';

import { devSample } from './dataset';

async function main(argv: string[]): Promise<void> {
  const paths = argv.flatMap((a, i) => (argv[i - 1] === '--model' ? [a] : []));
  const at = (name: string, d: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : d);
  const per = at('--per', 15);
  const rounds = at('--rounds', 3);
  const models = await Promise.all(
    paths.map(async (arg) => {
      const [p, cut] = [arg.replace(/#cut$/, ''), arg.endsWith('#cut')];
      const manifest = parseManifest(readFileSync(p, 'utf8'), p);
      const bytes = new Uint8Array(readFileSync(join(p, '..', manifest.onnx)));
      const graph = cut ? extractSubmodel(bytes, [manifest.outputs.score!]) : bytes;
      const session = await ort.InferenceSession.create(graph, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionProviders: ['cpu'],
      });
      return { p: arg, manifest, session, wall: [] as number[], cpu: [] as number[] };
    }),
  );
  const files = devSample(per);
  const inputs = await Promise.all(
    files.map(async (f) => {
      const prepared = prepareInput(await decodeImage(readFileSync(f), f), models[0].manifest);
      return { [models[0].manifest.input.name]: new ort.Tensor('float32', prepared.tensor, [...prepared.dims]) };
    }),
  );
  for (const m of models) await m.session.run(inputs[0]); // warm
  for (let r = 0; r < rounds; r++)
    for (const feeds of inputs)
      for (let j = 0; j < models.length; j++) {
        const m = models[(j + r) % models.length];
        const [t, c] = [performance.now(), process.cpuUsage()];
        await m.session.run(feeds);
        const dc = process.cpuUsage(c);
        m.wall.push(performance.now() - t);
        m.cpu.push((dc.user + dc.system) / 1000);
      }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const [w0, c0] = [median(models[0].wall), median(models[0].cpu)];
  for (const m of models) {
    const [w, c] = [median(m.wall), median(m.cpu)];
    console.log(
      `${m.manifest.version} (${m.p}): median ${w.toFixed(1)} ms wall, ${c.toFixed(1)} ms CPU per image (${m.wall.length} runs); ratio to the first ${(w / w0).toFixed(2)} wall, ${(c / c0).toFixed(2)} CPU`,
    );
    await m.session.release();
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
