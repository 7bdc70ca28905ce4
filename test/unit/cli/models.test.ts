// Which model is offered first: manifests marked "default": true lead the list (the extension and the
// CLI take the first when nothing is chosen); the bundled default is the fitted chest detector, and the
// PCA starter model is still there, no longer first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, promises as fsp, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { discoverModels, type ModelFs } from '../../../src/core/model/registry';

const ROOT = resolve(__dirname, '../../..');
const fs: ModelFs = {
  readdir: (d) => fsp.readdir(d),
  readFile: async (p) => new Uint8Array(await fsp.readFile(p)),
  exists: async (p) => existsSync(p),
  isDirectory: async (p) => (await fsp.stat(p)).isDirectory(),
};

function manifest(id: string, extra: Record<string, unknown> = {}) {
  return {
    schema: 'xray-anomaly-model/1',
    id,
    name: id,
    version: '1',
    onnx: `${id}.onnx`,
    input: { name: 'x', channels: 1, height: 8, width: 8 },
    preprocessing: { steps: [] },
    outputs: { score: 's' },
    calibration: { threshold: 0, min: 0, max: 1 },
    ...extra,
  };
}

test('a manifest with "default": true comes first; the others keep their folder order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'models-'));
  for (const [id, extra] of [
    ['aaa', {}],
    ['mmm', { default: true }],
    ['zzz', {}],
  ] as const) {
    writeFileSync(join(dir, `${id}.model.json`), JSON.stringify(manifest(id, extra)));
    writeFileSync(join(dir, `${id}.onnx`), 'x');
  }
  const { models, problems } = await discoverModels([{ path: dir, origin: 'configured' }], fs);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    models.map((m) => [m.id, m.isDefault ?? false]),
    [
      ['mmm', true],
      ['aaa', false],
      ['zzz', false],
    ],
  );
  mkdirSync(join(dir, 'bad'));
  writeFileSync(join(dir, 'bad', 'b.model.json'), JSON.stringify(manifest('b', { default: 'yes' })));
  const again = await discoverModels([{ path: dir, origin: 'configured' }], fs);
  assert.match(again.problems[0].message, /default must be true or false/);
});

test('the bundled list starts with the fitted chest detector; the PCA starter is still offered', async () => {
  const { models, problems } = await discoverModels([{ path: join(ROOT, 'models'), origin: 'bundled' }], fs);
  assert.deepEqual(problems, []);
  assert.equal(models[0].id, 'chest-patchcore');
  assert.equal(models[0].isDefault, true);
  const pca = models.find((m) => m.id === 'pca-ae-chest');
  assert.ok(pca && !pca.isDefault);
});
