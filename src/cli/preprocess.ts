/**
 * `xray-anomaly preprocess <folder> --spec <pipeline.json | model.model.json> --out <dir>`: writes what the
 * product's preprocessing pipeline makes of every image in a folder, so that training code (training/,
 * Python) fits on exactly the pixels the extension will feed the model. There is deliberately no second
 * implementation of the steps anywhere else.
 *
 * Output, per pipeline output (one per image, or one per hand with splitHands):
 *   <out>/arrays/<n>.npy       float32 [height, width], the pipeline's output plane (before input.normalize)
 *   <out>/arrays/<n>.mask.npy  uint8 [height, width], 1 = foreground (what reconstruction scores are masked to)
 *   <out>/index.jsonl          one JSON record per image: path, subject, outputs (files, region, notices) or error
 *   <out>/spec.json            the spec and size the arrays were made with; a re-run with another spec is refused
 * A killed run resumes: images already in index.jsonl are skipped.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage } from '../core/decode/index';
import { toErrorInfo, XrayError } from '../core/errors';
import { DEFAULT_DECODE_LIMITS } from '../core/image/types';
import { subjectKey } from '../core/fit/split';
import { inShard, parseShard, scanImages } from '../core/dataset/scan';
import { parseManifest } from '../core/model/validate';
import { runPipelineMulti } from '../core/preprocess/pipeline';
import type { PipelineSpec } from '../core/preprocess/spec';
import { pipelineOutputSize, validatePipeline } from '../core/preprocess/validate';
import { nodeScanFs } from './scoring';

export const PREPROCESS_USAGE = `  xray-anomaly preprocess <folder> --spec <pipeline.json|model.model.json> --out <dir> [--size N]
                          [--list <files.txt>] [--shard i/n]   (float32 .npy per image + index.jsonl, for training/)`;

export interface PreparedSpec {
  spec: PipelineSpec;
  width: number;
  height: number;
}

/**
 * The pipeline and output size from a spec file: a model manifest (its preprocessing and input size) or a
 * bare pipeline `{"steps": [...]}` whose last resize step fixes the size (or `size` when it does not).
 */
export function readSpec(text: string, file: string, size?: number): PreparedSpec {
  if (file.endsWith('.model.json')) {
    const m = parseManifest(text, file);
    return { spec: m.preprocessing, width: m.input.width, height: m.input.height };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new XrayError('MODEL_INVALID', `${file} is not valid JSON: ${err instanceof Error ? err.message : err}.`);
  }
  const problems: string[] = [];
  validatePipeline(value, 'spec', problems);
  if (problems.length) throw new XrayError('MODEL_INVALID', `${file} is not a pipeline spec: ${problems.join('; ')}.`);
  const spec = value as PipelineSpec;
  const fixed = pipelineOutputSize(spec);
  if (fixed && size !== undefined && (fixed.width !== size || fixed.height !== size))
    throw new XrayError(
      'MODEL_INVALID',
      `${file} makes ${fixed.width}x${fixed.height} images but --size is ${size}; drop --size or change the spec's last resize step.`,
    );
  if (fixed) return { spec, ...fixed };
  if (size === undefined)
    throw new XrayError('MODEL_INVALID', `${file} has no fixed-size resize step: give --size N (square output).`);
  return { spec, width: size, height: size };
}

/** NumPy .npy (format 1.0) bytes for a C-ordered array: dtype '<f4' (Float32Array) or '|u1' (Uint8Array). */
export function encodeNpy(data: Float32Array | Uint8Array, shape: readonly number[]): Uint8Array {
  const descr = data instanceof Float32Array ? '<f4' : '|u1';
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`npy: shape ${shape.join('x')} does not hold ${data.length} values`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  // Magic (6) + version (2) + length (2) + header + '\n' is padded to a multiple of 64, as numpy writes it.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  // .npy is little-endian as declared; so is every platform Node runs on in practice.
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

export interface IndexRecord {
  path: string;
  subject: string;
  outputs?: { file: string; mask: string; region?: { index: number; count: number }; notices: string[] }[];
  error?: { code: string; message: string };
}

/** Preprocesses one file into `arrays/`; never throws for a bad image (the record carries the error). */
export async function preprocessFile(
  root: string,
  rel: string,
  prepared: PreparedSpec,
  out: string,
  n: number,
): Promise<IndexRecord> {
  const base = { path: rel, subject: subjectKey(rel) };
  try {
    const bytes = new Uint8Array(readFileSync(join(root, rel)));
    const image = await decodeImage(bytes, rel, DEFAULT_DECODE_LIMITS);
    const results = runPipelineMulti(image, prepared.spec, { width: prepared.width, height: prepared.height });
    const outputs = results.map((r, k) => {
      const stem = `arrays/${n}${results.length > 1 ? `-${k}` : ''}`;
      writeFileSync(join(out, `${stem}.npy`), encodeNpy(r.image.data, [r.image.height, r.image.width]));
      writeFileSync(join(out, `${stem}.mask.npy`), encodeNpy(r.foreground, [r.image.height, r.image.width]));
      return {
        file: `${stem}.npy`,
        mask: `${stem}.mask.npy`,
        ...(r.region ? { region: r.region } : {}),
        notices: [...image.source.notices, ...r.notices],
      };
    });
    return { ...base, outputs };
  } catch (err) {
    const info = toErrorInfo(err);
    return { ...base, error: { code: info.code, message: info.message } };
  }
}

function readIndex(file: string): Map<string, IndexRecord> {
  const done = new Map<string, IndexRecord>();
  if (!existsSync(file)) return done;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as IndexRecord;
      done.set(r.path, r);
    } catch {
      // A torn last line from a killed run: that image is done again.
    }
  }
  return done;
}

/** The command: returns the number of images that failed (recorded in the index, not fatal). */
export async function runPreprocess(
  argv: string[],
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<{ done: number; failed: number; out: string }> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      spec: { type: 'string' },
      out: { type: 'string' },
      size: { type: 'string' },
      shard: { type: 'string' },
      list: { type: 'string' },
    },
  });
  const folder = positionals[0];
  if (!folder || !values.spec || !values.out)
    throw new XrayError('INTERNAL', `preprocess needs a folder, --spec and --out\n${PREPROCESS_USAGE}`);
  const size = values.size === undefined ? undefined : Number(values.size);
  if (size !== undefined && !(Number.isInteger(size) && size > 0))
    throw new XrayError('INTERNAL', `--size must be a positive integer (got ${values.size})`);
  const prepared = readSpec(readFileSync(values.spec, 'utf8'), values.spec, size);
  const root = resolve(folder);
  const out = resolve(values.out);
  mkdirSync(join(out, 'arrays'), { recursive: true });
  const specFile = join(out, 'spec.json');
  const specText = JSON.stringify({ ...prepared, root, tool: 'xray-anomaly preprocess' }, null, 2) + '\n';
  if (existsSync(specFile) && readFileSync(specFile, 'utf8') !== specText)
    throw new XrayError(
      'INTERNAL',
      `${out} holds arrays made with another spec or folder (see its spec.json); use another --out or delete it.`,
    );
  writeFileSync(specFile, specText);
  const shard = values.shard ? parseShard(values.shard) : undefined;
  const listing = await scanImages(root, nodeScanFs);
  // --list: only these files (paths relative to the folder, one a line), e.g. the images of a split.
  const wanted = values.list
    ? new Set(
        readFileSync(values.list, 'utf8')
          .split(/\r?\n/)
          .filter((l) => l.trim()),
      )
    : undefined;
  if (wanted) {
    const known = new Set(listing);
    const missing = [...wanted].filter((f) => !known.has(f));
    if (missing.length)
      throw new XrayError(
        'INTERNAL',
        `${missing.length} listed file(s) are not images under ${root}, e.g. ${missing[0]}`,
      );
  }
  const files = listing.filter((f) => inShard(f, shard) && (!wanted || wanted.has(f)));
  if (files.length === 0) throw new XrayError('INTERNAL', `no images under ${root}`);
  const indexFile = join(out, 'index.jsonl');
  const done = readIndex(indexFile);
  if (existsSync(indexFile)) {
    const text = readFileSync(indexFile, 'utf8');
    if (text.length && !text.endsWith('\n')) appendFileSync(indexFile, '\n');
  }
  // Array names are numbered by position in the sorted listing, so a resumed run names the rest the same way.
  const numberOf = new Map(listing.map((f, i) => [f, i]));
  let failed = 0;
  let last = 0;
  const t0 = Date.now();
  const todo = files.filter((f) => !done.has(f));
  for (let i = 0; i < todo.length; i++) {
    const rec = await preprocessFile(root, todo[i], prepared, out, numberOf.get(todo[i])!);
    appendFileSync(indexFile, JSON.stringify(rec) + '\n');
    if (rec.error) {
      failed++;
      write(`  ${rec.path}: [${rec.error.code}] ${rec.error.message}`);
    }
    if (Date.now() - last > 5000 || i === todo.length - 1) {
      last = Date.now();
      write(`preprocess: ${i + 1}/${todo.length} (${((i + 1) / ((last - t0) / 1000 || 1e-3)).toFixed(1)} img/s)`);
    }
  }
  failed += [...done.values()].filter((r) => r.error && files.includes(r.path)).length;
  return { done: files.length, failed, out };
}
