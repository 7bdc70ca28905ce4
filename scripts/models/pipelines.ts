/**
 * Named preprocessing pipelines for fitting on the bundled MobileNetV2 backbone, and the backbone
 * manifests that carry them. The fit takes its preprocessing from the backbone manifest (a fitted model
 * copies it), so trying a pipeline through the product path means fitting with a backbone manifest
 * that names it: models/backbones/ keeps the plain one, and `backboneWithPipeline` writes a variant
 * next to a link to the same ONNX file. Compared in docs/experiments/heatmap-preprocessing.md.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseBackboneManifest, type BackboneManifest } from '../../src/core/model/backbone';
import type { PreprocessStep } from '../../src/core/preprocess/spec';
import { ROOT } from './protocol';

export const BUNDLED_BACKBONE = join(ROOT, 'models/backbones/mobilenetv2-nsfwjs.backbone.json');

const SIZE = 224;
const BITS: PreprocessStep = { op: 'intensity', mode: 'bits' };
const PHOTOMETRIC: PreprocessStep = { op: 'photometric', invertBrightBackground: false };
const CROP: PreprocessStep = { op: 'cropExposed' };
const INPAINT: PreprocessStep = { op: 'maskText', mode: 'inpaint' };
const RESIZE: PreprocessStep = { op: 'resize', width: SIZE, height: SIZE };
const RESIZE_PAD: PreprocessStep = { op: 'resizePad', size: SIZE };

export interface NamedPipeline {
  /** Short label for tables. */
  label: string;
  steps: PreprocessStep[];
  /** A sentence for a model description, when the pipeline does more than scale and resize. */
  describe?: string;
}

/** The candidates of the heatmap experiment, in the order they are reported. */
export const PIPELINES: Record<string, NamedPipeline> = {
  current: { label: '(a) bits + photometric + resize (the backbone default)', steps: [BITS, PHOTOMETRIC, RESIZE] },
  crop: { label: '(b) cropExposed + (a)', steps: [CROP, BITS, PHOTOMETRIC, RESIZE] },
  'crop-inpaint': { label: '(c) cropExposed + (a) + maskText inpaint', steps: [CROP, BITS, PHOTOMETRIC, INPAINT, RESIZE] },
  'crop-inpaint-pad': { label: '(d) (c) with resizePad', steps: [CROP, BITS, PHOTOMETRIC, INPAINT, RESIZE_PAD] },
  'crop-inpaint-wide': {
    label: '(f) (c) with maskText saturation 0.3 (finds most "R" markers, also clips and leads off the body)',
    steps: [CROP, BITS, PHOTOMETRIC, { op: 'maskText', mode: 'inpaint', saturation: 0.3 }, RESIZE],
    describe: 'Before the backbone, uniform borders are cropped (cropExposed) and burned-in markers and text on the background (the "R", clips and leads off the body) are inpainted (maskText, saturation 0.3).',
  },
  'crop-inpaint-wide-pct': {
    label: '(g) (f) with a per-image percentile stretch (0.5-99.5) instead of the bit depth',
    steps: [CROP, { op: 'intensity', mode: 'percentile', low: 0.5, high: 99.5 }, PHOTOMETRIC, { op: 'maskText', mode: 'inpaint', saturation: 0.3 }, RESIZE],
  },
  'crop-mask': { label: '(e) cropExposed + (a) + maskText mask', steps: [CROP, BITS, PHOTOMETRIC, { op: 'maskText', mode: 'mask' }, RESIZE] },
};

export function pipelineNamed(name: string): NamedPipeline {
  const p = PIPELINES[name];
  if (!p) throw new Error(`unknown pipeline '${name}'; known: ${Object.keys(PIPELINES).join(', ')}`);
  return p;
}

/**
 * Writes `<dir>/<id>.backbone.json`: the bundled backbone manifest with `steps` as its preprocessing,
 * next to a link to the bundled ONNX file (a backbone's ONNX path must lie inside its folder).
 * Validated as the fit will validate it. Returns the manifest path.
 */
export function backboneWithPipeline(dir: string, name: string): string {
  const base = JSON.parse(readFileSync(BUNDLED_BACKBONE, 'utf8')) as BackboneManifest;
  const pipeline = pipelineNamed(name);
  mkdirSync(dir, { recursive: true });
  const onnx = join(dir, base.onnx);
  rmSync(onnx, { force: true });
  symlinkSync(resolve(join(BUNDLED_BACKBONE, '..', base.onnx)), onnx);
  const manifest: BackboneManifest = { ...base, preprocessing: { steps: pipeline.steps } };
  const path = join(dir, `${base.id}.backbone.json`);
  const text = JSON.stringify(manifest, null, 2) + '\n';
  parseBackboneManifest(text, path);
  writeFileSync(path, text);
  if (!existsSync(onnx)) throw new Error(`${onnx} does not resolve`);
  return path;
}
