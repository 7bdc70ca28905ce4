/**
 * Decoded images kept in the engine so that analysis (and re-analysis with another model) refers to
 * them by id instead of shipping pixels back and forth. Bounded by total pixel bytes, least recently
 * used first out: an evicted or unknown id is answered with IMAGE_NOT_FOUND, which tells the caller to
 * decode again (the same answer it gets after an engine restart).
 */
import { XrayError } from '../core/errors';
import type { XrayImage } from '../core/image/types';

export const IMAGE_CACHE_ENV = 'XRAY_ANOMALY_ENGINE_IMAGE_CACHE_MB';
export const DEFAULT_IMAGE_CACHE_BYTES = 1024 * 1024 * 1024;

export class ImageStore {
  // Map iteration order is insertion order; re-inserting on access makes it an LRU.
  private readonly images = new Map<string, XrayImage>();
  private bytes = 0;
  private counter = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onEvict: (imageId: string, image: XrayImage) => void = () => undefined,
    private readonly idPrefix = `${process.pid.toString(36)}-${Date.now().toString(36)}`,
  ) {}

  /** Stores the image and returns its new id; evicts older images to stay within the byte budget. */
  add(image: XrayImage): string {
    const imageId = `img-${this.idPrefix}-${(++this.counter).toString(36)}`;
    this.images.set(imageId, image);
    this.bytes += sizeOf(image);
    // The newest image stays even when it alone exceeds the budget: the caller is about to use it.
    for (const [id, img] of this.images) {
      if (this.bytes <= this.maxBytes || id === imageId) break;
      this.images.delete(id);
      this.bytes -= sizeOf(img);
      this.onEvict(id, img);
    }
    return imageId;
  }

  get(imageId: string): XrayImage {
    const image = this.images.get(imageId);
    if (!image) {
      throw new XrayError(
        'IMAGE_NOT_FOUND',
        'The engine no longer holds this image (it was released, evicted to save memory, or the engine restarted). Decode the file again.',
        `imageId ${imageId}`,
      );
    }
    this.images.delete(imageId);
    this.images.set(imageId, image);
    return image;
  }

  release(imageId: string): boolean {
    const image = this.images.get(imageId);
    if (!image) return false;
    this.images.delete(imageId);
    this.bytes -= sizeOf(image);
    return true;
  }

  get size(): number {
    return this.images.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }
}

function sizeOf(image: XrayImage): number {
  return image.data.byteLength;
}

export function imageCacheBytes(env: Record<string, string | undefined>): number {
  const mb = Number(env[IMAGE_CACHE_ENV]);
  return Number.isFinite(mb) && mb > 0 ? mb * 1024 * 1024 : DEFAULT_IMAGE_CACHE_BYTES;
}
