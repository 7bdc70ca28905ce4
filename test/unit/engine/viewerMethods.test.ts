// The engine methods behind the editor's issue-3 panels, through the real engine process: DICOM
// attributes read beside the image (decode with tags), and the step-by-step preprocessing preview of a
// loaded model on a held image.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { XrayError } from '../../../src/core/errors';
import type { EngineClient } from '../../../src/engine/client';
import { makeDicom, textBytes } from '../../fixtures/dicom';
import { writeAnomalyMapModel } from '../../fixtures/models';
import { bundleEngine, encodePng, LIMITS, newClient, pattern16, tempDir } from './helpers';

let client: EngineClient;
let dir: string;
const cleanups: (() => void)[] = [];

before(async () => {
  const bundle = await bundleEngine();
  const tmp = tempDir('engine-viewer');
  dir = tmp.dir;
  cleanups.push(bundle.cleanup, tmp.cleanup);
  client = newClient(bundle.enginePath).client;
  cleanups.push(() => client.dispose());
});

after(() => cleanups.reverse().forEach((c) => c()));

test("decode with tags lists a DICOM file's attributes, patient data flagged", async () => {
  const bytes = await makeDicom({ width: 32, height: 24, patientName: 'Doe^Jane', patientId: 'MRN-7' });
  const r = await client.decode({ bytes, fileName: 'x.dcm', limits: LIMITS, tags: true });
  assert.equal(r.image.width, 32);
  assert.ok(r.tags && r.tags.length > 10, `attributes listed: ${r.tags?.length}`);
  const name = r.tags.find((t) => t.keyword === 'PatientName');
  assert.equal(name?.value, 'Doe^Jane');
  assert.equal(name?.phi, true);
  assert.equal(r.tags.find((t) => t.keyword === 'Rows')?.phi, false);
  assert.equal(r.tagsError, undefined);
  // Without the flag, no attributes travel.
  const plain = await client.decode({ bytes, fileName: 'x.dcm', limits: LIMITS });
  assert.equal(plain.tags, undefined);
});

test('decode with tags of a non-DICOM image gives the image and no tags', async () => {
  const png = encodePng(16, 16, pattern16(16, 16));
  const r = await client.decode({ bytes: png, fileName: 'x.png', limits: LIMITS, tags: true });
  assert.equal(r.image.source.format, 'png');
  assert.equal(r.tags, undefined);
  assert.equal(r.tagsError, undefined);
  await assert.rejects(
    client.decode({ bytes: textBytes(), fileName: 'x.dcm', limits: LIMITS, tags: true }),
    (e: unknown) => e instanceof XrayError,
  );
});

test("preview runs the model's own pipeline on the held image, one entry per step after the input", async () => {
  const m = writeAnomalyMapModel(dir, {
    name: 'pad',
    height: 32,
    width: 32,
    pool: 4,
    manifest: {
      preprocessing: {
        steps: [
          { op: 'intensity', mode: 'minmax' },
          { op: 'resizePad', size: 32 },
        ],
      },
    },
  });
  const png = encodePng(80, 40, pattern16(80, 40));
  const { imageId } = await client.decode({ bytes: png, fileName: 'wide.png', limits: LIMITS });
  const { modelKey } = await client.loadModel({ manifestPath: m.manifestPath, provider: 'cpu' });
  const p = await client.preview({ imageId, modelKey, thumbSize: 64 });
  assert.deepEqual(
    p.steps.map((s) => s.op),
    ['input', 'intensity', 'resizePad'],
  );
  const last = p.steps[2];
  assert.deepEqual([last.width, last.height], [32, 32]);
  assert.ok(last.thumb.data instanceof Uint8Array && last.thumb.data.length === last.thumb.width * last.thumb.height);
  assert.deepEqual([p.steps[0].thumb.width, p.steps[0].thumb.height], [64, 32]);
  // Output (0, 8) of the padded 32 x 32 is the image's top-left corner (80 x 40 scaled by 0.4, padded by 8).
  const [a, , c, , e, f] = last.toImage;
  assert.ok(
    Math.abs(a - 2.5) < 1e-9 && Math.abs(c) < 1e-9 && Math.abs(e - 2.5) < 1e-9 && Math.abs(f + 20) < 1e-9,
    `toImage ${last.toImage}`,
  );
  await assert.rejects(
    client.preview({ imageId: 'nope', modelKey }),
    (e: unknown) => e instanceof XrayError && e.code === 'IMAGE_NOT_FOUND',
  );
});
