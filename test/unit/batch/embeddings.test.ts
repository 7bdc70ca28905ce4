// The batch service writes each scored content's backbone embedding beside the store when the model names
// a feature tap (real engine, real session with the extra output), and nothing for a model without one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BatchService } from '../../../src/engine/batch/service';
import { embeddingPath, loadEmbeddings } from '../../../src/engine/batch/embeddings';
import { modelRefOf } from '../../../src/engine/batch/service';
import type { BatchRow } from '../../../src/core/batch/types';
import type { EngineClient } from '../../../src/engine/client';
import { writeReconstructionModel } from '../../fixtures/models';
import { batchModel, buildOnce, makeDataset, newEngine, workDir } from './helpers';

let work: string;
let data: string;
let engine: EngineClient;

before(async () => {
  buildOnce();
  work = workDir('batch-embeddings');
  data = await makeDataset(work, 6);
  engine = newEngine();
});
after(() => engine.dispose());

test('a model with a feature tap: one vector per scored content, in the model file beside the store', async () => {
  const tapped = writeReconstructionModel(join(work, 'models'), {
    name: 'tapped',
    kind: 'blur',
    batch: 'N',
    width: 32,
    height: 32,
    // The blurred image plays the backbone's feature map: its channel mean is the (1-value) embedding.
    manifest: { metadata: { fit: { backbone: { tap: 'reconstruction' } } } },
  });
  const plain = batchModel(join(work, 'models'));
  const store = join(work, 'r.jsonl');
  const rows: BatchRow[] = [];
  await new BatchService(engine).run(
    { root: data, models: [{ manifestPath: tapped.manifestPath }, { manifestPath: plain.manifestPath }], store },
    { onRows: (r) => rows.push(...r) },
  );
  const ref = await modelRefOf(tapped.manifestPath);
  const set = await loadEmbeddings(store, ref);
  assert.ok(set, 'the embeddings file exists');
  assert.equal(set.dim, 1);
  const scored = rows.filter((r) => r.modelId === 'tapped' && r.score);
  assert.ok(scored.length >= 6);
  for (const r of scored) {
    const i = set.indexOf.get(r.hash);
    assert.ok(i !== undefined, `no vector for ${r.path}`);
    // One positive value, normalised: 127.
    assert.equal(set.vectors[i], 127);
  }
  assert.equal(set.hashes.length, new Set(scored.map((r) => r.hash)).size);
  assert.equal(existsSync(embeddingPath(store, await modelRefOf(plain.manifestPath))), false);
});
