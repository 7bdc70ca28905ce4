/** One worker of scripts/bench/infer-in-workers.ts: the product's prep job steps, then its own ORT session. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { decodeImage } from '../../src/core/decode';
import { DEFAULT_DECODE_LIMITS } from '../../src/core/image/types';
import type { ModelManifest } from '../../src/core/model/manifest';
import { prepareInputs } from '../../src/core/preprocess/pipeline';
import { sessionOptions } from '../../src/engine/providers';

const { onnx, manifest: manifestPath, batch } = workerData as { onnx: string; manifest: string; batch: number };
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ModelManifest;
const scoreName = manifest.outputs.score ?? 'pred_score';

async function main(): Promise<void> {
  const session = await ort.InferenceSession.create(onnx, sessionOptions('cpu', 1));
  const { height, width } = manifest.input;
  parentPort!.on('message', (files: string[]) => {
    void (async () => {
      const scores: number[] = [];
      for (let i = 0; i < files.length; i += batch) {
        const part = files.slice(i, i + batch);
        const tensor = new Float32Array(part.length * height * width);
        for (let j = 0; j < part.length; j++) {
          const bytes = readFileSync(part[j]);
          createHash('sha256').update(bytes).digest('hex');
          const image = await decodeImage(new Uint8Array(bytes), part[j], DEFAULT_DECODE_LIMITS);
          tensor.set(prepareInputs(image, manifest)[0].tensor, j * height * width);
        }
        const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', tensor, [part.length, 1, height, width]) };
        const out = await session.run(feeds, [scoreName]);
        scores.push(...(out[scoreName].data as Float32Array));
      }
      parentPort!.postMessage(scores);
    })();
  });
  parentPort!.postMessage('ready');
}

void main();
