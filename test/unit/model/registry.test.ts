import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverModels, type ModelFs } from '../../../src/core/model/registry';
import { makeManifest } from '../preprocess/images';

// The real file system, through the same adapter shape the extension uses.
const nodeFs: ModelFs = {
  readdir: (dir) => fsp.readdir(dir),
  readFile: async (p) => new Uint8Array(await fsp.readFile(p)),
  exists: async (p) =>
    fsp.access(p).then(
      () => true,
      () => false,
    ),
};

function writeModel(dir: string, base: string, over: Record<string, unknown> = {}, withOnnx = true): void {
  mkdirSync(dir, { recursive: true });
  const m = {
    ...makeManifest([{ op: 'resizePad', size: 64 }], { id: base, name: `Model ${base}`, onnx: `${base}.onnx` }),
    ...over,
  };
  writeFileSync(join(dir, `${base}.model.json`), JSON.stringify(m));
  if (withOnnx) writeFileSync(join(dir, String(m.onnx)), 'onnx bytes');
}

test('discovers manifests in folders and one level of subfolders, reporting every bad one', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'xray-models-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const bundled = join(root, 'bundled');
  const user = join(root, 'user');
  writeModel(bundled, 'alpha');
  writeModel(join(bundled, 'beta'), 'beta', { onnx: 'weights/beta.onnx' }, false);
  mkdirSync(join(bundled, 'beta', 'weights'));
  writeFileSync(join(bundled, 'beta', 'weights', 'beta.onnx'), 'x');
  writeModel(join(bundled, 'deep', 'deeper'), 'too-deep');
  writeModel(user, 'alpha'); // duplicate id: the bundled one wins
  writeModel(user, 'no-onnx', {}, false);
  writeModel(user, 'escape', { onnx: '../bundled/alpha.onnx' });
  writeFileSync(join(user, 'bad.model.json'), '{ not json');
  writeFileSync(join(user, 'image.png'), 'png');
  writeModel(join(user, 'node_modules'), 'ignored');

  const { models, problems } = await discoverModels(
    [
      { path: bundled, origin: 'bundled' },
      { path: user, origin: 'configured' },
      { path: join(root, 'missing'), origin: 'workspace' },
      { path: bundled, origin: 'workspace' },
    ],
    nodeFs,
  );
  assert.deepEqual(
    models.map((m) => [m.id, m.origin, m.onnxPath]),
    [
      ['alpha', 'bundled', join(bundled, 'alpha.onnx')],
      ['beta', 'bundled', join(bundled, 'beta', 'weights', 'beta.onnx')],
    ],
  );
  assert.equal(models[0].manifestPath, join(bundled, 'alpha.model.json'));
  const byPath = new Map(problems.map((p) => [p.path, p.message]));
  assert.match(
    byPath.get(join(user, 'alpha.model.json'))!,
    /Duplicate model id 'alpha': already provided by .*bundled.*alpha\.model\.json \(bundled\)/,
  );
  assert.match(
    byPath.get(join(user, 'no-onnx.model.json'))!,
    /ONNX file 'no-onnx\.onnx' named by this manifest does not exist/,
  );
  assert.match(byPath.get(join(user, 'escape.model.json'))!, /onnx must stay inside the manifest's folder/);
  assert.match(byPath.get(join(user, 'bad.model.json'))!, /not valid JSON/);
  assert.match(byPath.get(join(root, 'missing'))!, /Model folder cannot be read: it does not exist/);
  assert.equal(problems.length, 5, JSON.stringify(problems, null, 1));
});

test('an empty folder list finds nothing and reports nothing', async () => {
  assert.deepEqual(await discoverModels([], nodeFs), { models: [], problems: [] });
});
