/**
 * `tsx scripts/models/experiments/fine-profile.ts [--model <manifest>] [--per 10]`: where a model's time per image
 * goes in onnxruntime (CPU, one thread): runs it with onnxruntime's profiler on the first `per` test-dev images of
 * each class (after one warm run) and sums the kernel time per operator type and per node, largest first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeImage } from '../../../src/core/decode/index';
import { parseManifest } from '../../../src/core/model/validate';
import { prepareInput } from '../../../src/core/preprocess/pipeline';
import { argValue, ROOT } from '../protocol';
import { devSample } from './dataset';

interface Event {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

async function main(argv: string[]): Promise<void> {
  const path = argValue(argv, '--model') ?? join(ROOT, 'models/chest-patchcore/chest-patchcore.model.json');
  const per = Number(argValue(argv, '--per') ?? 10);
  const manifest = parseManifest(readFileSync(path, 'utf8'), path);
  const session = await ort.InferenceSession.create(join(path, '..', manifest.onnx), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionProviders: ['cpu'],
    enableProfiling: true,
    profileFilePrefix: join(ROOT, 'test-output/fine-profile'),
  });
  const files = devSample(per);
  let runs = 0;
  for (const f of [files[0], ...files]) {
    const prepared = prepareInput(await decodeImage(readFileSync(f), f), manifest);
    await session.run({ [manifest.input.name]: new ort.Tensor('float32', prepared.tensor, [...prepared.dims]) });
    runs++;
  }
  session.endProfiling();
  await session.release();
  const dir = join(ROOT, 'test-output');
  const file = readdirSync(dir)
    .filter((f) => f.startsWith('fine-profile') && f.endsWith('.json'))
    .sort()
    .pop()!;
  const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Event[];
  const byOp = new Map<string, number>();
  const byNode = new Map<string, number>();
  let total = 0;
  let model = 0;
  for (const e of events) {
    if (e.cat === 'Session' && e.name === 'model_run') model += e.dur;
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const node = e.name.replace(/_kernel_time$/, '');
    const op = e.args?.op_name ?? '?';
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    byNode.set(`${op} ${node}`, (byNode.get(`${op} ${node}`) ?? 0) + e.dur);
    total += e.dur;
  }
  const ms = (us: number) => (us / 1000 / runs).toFixed(2);
  console.log(`${manifest.version}: ${runs} runs, model_run ${ms(model)} ms, kernels ${ms(total)} ms per image`);
  for (const [k, v] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  op   ${ms(v)} ms  ${k}`);
  for (const [k, v] of [...byNode].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  node ${ms(v)} ms  ${k}`);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(1);
});
