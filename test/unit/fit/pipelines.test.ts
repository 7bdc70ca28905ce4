// The fit's preprocessing pipelines (src/core/fit/pipelines.ts): every one is a valid spec that ends at the
// backbone's input size; 'chest' is the default model's pipeline; the hand pipelines split two hands into
// two inputs and mask the background; 'backbone' is the backbone's own steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FIT_PIPELINE_IDS, FIT_PIPELINES, fitPipelineSpec, isFitPipelineId } from '../../../src/core/fit/pipelines';
import { prepareInputs } from '../../../src/core/preprocess/pipeline';
import type { PipelineSpec } from '../../../src/core/preprocess/spec';
import { pipelineOutputSize, validatePipeline } from '../../../src/core/preprocess/validate';
import type { ModelManifest } from '../../../src/core/model/manifest';
import { handPhantom } from '../../fixtures/images';
import { phantomImage as image } from '../preprocess/images';

const ROOT = resolve(__dirname, '../../..');
const backbone = JSON.parse(readFileSync(join(ROOT, 'models/backbones/mobilenetv2-nsfwjs.backbone.json'), 'utf8')) as {
  input: ModelManifest['input'];
  preprocessing: PipelineSpec;
};

test('every pipeline is a valid spec ending at the backbone input size; ids and labels agree', () => {
  assert.deepEqual(FIT_PIPELINES.map((p) => p.id).sort(), [...FIT_PIPELINE_IDS].sort());
  for (const id of FIT_PIPELINE_IDS) {
    assert.ok(isFitPipelineId(id));
    for (const input of [
      { width: 224, height: 224 },
      { width: 128, height: 96 },
    ]) {
      const spec = fitPipelineSpec(id, input, backbone.preprocessing);
      const problems: string[] = [];
      validatePipeline(spec, id, problems);
      assert.deepEqual(problems, [], `${id}: ${problems.join('; ')}`);
      if (id !== 'backbone') assert.deepEqual(pipelineOutputSize(spec), input, id);
    }
  }
  assert.equal(isFitPipelineId('knee'), false);
  assert.deepEqual(fitPipelineSpec('backbone', backbone.input, backbone.preprocessing), backbone.preprocessing);
});

test("'chest' is the default model's pipeline (models/chest-patchcore): refits and the default prepare alike", () => {
  const m = JSON.parse(
    readFileSync(join(ROOT, 'models/chest-patchcore/chest-patchcore.model.json'), 'utf8'),
  ) as ModelManifest;
  assert.deepEqual(fitPipelineSpec('chest', m.input, backbone.preprocessing), m.preprocessing);
});

test('the hand pipelines give one input per hand of a two-hand film, background masked; one hand gives one', () => {
  const input = { name: 'input', channels: 3, width: 64, height: 64 };
  for (const id of ['hand', 'hand-clahe'] as const) {
    const manifest = { input, preprocessing: fitPipelineSpec(id, input, backbone.preprocessing) } as ModelManifest;
    const two = prepareInputs(image(handPhantom({ width: 320, height: 200, hands: 2, seed: 3 })), manifest);
    assert.equal(two.length, 2, `${id}: two hands -> two inputs`);
    const one = prepareInputs(image(handPhantom({ width: 160, height: 200, seed: 4 })), manifest);
    assert.equal(one.length, 1, `${id}: one hand -> one input`);
    for (const r of [...two, ...one]) {
      assert.equal(r.tensor.length, 3 * 64 * 64);
      // The corners are background (masked to black); the hand is bright after equalisation.
      const plane = r.tensor.subarray(0, 64 * 64);
      assert.equal(plane[0], 0, `${id}: corner masked`);
      assert.ok(Math.max(...plane) > 0.8, `${id}: the hand is there`);
    }
  }
});
