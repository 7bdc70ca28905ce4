import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manifestJsonSchema } from '../../../src/core/model/schema';
import { KNOWN_OPS } from '../../../src/core/preprocess/ops';
import type { JsonSchema } from '../../../src/core/model/jsonschema';

test('the published JSON Schema lists every preprocessing step and is plain JSON', () => {
  const steps = manifestJsonSchema.properties!.preprocessing.properties!.steps.items!.oneOf!;
  assert.deepEqual(
    steps.map((s: JsonSchema) => s.properties!.op.const),
    KNOWN_OPS,
  );
  assert.deepEqual(JSON.parse(JSON.stringify(manifestJsonSchema)), manifestJsonSchema);
  assert.equal(manifestJsonSchema.$schema, 'http://json-schema.org/draft-07/schema#');
  for (const key of manifestJsonSchema.required!) assert.ok(manifestJsonSchema.properties![key], key);
});
