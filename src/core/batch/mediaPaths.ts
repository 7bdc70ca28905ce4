/**
 * Where a batch media cache keeps each small image (engine/batch/media.ts writes them): a thumbnail per
 * file content, a heatmap per model and content. Pure, so the extension host finds a cached thumbnail by
 * the row's content hash without loading the image libraries.
 */
export function thumbPath(hash: string): string {
  return `thumbs/${hash.slice(0, 2)}/${hash}.webp`;
}

export function heatmapPath(modelDir: string, hash: string): string {
  return `heatmaps/${modelDir}/${hash.slice(0, 2)}/${hash}.webp`;
}
