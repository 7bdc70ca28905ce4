/**
 * The pure core functions the engine drives, as one injectable bundle. main.ts wires the real ones;
 * the engine's own logic (stores, queues, provider choice, RPC) depends only on these shapes, so it
 * reads as orchestration and not as a second copy of decoding or scoring.
 */
import type { DicomTagEntry, ReadTagsOptions } from '../core/decode/dicom/tags';
import type { DecodeLimits, XrayImage } from '../core/image/types';
import type { ModelManifest } from '../core/model/manifest';
import type { PipelinePreview, PreviewOptions } from '../core/preprocess/preview';
import type { PipelineSpec } from '../core/preprocess/spec';
import type { AnalysisResult } from '../core/scoring/types';

/** One input or output of a loaded session, as ORT reports it (symbolic dims are strings). */
export interface TensorMeta {
  name: string;
  dims: (number | string)[];
  /** ORT element type, e.g. 'float32'; undefined for non-tensor values. */
  type?: string;
}

/** A model output handed to scoring: plain data, no ORT objects. */
export interface OutputTensor {
  data: Float32Array;
  dims: number[];
}

/** What prepareInput must give the engine; the full object goes on to scoring untouched. */
export interface PreparedLike {
  tensor: Float32Array;
  dims: readonly number[];
}

export interface CoreOps<P extends PreparedLike = PreparedLike> {
  decodeImage(bytes: Uint8Array, fileName: string, limits: DecodeLimits, opts: { frame?: number }): Promise<XrayImage>;
  parseManifest(text: string, manifestPath: string): ModelManifest;
  /** Throws XrayError MODEL_INPUT_MISMATCH (or MODEL_INVALID) when the session does not fit the manifest. */
  checkModelIO(manifest: ModelManifest, io: { inputs: TensorMeta[]; outputs: TensorMeta[] }): void;
  prepareInput(image: XrayImage, manifest: ModelManifest): P;
  /** One input per region (several when the spec splits the image, e.g. two hands). */
  prepareInputs(image: XrayImage, manifest: ModelManifest): P[];
  combineRegionResults(
    results: Pick<AnalysisResult, 'score' | 'map'>[],
    imageWidth: number,
    imageHeight: number,
  ): Pick<AnalysisResult, 'score' | 'map'>;
  scoreOutputs(
    outputs: Record<string, OutputTensor>,
    prepared: P,
    manifest: ModelManifest,
    opts?: { map?: boolean },
  ): Pick<AnalysisResult, 'score' | 'map'>;
  /** The attributes of a DICOM file, for display; throws XrayError for files that are not DICOM. */
  readDicomTags(bytes: Uint8Array, opts?: ReadTagsOptions): DicomTagEntry[];
  previewPipeline(image: XrayImage, spec: PipelineSpec, options?: PreviewOptions): PipelinePreview;
}
