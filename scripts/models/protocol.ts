/**
 * The research protocol run through the product: a seeded, patient-grouped split of a labelled folder
 * (<data>/NORMAL, <data>/<abnormal>) materialised as folders of symbolic links, a fit through the
 * engine (exactly what `xray-anomaly fit` and the editor command run), and an evaluation through the
 * engine (exactly what `xray-anomaly eval` runs). Used by bench:accuracy and models:default.
 */
import { existsSync, mkdirSync, rmSync, symlinkSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scanImages } from '../../src/core/dataset/scan';
import { groupedHoldout, subjectKey } from '../../src/core/fit/split';
import type { ModelInfo } from '../../src/core/model/manifest';
import { EngineClient } from '../../src/engine/client';
import { describeFitResult, runFit } from '../../src/cli/fit';
import { evaluateFolder, nodeScanFs, type EvalReport } from '../../src/cli/scoring';
import type { FitResult } from '../../src/protocol/engine';

export const ROOT = resolve(__dirname, '../..');
export const ENGINE = join(ROOT, 'dist/engine.js');
/** The shared data folder: ../shared beside the checkout, or XRAY_SHARED (e.g. from a git worktree). */
export const SHARED = process.env.XRAY_SHARED ?? join(ROOT, '../shared');

export interface SplitOptions {
  data: string;
  abnormal: string;
  seed: number;
  /** Held-out images per class (capped to a quarter of the normals and to the abnormal count). */
  valPerClass: number;
}

export interface MaterialisedSplit {
  dir: string;
  /** Folder of links to the normals to fit on. */
  fit: string;
  /** Folder with NORMAL/ and <abnormal>/ links: the held-out validation images. */
  val: string;
  counts: { fit: number; valNormal: number; valAbnormal: number };
}

/** Same split as the research (scripts/models/experiments/dataset.ts): per class, whole patients held out. */
export async function materialiseSplit(o: SplitOptions): Promise<MaterialisedSplit> {
  const normals = await scanImages(join(o.data, 'NORMAL'), nodeScanFs);
  const abnormal = await scanImages(join(o.data, o.abnormal), nodeScanFs);
  const per = Math.min(o.valPerClass, Math.floor(normals.length * 0.25), abnormal.length);
  if (normals.length < 20 || per < 2) throw new Error(`${o.data} needs at least 20 normal and 2 ${o.abnormal} images for a split (has ${normals.length} and ${abnormal.length})`);
  const n = groupedHoldout(normals, subjectKey, per, o.seed);
  const a = groupedHoldout(abnormal, subjectKey, per, o.seed + 1000);
  const tag = `${resolve(o.data).replace(/[^\w]+/g, '_').slice(-60)}-seed${o.seed}-val${per}`;
  const dir = join(ROOT, '.cache/splits', tag);
  rmSync(dir, { recursive: true, force: true });
  const link = (from: string, to: string) => {
    mkdirSync(join(to, '..'), { recursive: true });
    symlinkSync(resolve(from), to);
  };
  for (const f of n.rest) link(join(o.data, 'NORMAL', f), join(dir, 'fit', f));
  for (const f of n.held) link(join(o.data, 'NORMAL', f), join(dir, 'val/NORMAL', f));
  for (const f of a.held) link(join(o.data, o.abnormal, f), join(dir, 'val', o.abnormal, f));
  return { dir, fit: join(dir, 'fit'), val: join(dir, 'val'), counts: { fit: n.rest.length, valNormal: n.held.length, valAbnormal: a.held.length } };
}

export function newEngine(threads = 2, verbose = false): EngineClient {
  if (!existsSync(ENGINE)) throw new Error(`${ENGINE} is missing: run node scripts/build.mjs first`);
  return new EngineClient({
    enginePath: ENGINE,
    env: { XRAY_ANOMALY_ENGINE_THREADS: String(threads) },
    log: (level, message) => {
      if (verbose || level === 'error') process.stderr.write(`[engine ${level}] ${message}\n`);
    },
  });
}

export interface FitSettings {
  id: string;
  name?: string;
  out: string;
  coreset?: number;
  calibration?: number;
  backbone?: string;
  /** Position-aware local evidence (FitModelRequest.positional). */
  positional?: boolean;
  /** Only the fine position-aware map, not the score part (FitModelRequest.positionalMap). */
  positionalMap?: boolean;
  /** The image score also reads the fine map (FitModelRequest.fineScore). */
  fineScore?: boolean;
  /** The fine map also compares local grey-level contrast (FitModelRequest.contrastMap). */
  contrastMap?: boolean;
}

export async function fitThroughEngine(engine: EngineClient, folder: string, s: FitSettings): Promise<FitResult> {
  mkdirSync(s.out, { recursive: true });
  const result = await runFit(engine, { folder, out: s.out, id: s.id, name: s.name, coreset: s.coreset, calibration: s.calibration, backbone: s.backbone, positional: s.positional, positionalMap: s.positionalMap, fineScore: s.fineScore, contrastMap: s.contrastMap, overwrite: true, write: (l) => process.stderr.write(`${l}\n`) });
  process.stderr.write(describeFitResult(result) + '\n');
  return result;
}

export function modelInfoOf(manifestPath: string): ModelInfo {
  const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
  return { id: m.id, name: m.name, version: m.version, manifestPath, onnxPath: join(manifestPath, '..', m.onnx), origin: 'configured' };
}

export async function evaluateThroughEngine(engine: EngineClient, model: ModelInfo, data: string, abnormal: string, out?: string): Promise<EvalReport> {
  return evaluateFolder({ engine, model, provider: 'cpu' }, data, { normal: 'NORMAL', abnormal, out });
}

export function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}
