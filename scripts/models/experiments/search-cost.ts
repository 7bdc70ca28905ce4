/**
 * `tsx scripts/models/experiments/search-cost.ts [--rounds 30]`: what the fine map's position-aware search
 * (positional.ts addPositional) costs in onnxruntime (CPU, one thread) for several reference counts, reaches and
 * two MatMul layouts, on random block-6-shaped features (192 x 28 x 28; the cost does not depend on the values).
 * Each graph is the search alone (AveragePool + addPositional, float16 references cast to float32 as exported);
 * they take turns run by run. Prints the median wall ms per image and the ratio to the first (the shipped setting).
 */
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../../src/core/onnx/builder';
import { addPositional, layOutReference } from '../../../src/core/fit/positional';
import { mulberry32 } from '../../../src/core/fit/random';
import { argValue } from '../protocol';

const [C, H, W] = [192, 28, 28];

function graph(refs: number, reach: number, layout: 'query-rows' | 'ref-rows', project = 0): Uint8Array {
  const rng = mulberry32(refs * 10 + reach);
  const c = project || C;
  const images = Array.from({ length: refs }, () => Float32Array.from({ length: H * W * c }, () => 2 * rng()));
  const matrix = Float32Array.from({ length: c * C }, () => rng() - 0.5);
  const ref = {
    ...layOutReference(images, { c, h: H, w: W }, reach, true),
    ...(project ? { projection: { matrix, from: C } } : {}),
  };
  const g = new GraphBuilder('search');
  const x = g.input('x', ['N', C, H, W]);
  const pooled = g.op('AveragePool', [x], { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], count_include_pad: 0 });
  const n = g.op('Slice', [g.op('Shape', [x]), g.constant(new BigInt64Array([0n]), [1]), g.constant(new BigInt64Array([1n]), [1])]);
  g.op('Identity', [addPositional(g, pooled, ref, n, 'refs', layout)], {}, 'd');
  g.output('d', ['N', H * W]);
  return g.toBytes({ opset: 17 });
}

async function main(argv: string[]): Promise<void> {
  const rounds = Number(argValue(argv, '--rounds') ?? 30);
  const settings: [number, number, 'query-rows' | 'ref-rows', number?][] = [
    [60, 1, 'query-rows'],
    [60, 1, 'ref-rows'],
    [60, 0, 'query-rows'],
    [60, 0, 'ref-rows'],
    [120, 0, 'ref-rows'],
    [30, 0, 'ref-rows'],
    [30, 1, 'query-rows'],
    [60, 1, 'query-rows', 64],
    [60, 1, 'query-rows', 32],
  ];
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'] };
  const sessions = [];
  for (const s of settings) sessions.push(await ort.InferenceSession.create(graph(...s), opts));
  const rng = mulberry32(7);
  const feeds = { x: new ort.Tensor('float32', Float32Array.from({ length: C * H * W }, () => 2 * rng()), [1, C, H, W]) };
  const times = settings.map(() => [] as number[]);
  const outs: Float32Array[] = [];
  for (const s of sessions) outs.push((await s.run(feeds)).d.data as Float32Array); // warm
  for (let r = 0; r < rounds; r++)
    for (let j = 0; j < sessions.length; j++) {
      const k = (j + r) % sessions.length;
      const t = performance.now();
      await sessions[k].run(feeds);
      times[k].push(performance.now() - t);
    }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const m0 = median(times[0]);
  settings.forEach(([refs, reach, layout, project], k) => {
    const twin = project ? -1 : settings.findIndex(([r2, re2, l2, p2]) => r2 === refs && re2 === reach && l2 !== layout && !p2);
    let diff = 0;
    if (twin >= 0) for (let i = 0; i < outs[k].length; i++) diff = Math.max(diff, Math.abs(outs[k][i] - outs[twin][i]) / outs[twin][i]);
    console.log(
      `${refs} refs, reach ${reach}, ${layout}${project ? `, ${project} channels` : ''}: ${median(times[k]).toFixed(2)} ms per image, ${(median(times[k]) / m0).toFixed(2)}x${twin >= 0 ? `; max rel diff to the other layout ${diff.toExponential(1)}` : ''}`,
    );
  });
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
