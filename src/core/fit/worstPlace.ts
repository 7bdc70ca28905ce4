/**
 * An image score that looks at the worst place, not only the whole: the mean of the k highest values of the
 * position-centred patch-distance map (the map the viewer draws), over the inner field (`inset` cells in
 * from each side, so the field's edges and corners, which vary most between normal images, do not decide).
 * A lesion covering 1% of an image moves two or three of 196 patches: the mean of the map (the local part)
 * and the pooled Gaussian (the global part) wash it out, the top few patches do not (issue 12,
 * docs/experiments/generalisation.md "The worst place").
 */
import { XrayError } from '../errors';

export interface WorstPlaceOptions {
  /** Patches averaged (the k highest). */
  k: number;
  /** Cells left out on each side of the map. */
  inset: number;
}

/**
 * How the worst place joins the image score: with `weight` as a plain standardised part, or, with a
 * `gateQuantile`, only by how far it exceeds that quantile of the calibration normals' worst places
 * (weight · max(0, z − gate)). Gated, it leaves the order of every image with no unusual local evidence
 * as the other parts set it (diffuse findings such as pneumonia), and lifts focal ones (metal, a missing
 * region) above them (docs/experiments/local-evidence.md).
 */
export interface WorstPlacePart extends WorstPlaceOptions {
  weight: number;
  /** Quantile in (0, 1] of the calibration normals' standardised worst places; absent = ungated. */
  gateQuantile?: number;
}

/** The gate in standard deviations: the `q` quantile of the standardised calibration worst places (nearest rank). */
export function worstGate(standardised: ArrayLike<number>, q: number): number {
  if (!(q > 0 && q <= 1)) throw new XrayError('INTERNAL', `worst-place gate quantile must be in (0, 1], got ${q}`);
  if (standardised.length < 1) throw new XrayError('INTERNAL', 'worst-place gate needs calibration scores');
  const sorted = Float64Array.from(standardised).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The inset an h x w map allows (at least one row and column stay). */
export function effectiveInset(h: number, w: number, inset: number): number {
  return Math.max(0, Math.min(Math.round(inset), Math.floor((h - 1) / 2), Math.floor((w - 1) / 2)));
}

/** The positions (row-major indices into an h x w map) the score looks at. */
export function innerPositions(h: number, w: number, inset: number): number[] {
  const i = effectiveInset(h, w, inset);
  const out: number[] = [];
  for (let y = i; y < h - i; y++) for (let x = i; x < w - i; x++) out.push(y * w + x);
  return out;
}

/** Patches actually averaged on an h x w map (k clamped to the inner field). */
export function effectiveK(h: number, w: number, o: WorstPlaceOptions): number {
  return Math.max(1, Math.min(Math.round(o.k), innerPositions(h, w, o.inset).length));
}

/** The options as an h x w map allows them (what the exported graph is built with). */
export function resolveWorstPlace(h: number, w: number, o: WorstPlaceOptions): WorstPlaceOptions {
  return { k: effectiveK(h, w, o), inset: effectiveInset(h, w, o.inset) };
}

/** Mean of the k highest inner values of each [h*w] map in `maps` (maps of n images back to back). */
export function worstPlaceScores(maps: ArrayLike<number>, h: number, w: number, o: WorstPlaceOptions): Float32Array {
  const hw = h * w;
  if (hw < 1 || maps.length % hw !== 0)
    throw new XrayError('INTERNAL', `${maps.length} map values are not whole ${h}x${w} maps`);
  const pos = innerPositions(h, w, o.inset);
  const k = effectiveK(h, w, o);
  const n = maps.length / hw;
  const out = new Float32Array(n);
  const vals = new Float32Array(pos.length);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < pos.length; j++) vals[j] = maps[i * hw + pos[j]];
    vals.sort();
    // Float32 sum in descending order, as the graph's TopK + ReduceMean take it (close enough either way).
    let s = 0;
    for (let j = 0; j < k; j++) s += vals[vals.length - 1 - j];
    out[i] = s / k;
  }
  return out;
}
