// Runs an ONNX file with onnxruntime-node (the product's runtime) on a raw little-endian float32 input and
// prints every output as JSON: used by training/tests to check exports against torch.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const [model, input, shape] = process.argv.slice(2);
const dims = shape.split(',').map(Number);
const bytes = readFileSync(input);
const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
const session = await ort.InferenceSession.create(model);
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, dims) };
const out = await session.run(feeds);
const json = {};
for (const [name, t] of Object.entries(out)) json[name] = { dims: t.dims, data: Array.from(t.data) };
process.stdout.write(JSON.stringify(json));
