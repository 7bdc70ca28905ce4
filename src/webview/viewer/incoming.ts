/**
 * Checks and repairs of what the host sends, before it enters the state: structured clone keeps typed
 * arrays, but a message that lost them on the way (a plain array) is rebuilt rather than refused, and a
 * malformed map is named rather than drawn. Pure functions (the image's own checks are in imageCheck.ts).
 */
import type { DriftNote } from '../../protocol/drift';
import { invert as invertAffine, isAffine } from './affine';
import { countTags } from './tagTree';
import type { AnalysisResult, AnomalyMap, PreviewMessage, TagsMessage, ViewerTag } from './types';

/** The result with its map usable (typed data, consistent size, invertible placement), or why the map is not. */
export function checkAnalysis(result: AnalysisResult): {
  result: AnalysisResult;
  map?: AnomalyMap;
  mapProblem?: string;
} {
  let map = result.map;
  if (!map) return { result };
  if (Array.isArray(map.data)) map = { ...map, data: Float32Array.from(map.data as ArrayLike<number>) };
  const problem = !(map.data instanceof Float32Array)
    ? 'its data is not a Float32Array'
    : !(Number.isInteger(map.width) && Number.isInteger(map.height) && map.width > 0 && map.height > 0)
      ? `invalid size ${map.width} x ${map.height}`
      : map.data.length !== map.width * map.height
        ? `it holds ${map.data.length} values for ${map.width} x ${map.height}`
        : !isAffine(map.toImage) || !invertAffine(map.toImage)
          ? 'its placement on the image (toImage) is not a valid affine'
          : undefined;
  if (problem) return { result, mapProblem: problem };
  return { result: { ...result, map }, map };
}

function bytes(d: unknown): Uint8Array | undefined {
  if (d instanceof Uint8Array) return d;
  if (Array.isArray(d)) return Uint8Array.from(d);
  if (d instanceof ArrayBuffer) return new Uint8Array(d);
  return undefined;
}

/** The preview with every thumbnail and mask as bytes (an unusable array becomes empty, drawn as nothing). */
export function normalizePreview(p: PreviewMessage): PreviewMessage {
  const steps = Array.isArray(p.steps)
    ? p.steps.map((step) => ({
        ...step,
        thumb: { ...step.thumb, data: bytes(step.thumb?.data) ?? new Uint8Array(0) },
        mask: step.mask && { ...step.mask, data: bytes(step.mask.data) ?? new Uint8Array(0) },
      }))
    : undefined;
  return { ...p, steps };
}

/** The attributes with their counts: all of them (nested ones included) and those held masked. */
export function countedTags(p: TagsMessage): TagsMessage & { count: number; masked: number } {
  const tags = Array.isArray(p.tags) ? p.tags : [];
  let masked = 0;
  const walk = (list: ViewerTag[]) => {
    for (const tag of list) {
      if (tag.masked) masked++;
      if (tag.children) walk(tag.children);
    }
  };
  walk(tags);
  return { ...p, tags, count: countTags(tags), masked };
}

/** A drift note the page can show: known status and text, else none (a malformed message shows nothing). */
export function checkDrift(note: DriftNote | null | undefined): DriftNote | undefined {
  if (!note || typeof note !== 'object') return undefined;
  if (!['ok', 'higher', 'lower'].includes(note.status) || typeof note.text !== 'string') return undefined;
  const normals = note.normals && typeof note.normals.text === 'string' ? note.normals : undefined;
  return { ...note, normals };
}
