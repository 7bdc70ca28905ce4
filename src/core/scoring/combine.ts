/**
 * One image, several network inputs (splitHands gives one per hand): the image's score is the region
 * with the highest raw score (an anomaly in either hand makes the image abnormal), and the regions'
 * maps are drawn back onto one image-space grid so the viewer shows a single registered overlay.
 */
import { composeRegionMaps } from '../preprocess/regions';
import type { AnalysisResult } from './types';

export type RegionResult = Pick<AnalysisResult, 'score' | 'map'>;

export function combineRegionResults(
  results: readonly RegionResult[],
  imageWidth: number,
  imageHeight: number,
): RegionResult {
  if (results.length === 0) throw new Error('combineRegionResults: no regions');
  if (results.length === 1) return results[0];
  const top = results.reduce((a, b) => (b.score.raw > a.score.raw ? b : a));
  const maps = results.flatMap((r) => (r.map ? [r.map] : []));
  if (maps.length === 0) return { score: top.score };
  const grid = composeRegionMaps(maps, imageWidth, imageHeight);
  return {
    score: top.score,
    map: {
      ...grid,
      rawMin: Math.min(...maps.map((m) => m.rawMin)),
      rawMax: Math.max(...maps.map((m) => m.rawMax)),
    },
  };
}
