/** Backbone manifests: the bundled one matches its ONNX file; bad ones are refused field by field. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { backboneIOProblems, FeatureExtractor } from '../../../src/core/fit/backbone';
import {
  backboneProblems,
  defaultBackbonePreprocessing,
  parseBackboneManifest,
} from '../../../src/core/model/backbone';
import { inspectModel } from '../../../src/core/onnx/compose';
import { ortCompute } from '../../../src/engine/ortCompute';
import { tinyBackboneBytes } from '../fit/phantoms';

const ROOT = resolve(__dirname, '../../..');
const BUNDLED = join(ROOT, 'models/backbones/mobilenetv2-nsfwjs.backbone.json');
const be = ortCompute({ threads: 1 });
after(() => be.release());

test('the bundled backbone manifest is valid and fits its ONNX file: block_10_expand_relu, 384 x 14 x 14 at stride 16', async () => {
  const b = parseBackboneManifest(readFileSync(BUNDLED, 'utf8'), BUNDLED);
  assert.equal(b.tap, 'block_10_expand_relu');
  assert.deepEqual(b.preprocessing.steps[0], { op: 'intensity', mode: 'bits' });
  const fx = await FeatureExtractor.open(be, b, readFileSync(join(ROOT, 'models/backbones', b.onnx)), 'bundled');
  assert.deepEqual(fx.shape, { c: 384, h: 14, w: 14, stride: 16 });
  const maps = await fx.run(new Float32Array(2 * 3 * 224 * 224).fill(0.5), 2);
  assert.equal(maps.n, 2);
  assert.equal(maps.data.length, 2 * 384 * 196);
});

test('every problem of a backbone manifest is named; preprocessing defaults to bits + photometric + resize', () => {
  assert.deepEqual(
    backboneProblems({
      schema: 'xray-anomaly-backbone/1',
      id: 'a',
      name: 'a',
      onnx: 'a.onnx',
      input: { name: 'x', channels: 3, height: 32, width: 32 },
      tap: 't',
    }),
    [],
  );
  const p = backboneProblems({
    schema: 'xray-anomaly-backbone/1',
    id: 'bad id!',
    name: 'a',
    onnx: '../a.onnx',
    input: { name: 'x', channels: 2, height: 32, width: 32 },
  });
  assert.ok(
    p.some((x) => /tap/.test(x)),
    p.join('\n'),
  );
  assert.ok(p.some((x) => /id/.test(x)));
  assert.ok(p.some((x) => /channels/.test(x)));
  const q = backboneProblems({
    schema: 'xray-anomaly-backbone/1',
    id: 'a',
    name: 'a',
    onnx: '../a.onnx',
    input: { name: 'x', channels: 3, height: 32, width: 32 },
    tap: 't',
    preprocessing: { steps: [{ op: 'resize', width: 16, height: 16 }] },
  });
  assert.ok(
    q.some((x) => /onnx must stay inside/.test(x)),
    q.join('\n'),
  );
  assert.ok(
    q.some((x) => /produces 16x16 images but input is 32x32/.test(x)),
    q.join('\n'),
  );
  assert.throws(() => parseBackboneManifest('{', 'x.backbone.json'), /x\.backbone\.json is not valid JSON/);
  assert.deepEqual(defaultBackbonePreprocessing({ width: 96, height: 64 }).steps.at(-1), {
    op: 'resize',
    width: 96,
    height: 64,
  });
});

test('inspectModel sees inputs, outputs and intermediate tensors; the IO check lists each mismatch', () => {
  const info = inspectModel(tinyBackboneBytes({ inputSize: 64 }));
  assert.deepEqual(
    info.inputs.map((i) => [i.name, i.dims]),
    [['image', ['N', 3, 64, 64]]],
  );
  assert.deepEqual(info.outputs, ['feat']);
  assert.ok(info.tensors.has('relu'));
  const problems = backboneIOProblems(
    {
      schema: 'xray-anomaly-backbone/1',
      id: 'a',
      name: 'a',
      onnx: 'a.onnx',
      input: { name: 'image', channels: 1, height: 32, width: 32 },
      tap: 'nope',
    },
    info,
  );
  assert.equal(problems.length, 3, problems.join('\n'));
});
