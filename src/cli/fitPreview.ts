/**
 * `xray-anomaly fit <folder> --preview <dir> [--pipeline <id>]`: before fitting, what each preprocessing
 * pipeline (core/fit/pipelines.ts) makes of 4 of the folder's images, as one PNG sheet per pipeline: a row
 * per image, the original first, then the pipeline's output(s) (one per hand after a split). The engine
 * decodes and runs the pipeline, exactly as the fit will.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toErrorInfo } from '../core/errors';
import { type FitPipelineId, fitPipelineInfo, fitPipelineSpec } from '../core/fit/pipelines';
import { encodeGreyPng } from '../core/image/png';
import { DEFAULT_DECODE_LIMITS } from '../core/image/types';
import { parseBackboneManifest } from '../core/model/backbone';
import type { PipelinePreview } from '../core/preprocess/preview';
import type { EngineClient } from '../engine/client';

const CELL = 160;
const GAP = 8;

type Thumb = PipelinePreview['steps'][number]['thumb'];

/** Up to `n` files spread evenly over the list, first and last included. */
export function spread<T>(files: readonly T[], n = 4): T[] {
  if (files.length <= n) return [...files];
  return [...new Set(Array.from({ length: n }, (_, i) => Math.round((i * (files.length - 1)) / (n - 1))))].map(
    (i) => files[i],
  );
}

/** Rows of thumbnails on one grey sheet, each centred in a CELL x CELL square. */
export function composeSheet(rows: Thumb[][]): { width: number; height: number; data: Uint8Array } {
  const cols = Math.max(1, ...rows.map((r) => r.length));
  const width = GAP + cols * (CELL + GAP);
  const height = GAP + Math.max(1, rows.length) * (CELL + GAP);
  const data = new Uint8Array(width * height).fill(48);
  rows.forEach((row, r) =>
    row.forEach((t, c) => {
      const w = Math.min(t.width, CELL);
      const h = Math.min(t.height, CELL);
      const x0 = GAP + c * (CELL + GAP) + Math.floor((CELL - w) / 2);
      const y0 = GAP + r * (CELL + GAP) + Math.floor((CELL - h) / 2);
      for (let y = 0; y < h; y++) data.set(t.data.subarray(y * t.width, y * t.width + w), (y0 + y) * width + x0);
    }),
  );
  return { width, height, data };
}

export async function writePreviewSheets(
  engine: EngineClient,
  files: string[],
  backbonePath: string,
  pipelines: readonly FitPipelineId[],
  outDir: string,
  write: (line: string) => void,
): Promise<string[]> {
  const backbone = parseBackboneManifest(readFileSync(backbonePath, 'utf8'), backbonePath);
  mkdirSync(outDir, { recursive: true });
  const samples: { file: string; imageId?: string }[] = [];
  for (const file of spread(files)) {
    try {
      if (statSync(file).size > DEFAULT_DECODE_LIMITS.maxFileBytes) throw new Error('too large to preview');
      const d = await engine.decode({
        bytes: new Uint8Array(readFileSync(file)),
        fileName: file,
        limits: DEFAULT_DECODE_LIMITS,
      });
      samples.push({ file, imageId: d.imageId });
    } catch (err) {
      write(`preview: ${file} cannot be read: ${toErrorInfo(err).message}`);
    }
  }
  const written: string[] = [];
  try {
    for (const id of pipelines) {
      const spec = fitPipelineSpec(id, backbone.input, backbone.preprocessing);
      const rows: Thumb[][] = [];
      for (const s of samples) {
        try {
          const p = await engine.previewSpec({ imageId: s.imageId!, spec, thumbSize: CELL });
          rows.push([
            p.steps[0].thumb,
            ...p.steps.slice(Math.max(1, p.steps.length - (p.regions ?? 1))).map((e) => e.thumb),
          ]);
        } catch (err) {
          write(`preview (${id}): ${s.file}: ${toErrorInfo(err).message}`);
          rows.push([]);
        }
      }
      const sheet = composeSheet(rows);
      const path = join(outDir, `${id}.png`);
      writeFileSync(path, encodeGreyPng(sheet.width, sheet.height, sheet.data));
      written.push(path);
      write(`preview: ${path}  ${fitPipelineInfo(id).label}: ${fitPipelineInfo(id).detail}`);
    }
  } finally {
    for (const s of samples) if (s.imageId) await engine.releaseImage({ imageId: s.imageId }).catch(() => undefined);
  }
  return written;
}
