// `xray-anomaly preprocess` writes exactly what the product's pipeline makes of each image (training/ reads
// it, so models see what the extension will feed them), as .npy files numpy can read, resumably.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../../../src/core/decode/index';
import { DEFAULT_DECODE_LIMITS } from '../../../src/core/image/types';
import { runPipelineMulti } from '../../../src/core/preprocess/pipeline';
import type { PipelineSpec } from '../../../src/core/preprocess/spec';
import { encodeNpy, readSpec, runPreprocess, type IndexRecord } from '../../../src/cli/preprocess';
import { encodePng, pattern16, tempDir } from '../engine/helpers';

const SPEC: PipelineSpec = {
  steps: [
    { op: 'intensity', mode: 'percentile', low: 0.5, high: 99.5 },
    { op: 'photometric', invertBrightBackground: true },
    { op: 'histogramEqualize' },
    { op: 'resizePad', size: 32 },
  ],
};

/** Reads a .npy written by encodeNpy back: dtype, shape and values (parsing the header as numpy does). */
function readNpy(bytes: Uint8Array): { descr: string; shape: number[]; data: Float32Array | Uint8Array } {
  assert.deepEqual([...bytes.slice(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const len = bytes[8] | (bytes[9] << 8);
  assert.equal((10 + len) % 64, 0, 'header padded to 64 bytes');
  const header = Buffer.from(bytes.slice(10, 10 + len)).toString('latin1');
  const descr = /'descr': '([^']+)'/.exec(header)![1];
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1].split(',').filter((s) => s.trim()).map(Number);
  const body = bytes.slice(10 + len);
  const data = descr === '<f4' ? new Float32Array(body.buffer, body.byteOffset, body.byteLength / 4) : body;
  return { descr, shape, data };
}

test('encodeNpy writes numpy format 1.0 headers for float32 and uint8 arrays', () => {
  const f = readNpy(encodeNpy(new Float32Array([1.5, -2, 3, 4, 5, 6]), [2, 3]));
  assert.equal(f.descr, '<f4');
  assert.deepEqual(f.shape, [2, 3]);
  assert.deepEqual([...f.data], [1.5, -2, 3, 4, 5, 6]);
  const u = readNpy(encodeNpy(new Uint8Array([1, 0, 1]), [3]));
  assert.deepEqual([u.descr, u.shape, [...u.data]], ['|u1', [3], [1, 0, 1]]);
  assert.throws(() => encodeNpy(new Float32Array(5), [2, 3]), /does not hold/);
});

test('readSpec takes a pipeline or a manifest, and refuses a size the spec contradicts', () => {
  assert.deepEqual(readSpec(JSON.stringify(SPEC), 'p.json'), { spec: SPEC, width: 32, height: 32 });
  assert.throws(() => readSpec(JSON.stringify(SPEC), 'p.json', 64), /makes 32x32 images but --size is 64/);
  assert.throws(() => readSpec(JSON.stringify({ steps: [{ op: 'histogramEqualize' }] }), 'p.json'), /give --size/);
  assert.throws(() => readSpec('{"steps":[{"op":"nope"}]}', 'p.json'), /not a pipeline spec/);
  const manifest = readFileSync(join(__dirname, '../../../models/pca-ae-chest.model.json'), 'utf8');
  assert.equal(readSpec(manifest, 'pca-ae-chest.model.json').width, 128);
});

test('preprocess writes the pipeline output of every image, records failures, resumes, refuses another spec', async () => {
  const { dir, cleanup } = tempDir('preprocess');
  try {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'NORMAL'), { recursive: true });
    const pngs = [0, 1, 2].map((i) => encodePng(40 + i * 8, 48, pattern16(40 + i * 8, 48, i + 1)));
    pngs.forEach((p, i) => writeFileSync(join(src, 'NORMAL', `IM-000${i}-0001.png`), p));
    writeFileSync(join(src, 'NORMAL', 'broken.png'), 'not a png');
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(SPEC));
    const out = join(dir, 'out');
    const lines: string[] = [];
    const r = await runPreprocess([src, '--spec', join(dir, 'spec.json'), '--out', out], (l) => lines.push(l));
    assert.deepEqual([r.done, r.failed], [4, 1]);
    const index = readFileSync(join(out, 'index.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as IndexRecord);
    assert.equal(index.length, 4);
    const bad = index.find((x) => x.path === 'NORMAL/broken.png')!;
    assert.equal(bad.error?.code, 'UNSUPPORTED_FORMAT');
    for (const [i, png] of pngs.entries()) {
      const rec = index.find((x) => x.path === `NORMAL/IM-000${i}-0001.png`)!;
      assert.equal(rec.subject, `IM-000${i}`);
      const want = runPipelineMulti(await decodeImage(png, 'x.png', DEFAULT_DECODE_LIMITS), SPEC, { width: 32, height: 32 });
      const arr = readNpy(readFileSync(join(out, rec.outputs![0].file)));
      assert.deepEqual(arr.shape, [32, 32]);
      assert.deepEqual([...arr.data], [...want[0].image.data], 'the same values as the product pipeline');
      assert.deepEqual([...readNpy(readFileSync(join(out, rec.outputs![0].mask))).data], [...want[0].foreground]);
    }
    // A second run finds everything done; a run with another spec into the same folder is refused.
    const again = await runPreprocess([src, '--spec', join(dir, 'spec.json'), '--out', out], () => undefined);
    assert.equal(readFileSync(join(out, 'index.jsonl'), 'utf8').trim().split('\n').length, 4);
    assert.equal(again.failed, 1);
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ steps: [{ op: 'resizePad', size: 16 }] }));
    await assert.rejects(
      runPreprocess([src, '--spec', join(dir, 'other.json'), '--out', out], () => undefined),
      /made with another spec/,
    );
    // --list restricts the run to the named files and names files that are not there.
    writeFileSync(join(dir, 'list.txt'), 'NORMAL/IM-0001-0001.png\n');
    const listed = await runPreprocess([src, '--spec', join(dir, 'spec.json'), '--out', join(dir, 'o2'), '--list', join(dir, 'list.txt')], () => undefined);
    assert.equal(listed.done, 1);
    assert.ok(existsSync(join(dir, 'o2', 'arrays', '1.npy')));
    writeFileSync(join(dir, 'list.txt'), 'NORMAL/missing.png\n');
    await assert.rejects(
      runPreprocess([src, '--spec', join(dir, 'spec.json'), '--out', join(dir, 'o3'), '--list', join(dir, 'list.txt')]),
      /not images under/,
    );
  } finally {
    cleanup();
  }
});
